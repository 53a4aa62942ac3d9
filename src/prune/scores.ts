import type { Layout } from '../models/layout.ts';
import type { TokenBatch } from '../models/mlp.ts';
import type { Batch } from '../models/types.ts';
import { graspScores, type GraspOptions } from './grasp.ts';
import { layoutMask } from './mask.ts';
import { randomScores } from './random.ts';
import { snipScores } from './snip.ts';
import { synflowScores } from './synflow.ts';

/** The pruning-at-initialisation baselines of paper §4.2 (spec §6); Mag lives in magnitude.ts. */
export const PAI_METHODS = ['random', 'snip', 'grasp', 'synflow'] as const;
export type PaiMethod = (typeof PAI_METHODS)[number];

export type PaiOptions = GraspOptions;

export function parsePaiMethod(method: string): PaiMethod {
  if (!(PAI_METHODS as readonly string[]).includes(method)) {
    throw new Error(`unknown pruning-at-initialisation method "${method}"; allowed values: ${PAI_METHODS.join(', ')}`);
  }
  return method as PaiMethod;
}

/**
 * Scores in flat layout order, higher = keep. `seed` only feeds `random`; the data-dependent
 * methods are deterministic given θ and the batch (spec §1.4: the whole training set, one batch).
 */
export function paiScores(
  method: PaiMethod | string,
  layout: Layout,
  theta: Float32Array,
  batch: Batch,
  seed: number | string,
  opts: PaiOptions = {},
): Float64Array {
  const m = parsePaiMethod(method);
  switch (m) {
    case 'random':
      return randomScores(layout.size, seed);
    case 'snip':
      return snipScores(layout, theta, batch);
    case 'grasp':
      return graspScores(layout, theta, batch as TokenBatch, opts);
    case 'synflow':
      return synflowScores(layout, theta, batch);
  }
}

export function paiMask(
  method: PaiMethod | string,
  layout: Layout,
  theta: Float32Array,
  batch: Batch,
  seed: number | string,
  keepFraction: number,
  opts: PaiOptions = {},
): Float32Array {
  return layoutMask(layout, paiScores(method, layout, theta, batch, seed, opts), keepFraction);
}
