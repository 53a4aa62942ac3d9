import type { Layout } from '../models/layout.ts';

/**
 * Norm ratios for the controlled dense models (spec §5, paper §4.1): a dense model rescaled to
 * r·θ0 starts with the same norm as the ticket θ0 ⊙ m, isolating "smaller norm" from "sparse
 * structure" as the cause of faster generalisation.
 */

export type Weights = Float32Array | Float64Array;

export interface NormRatios {
  /** ‖θ0 ⊙ m‖₁ / ‖θ0‖₁ over all weights (the paper's definition). */
  r1Global: number;
  /** ‖θ0 ⊙ m‖₂ / ‖θ0‖₂ over all weights (the paper's definition). */
  r2Global: number;
  /** Σ_l ‖θ0_l ⊙ m_l‖₁ / Σ_l ‖θ0_l‖₁ (the authors' code); the same number as r1Global. */
  r1Code: number;
  /**
   * Σ_l ‖θ0_l ⊙ m_l‖_F / Σ_l ‖θ0_l‖_F (the authors' code: a ratio of sums of per-layer
   * Frobenius norms). Close to, but not equal to, r2Global; that is the discrepancy of spec §5.
   */
  r2Code: number;
}

export function normRatios(layout: Layout, theta0: Weights, mask: ArrayLike<number>): NormRatios {
  if (theta0.length !== layout.size) throw new Error(`normRatios: theta0 has length ${theta0.length}, layout needs ${layout.size}`);
  if (mask.length !== layout.size) throw new Error(`normRatios: mask has length ${mask.length}, layout needs ${layout.size}`);
  // Squares of tiny (or huge) float64 weights under/overflow; every ratio is scale-free, so
  // square w / max|w| instead, as hypot does.
  let scale = 0;
  for (let i = 0; i < theta0.length; i++) scale = Math.max(scale, Math.abs(theta0[i]));
  // An all-zero θ0 has no scale to match; a silent NaN would propagate into a training run.
  if (!(scale > 0)) throw new Error('normRatios: theta0 is all zero, the ratio is undefined');
  let l1 = 0, l1m = 0, sq = 0, sqm = 0, fro = 0, from = 0;
  for (const l of layout.layers) {
    let a1 = 0, m1 = 0, a2 = 0, m2 = 0;
    for (let i = l.offset; i < l.offset + l.size; i++) {
      const w = theta0[i];
      const wm = w * mask[i];
      a1 += Math.abs(w);
      m1 += Math.abs(wm);
      const u = w / scale;
      const um = wm / scale;
      a2 += u * u;
      m2 += um * um;
    }
    // The global L1 sum is accumulated layer by layer, exactly as the code's Σ_l, so r1Global and
    // r1Code are the same float (they are the same number mathematically).
    l1 += a1;
    l1m += m1;
    sq += a2;
    sqm += m2;
    fro += Math.sqrt(a2);
    from += Math.sqrt(m2);
  }
  const r1 = l1m / l1;
  return { r1Global: r1, r2Global: Math.sqrt(sqm) / Math.sqrt(sq), r1Code: r1, r2Code: from / fro };
}

/**
 * θ · r as a new array of the same type: the authors' `set_weight_ratio` multiplies every weight
 * matrix by r (masks stay all-ones). Pass a Float64Array when the norm must match to float64 precision.
 */
export function scaleTheta<T extends Weights>(theta: T, r: number): T {
  const out = theta.slice() as T;
  for (let i = 0; i < out.length; i++) out[i] *= r;
  return out;
}
