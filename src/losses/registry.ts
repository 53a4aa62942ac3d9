import { Registry } from '../registry.ts';
import type { LossDef } from './types.ts';

/** Every loss a task can name. Built-ins register in src/losses/index.ts. */
export const losses = new Registry<LossDef>('loss', new URL('./index.ts', import.meta.url).href);
export const registerLoss = (def: LossDef): LossDef => losses.register(def);
