import { availableParallelism } from 'node:os';
import { EnvError } from './env-error.ts';

/**
 * The size of the worker pool (src/runs/pool.ts) from GROK_WORKERS: default the number of cores, at
 * most 4; 1 trains in-process. Kept apart from the pool so the CLI and the claims suite's global
 * setup can reject a bad value before any work without loading the training code.
 */
export function workerCount(env = process.env.GROK_WORKERS): number {
  if (env !== undefined && env !== '') {
    const n = Number(env);
    if (!Number.isInteger(n) || n < 1) throw new EnvError(`GROK_WORKERS: "${env}" is invalid; allowed: a positive integer (unset: the number of cores, at most 4)`);
    return n;
  }
  return Math.max(1, Math.min(4, availableParallelism()));
}
