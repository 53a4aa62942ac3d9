import type { Layout } from '../models/layout.ts';

export interface Norms {
  l1: number;
  l2: number;
  l1Mask: number;
  l2Mask: number;
}

/**
 * The authors' `get_weight_norm` (spec §3.4): the MEAN over the four matrices of per-layer norms,
 * not global norms. `l1`/`l2` include pruned raw weights (which only decay); the `Mask` variants
 * are the norms of the weights the network actually uses. Computed in float64.
 */
export function weightNorms(layout: Layout, theta: Float32Array, mask: Float32Array | null): Norms {
  let l1 = 0, l2 = 0, l1Mask = 0, l2Mask = 0;
  for (const l of layout.layers) {
    let a1 = 0, a2 = 0, m1 = 0, m2 = 0;
    for (let i = l.offset; i < l.offset + l.size; i++) {
      const w = theta[i];
      const wm = mask ? w * mask[i] : w;
      a1 += Math.abs(w);
      a2 += w * w;
      m1 += Math.abs(wm);
      m2 += wm * wm;
    }
    l1 += a1;
    l2 += Math.sqrt(a2);
    l1Mask += m1;
    l2Mask += Math.sqrt(m2);
  }
  const n = layout.layers.length;
  return { l1: l1 / n, l2: l2 / n, l1Mask: l1Mask / n, l2Mask: l2Mask / n };
}
