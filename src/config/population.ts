import { EnvError } from './env-error.ts';
import { gpuPopulationSize } from './gpu-population.ts';

/**
 * How many runs of one shape train together (src/runs/population.ts), from GROK_POPULATION:
 * - `auto` (default): one at a time on a CPU device, where a population is slower per run
 *   (measured on tfjs-wasm: 26 ms per run-step in a population of 3 at the paper MLP's shapes,
 *   3.8 ms alone; its batched matMul does not use XNNPACK), and sized from free device memory on
 *   a GPU, where one small run leaves the device idle between kernel launches;
 * - `off`: one at a time;
 * - a positive integer: at most that many.
 * Whatever the size, a population whose lanes would not be bit-identical to its runs alone trains
 * them one at a time (the exactness probe in src/runs/population.ts).
 */
export type PopulationChoice = { kind: 'auto' } | { kind: 'fixed'; size: number };

/**
 * The largest fixed population. On the largest GPU lent here (an H200, 139 GiB) the sizing of
 * gpu-population.ts fits about 13 000 runs of the paper MLP (8 MiB each by bounds.ts); 2¹⁶ lanes
 * leave room for smaller runs, and a typo such as 1e9 is an error rather than a silent cap.
 */
export const MAX_POPULATION = 2 ** 16;

export function populationChoice(env = process.env.GROK_POPULATION): PopulationChoice {
  if (env === undefined || env.trim() === '' || env === 'auto') return { kind: 'auto' };
  if (env === 'off') return { kind: 'fixed', size: 1 };
  const n = Number(env);
  if (!/^\d+$/.test(env) || n < 1 || n > MAX_POPULATION) {
    throw new EnvError(`GROK_POPULATION: "${env}" is invalid; allowed: auto (default: one run at a time on a CPU, sized from free memory on a GPU), off, or a positive integer up to ${MAX_POPULATION}`);
  }
  return { kind: 'fixed', size: n };
}

export interface PopulationContext {
  device: 'GPU' | 'CPU';
  /** Free device memory in bytes, when known (nvidia-smi or GROK_GPU_MEMORY_GB). */
  freeBytes: number | null;
  /** One run's memory estimate (bounds.ts), when the task can say its sizes. */
  perRunBytes: number | null;
  /** Runs waiting to be trained: no population is larger. */
  waiting: number;
}

/** Runs per population for this choice and context. */
export function populationSize(choice: PopulationChoice, ctx: PopulationContext): number {
  if (choice.kind === 'fixed') return Math.max(1, Math.min(choice.size, ctx.waiting));
  if (ctx.device !== 'GPU' || ctx.waiting <= 1) return 1;
  // without a memory figure (webgpu on a machine without nvidia-smi), 8 small runs fit any GPU we know of
  if (ctx.freeBytes === null || ctx.perRunBytes === null) return Math.min(8, ctx.waiting);
  return gpuPopulationSize({ deviceBytes: ctx.freeBytes, perRunBytes: ctx.perRunBytes, max: ctx.waiting });
}
