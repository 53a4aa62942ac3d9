import seedrandom from 'seedrandom';
import type { Examples } from '../tasks/types.ts';

/**
 * Minibatch SGD's data order (used for sparse parity; the paper's own runs are full batch, spec §3.3).
 * Each epoch is one pass over a permutation of the training set drawn from (seed, epoch) alone, cut
 * into batches of `size` (the last one smaller when size does not divide n, as torch's DataLoader
 * with drop_last=False). Seeding per epoch means a resumed run needs no generator state to carry on
 * bit-identically.
 */
export interface Minibatch {
  /** Examples per optimiser step. */
  size: number;
  /** Seeds the data order (the run's initSeed, so a ticket sees its base run's order). */
  seed: number;
}

export const stepsPerEpoch = (n: number, size: number): number => Math.ceil(n / size);

/** The training examples' indices of each step of `epoch`, in order. */
export function epochBatches(n: number, mb: Minibatch, epoch: number): Int32Array[] {
  const rng = seedrandom.alea(`grok-order:${mb.seed}:${epoch}`);
  const perm = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const t = perm[i];
    perm[i] = perm[j];
    perm[j] = t;
  }
  const out: Int32Array[] = [];
  for (let s = 0; s < n; s += mb.size) out.push(perm.subarray(s, Math.min(n, s + mb.size)));
  return out;
}

/** The examples at `idx`, in that order. */
export function subsetExamples(ex: Examples, idx: Int32Array): Examples {
  const m = idx.length;
  if (ex.kind === 'tokens') {
    return { kind: 'tokens', n: m, vocab: ex.vocab, tokens: ex.tokens.map((col) => Int32Array.from(idx, (i) => col[i])), labels: Int32Array.from(idx, (i) => ex.labels[i]) };
  }
  const rows = (a: Float32Array, width: number) => {
    const out = new Float32Array(m * width);
    idx.forEach((i, r) => out.set(a.subarray(i * width, (i + 1) * width), r * width));
    return out;
  };
  return {
    kind: 'vectors', n: m, dim: ex.dim, x: rows(ex.x, ex.dim), targets: rows(ex.targets, ex.targets.length / ex.n),
    ...(ex.labels ? { labels: Int32Array.from(idx, (i) => ex.labels![i]) } : {}),
  };
}
