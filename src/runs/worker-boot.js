// Worker threads load TypeScript through tsx, like bin/grok.js.
import { register } from 'tsx/esm/api';

register();
await import('./worker.ts');
