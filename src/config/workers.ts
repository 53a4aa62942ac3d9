import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { parseBackendChoice } from '../backend/choice.ts';
import { EnvError } from './env-error.ts';

/**
 * The size of the worker pool (src/runs/pool.ts) from GROK_WORKERS: default the number of cores, at
 * most 4; 1 trains in-process. Kept apart from the pool so the CLI and the claims suite's global
 * setup can reject a bad value before any work without loading the training code.
 *
 * With a native TensorFlow backend the pool is always 1: tfjs-node's binding keeps one
 * process-wide TensorFlow context and tensor table, and a second worker thread that loads it
 * fails or crashes (tensorflow/tfjs#2079, #8388). TensorFlow parallelises each op itself, and on a
 * GPU a population (many runs in one program) is the way to fill the device, not threads.
 */
export function workerCount(env = process.env.GROK_WORKERS, native = nativeBackendLikely(), cores = availableParallelism()): number {
  let n = Math.max(1, Math.min(4, cores));
  if (env !== undefined && env !== '') {
    n = Number(env);
    // at most one worker per core: each trains on one core and loads its own backend, so more only
    // share the cores and add memory (and "1e9" would start a billion threads)
    if (!/^\d+$/.test(env) || n < 1 || n > cores) {
      throw new EnvError(`GROK_WORKERS: "${env}" is invalid; allowed: a positive integer up to ${cores}, this machine's cores (unset: the number of cores, at most 4)`);
    }
  }
  return native ? 1 : n;
}

const require = createRequire(import.meta.url);
const installed = (name: string): boolean => {
  try {
    require.resolve(name); // resolves the path only: loading it would load libtensorflow
    return true;
  } catch {
    return false;
  }
};

/**
 * Whether this process will (or may) run a native TensorFlow backend, known before any backend is
 * loaded: asked for by name, or `auto` with a native package installed (auto tries it first; if
 * its libtensorflow then fails to load, the run falls back to wasm on one worker, slower but safe).
 */
export function nativeBackendLikely(choice = process.env.GROK_BACKEND, isInstalled: (name: string) => boolean = installed): boolean {
  const c = parseBackendChoice(choice);
  if (c === 'tensorflow' || c === 'gpu') return true;
  return c === 'auto' && (isInstalled('@tensorflow/tfjs-node-gpu') || isInstalled('@tensorflow/tfjs-node'));
}
