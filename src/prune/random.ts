import seedrandom from 'seedrandom';
import { globalMask } from './mask.ts';

/**
 * Rand (spec §6.1): i.i.d. scores, so global thresholding prunes a uniformly random set of exactly
 * k weights. The authors used torch.randn unseeded; any continuous i.i.d. law gives the same
 * distribution over masks, so we draw uniform doubles from a seeded stream.
 *
 * The stream is namespaced (`grok-rand-prune:`) so that it is independent of initTheta's
 * `grok-init:` stream for the same seed: a shared stream would correlate the random mask with θ0.
 * `.double()` (53 random bits) rather than alea's default 32-bit output, because with 115 000
 * draws a 2^-32 grid produces about one tie per mask, and ties over-prune under the authors' rule.
 */
export function randomScores(size: number, seed: number | string): Float64Array {
  if (!Number.isInteger(size) || size < 0) throw new Error(`randomScores: size must be a non-negative integer, got ${size}`);
  const rng = seedrandom.alea(`grok-rand-prune:${seed}`);
  const out = new Float64Array(size);
  for (let i = 0; i < size; i++) out[i] = rng.double();
  return out;
}

export function randomMask(size: number, seed: number | string, keepFraction: number): Float32Array {
  return globalMask(randomScores(size, seed), keepFraction);
}
