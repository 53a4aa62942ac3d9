import { initBackend } from '../src/backend/choose.ts';

/** Unit tests run on the same backend the harness picks (GROK_BACKEND, default auto). */
process.env.GROK_QUIET ??= '1';
await initBackend();
