/**
 * How many runs of one shape a GPU population may train at once, from the device's free memory
 * and the per-run memory estimate of bounds.ts (`estimateMemory(config).bytes`: parameters and
 * AdamW state, targets and activations, full batch). Pure, so the population executor can call it
 * with the probed memory (src/backend/gpu-memory.ts) and tests with any numbers.
 *
 * The estimate is of one run alone; in a population the data of a shared split is held once, so
 * `sharedBytes` (that data, counted once) is subtracted from the budget and `perRunBytes` should
 * then exclude it. The headroom covers what the estimate leaves out: the CUDA context and cuBLAS
 * workspaces (hundreds of MiB), TensorFlow's allocator fragmentation, and the estimate's own error
 * (bounds.ts says it is within ~10 % for the MLP).
 */

const GiB = 2 ** 30;

export interface PopulationSizing {
  /** Free device memory in bytes (total − used before TensorFlow starts). */
  deviceBytes: number;
  /** One run's memory in bytes. */
  perRunBytes: number;
  /** Memory the population holds once whatever its size (a shared data split). */
  sharedBytes?: number;
  /** Fraction of the device kept free; default 0.25. */
  headroom?: number;
  /** Upper bound, e.g. the number of runs waiting; default unbounded. */
  max?: number;
}

export class PopulationSizeError extends Error {
  override name = 'PopulationSizeError';
}

const gib = (b: number): string => `${(b / GiB).toFixed(b >= 10 * GiB ? 0 : 2)} GiB`;

/** The population size: at least 1, or an error when not even one run fits. */
export function gpuPopulationSize(o: PopulationSizing): number {
  const headroom = o.headroom ?? 0.25;
  const shared = o.sharedBytes ?? 0;
  for (const [name, v] of [['deviceBytes', o.deviceBytes], ['perRunBytes', o.perRunBytes], ['sharedBytes', shared]] as const) {
    if (!Number.isFinite(v) || v < 0) throw new PopulationSizeError(`${name}: ${v} is invalid (a non-negative number of bytes)`);
  }
  if (!(o.perRunBytes > 0)) throw new PopulationSizeError(`perRunBytes: ${o.perRunBytes} is invalid (a run needs some memory)`);
  if (!(headroom >= 0 && headroom < 1)) throw new PopulationSizeError(`headroom: ${headroom} is invalid (a fraction in [0, 1))`);
  if (o.max !== undefined && !(Number.isInteger(o.max) && o.max >= 1)) throw new PopulationSizeError(`max: ${o.max} is invalid (a positive integer)`);
  const budget = o.deviceBytes * (1 - headroom) - shared;
  let n = Math.floor(budget / o.perRunBytes);
  // the quotient can round across an integer: settle on the largest n whose runs fit
  while (n > 0 && n * o.perRunBytes > budget) n--;
  while ((n + 1) * o.perRunBytes <= budget) n++;
  if (n < 1) {
    throw new PopulationSizeError(
      `one run needs about ${gib(o.perRunBytes + shared)} but the GPU has ${gib(o.deviceBytes)} free, ${gib(o.deviceBytes * (1 - headroom))} after keeping ${Math.round(headroom * 100)} % for CUDA and the allocator: make the run smaller or use a larger GPU`,
    );
  }
  return o.max === undefined ? n : Math.min(n, o.max);
}
