/**
 * Masks from scores, with the authors' global rule (spec §4.2): prune the k = ⌊(1 − keep)·N⌋
 * smallest scores and every score tied with the k-th (`score <= threshold`), so ties over-prune
 * exactly as torch's `kthvalue` + `<=` does. keep = 1 leaves everything (k < 1).
 */
export function validateKeepFraction(keepFraction: number, field = 'keepFraction'): void {
  if (!(typeof keepFraction === 'number' && keepFraction > 0 && keepFraction <= 1)) {
    throw new Error(`${field}: ${keepFraction} is out of range; ${field} must be in (0, 1] (the fraction of weights KEPT; pruning ratio k = 1 − ${field})`);
  }
}

export function pruneCount(keepFraction: number, n: number): number {
  return Math.floor((1 - keepFraction) * n);
}

export function globalMask(scores: ArrayLike<number>, keepFraction: number): Float32Array {
  validateKeepFraction(keepFraction);
  const n = scores.length;
  const mask = new Float32Array(n).fill(1);
  const k = pruneCount(keepFraction, n);
  if (k < 1) return mask;
  for (let i = 0; i < n; i++) {
    if (Number.isNaN(scores[i])) throw new Error(`scores[${i}] is NaN: refusing to prune on NaN scores`);
  }
  const threshold = kthSmallest(scores, k);
  for (let i = 0; i < n; i++) if (scores[i] <= threshold) mask[i] = 0;
  return mask;
}

/** k-th smallest (1-indexed) of a copy, in float64: quickselect would do, sorting is clearer and fast enough. */
export function kthSmallest(values: ArrayLike<number>, k: number): number {
  const sorted = Float64Array.from(values as ArrayLike<number>).sort();
  return sorted[k - 1];
}

export interface LayerDensity { name: string; kept: number; size: number; density: number }

export function maskDensity(mask: Float32Array, layers: { name: string; offset: number; size: number }[]): LayerDensity[] {
  return layers.map((l) => {
    let kept = 0;
    for (let i = l.offset; i < l.offset + l.size; i++) kept += mask[i];
    return { name: l.name, kept, size: l.size, density: kept / l.size };
  });
}

/** Synaptic-Flow's lesson (#12): check the density right after pruning, not after training. */
export function assertMask(mask: Float32Array, layers: { name: string; offset: number; size: number }[], allowEmptyLayer = false): void {
  for (let i = 0; i < mask.length; i++) {
    if (mask[i] !== 0 && mask[i] !== 1) throw new Error(`mask[${i}] = ${mask[i]}: a mask holds only 0 and 1`);
  }
  if (!allowEmptyLayer) {
    for (const d of maskDensity(mask, layers)) {
      if (d.kept === 0) throw new Error(`mask prunes layer ${d.name} entirely (0 of ${d.size} kept); allow it explicitly if intended`);
    }
  }
}

/**
 * The global rule over a model's prunable matrices only (spec §4.3): the threshold is taken over
 * their scores, and a matrix that is not prunable keeps every weight. When every matrix is
 * prunable (all the paper's models) this is exactly `globalMask`.
 */
export function layoutMask(layout: { layers: { offset: number; size: number; prunable: boolean }[]; size: number }, scores: ArrayLike<number>, keepFraction: number): Float32Array {
  if (scores.length !== layout.size) throw new Error(`scores: ${scores.length} entries; the layout has ${layout.size}`);
  const prunable = layout.layers.filter((l) => l.prunable);
  if (prunable.length === layout.layers.length) return globalMask(scores, keepFraction);
  if (prunable.length === 0) throw new Error('the model has no prunable matrix');
  const n = prunable.reduce((a, l) => a + l.size, 0);
  const sub = new Float64Array(n);
  let o = 0;
  for (const l of prunable) for (let i = 0; i < l.size; i++) sub[o++] = scores[l.offset + i];
  const m = globalMask(sub, keepFraction);
  const out = new Float32Array(layout.size).fill(1);
  o = 0;
  for (const l of prunable) for (let i = 0; i < l.size; i++) out[l.offset + i] = m[o++];
  return out;
}
