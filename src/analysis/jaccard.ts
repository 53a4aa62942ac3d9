import type { Layout } from '../models/layout.ts';

/**
 * Jaccard distances between pruning masks (spec §8, paper §5.1 / Fig 7, Fig 14).
 *
 * Masks are flat 0/1 vectors in the layout of θ (docs/ARCHITECTURE.md). Any nonzero entry counts
 * as "kept", which is what the authors' `(x + y) == 2` / `(x + y) != 0` reduce to for 0/1 masks.
 */

export type Mask = ArrayLike<number>;

/**
 * 1 − |x ∧ y| / |x ∨ y| over the entries [from, to).
 *
 * Both masks empty: the authors' formula is 0/0 = NaN there. We return 0 because two empty masks
 * are the same set, which keeps the distance a metric (identity, triangle inequality) and keeps a
 * fully pruned layer from poisoning averages across checkpoints.
 */
function jaccardRange(x: Mask, y: Mask, from: number, to: number): number {
  let inter = 0;
  let union = 0;
  for (let i = from; i < to; i++) {
    const a = x[i] !== 0;
    const b = y[i] !== 0;
    if (a && b) inter++;
    if (a || b) union++;
  }
  return union === 0 ? 0 : 1 - inter / union;
}

/** Jaccard distance of two equal-length 0/1 masks; 0 when both are empty (see jaccardRange). */
export function jaccardDistance(x: Mask, y: Mask): number {
  if (x.length !== y.length) throw new Error(`jaccardDistance: mask lengths differ (${x.length} vs ${y.length})`);
  return jaccardRange(x, y, 0, x.length);
}

export interface LayerJaccard {
  /** Each matrix separately, as the paper plots (even though the masks come from a global threshold). */
  perLayer: Record<string, number>;
  /** The whole network as one concatenated mask (the `mask_sim.ipynb` variant). */
  overall: number;
}

export function layerJaccard(layout: Layout, maskA: Mask, maskB: Mask): LayerJaccard {
  if (maskA.length !== layout.size || maskB.length !== layout.size) {
    throw new Error(`layerJaccard: masks must have length ${layout.size} (got ${maskA.length}, ${maskB.length})`);
  }
  const perLayer = {} as Record<string, number>;
  for (const l of layout.layers) perLayer[l.name] = jaccardRange(maskA, maskB, l.offset, l.offset + l.size);
  return { perLayer, overall: jaccardRange(maskA, maskB, 0, layout.size) };
}

/**
 * E[JD] of two independent random masks that each keep an entry with probability q:
 * P(both) = q², P(either) = 2q − q², so 1 − q²/(2q − q²) = 1 − q/(2 − q). The paper's baseline
 * for "masks unrelated" (0.75 at q = 0.4).
 */
export function expectedRandomJaccard(q: number): number {
  if (!(q > 0 && q <= 1)) throw new Error(`expectedRandomJaccard: keep fraction must be in (0, 1], got ${q}`);
  return 1 - q / (2 - q);
}

export interface SuccessiveJaccardRow extends LayerJaccard {
  epoch: number;
  next: number;
}

/**
 * JD(m_next, m_epoch) between consecutive checkpoints.
 *
 * The authors paired entries in unsorted `glob` order (spec §13.8), so consecutive rows were not
 * consecutive epochs; we sort by epoch first and refuse duplicates, which would make "next"
 * ambiguous.
 */
export function successiveJaccard(layout: Layout, masks: { epoch: number; mask: Mask }[]): SuccessiveJaccardRow[] {
  const sorted = [...masks].sort((a, b) => a.epoch - b.epoch);
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i].epoch === sorted[i - 1].epoch) throw new Error(`successiveJaccard: duplicate epoch ${sorted[i].epoch}`);
  }
  const rows: SuccessiveJaccardRow[] = [];
  for (let i = 0; i + 1 < sorted.length; i++) {
    const cur = sorted[i];
    const nxt = sorted[i + 1];
    rows.push({ epoch: cur.epoch, next: nxt.epoch, ...layerJaccard(layout, nxt.mask, cur.mask) });
  }
  return rows;
}

/** A window [epoch, next] over which the mask change JD(m_next, m_epoch) is measured. */
export interface ChangeWindow {
  epoch: number;
  next: number;
}

/**
 * The windows [t, t + δt] of a run of `horizon` epochs with snapshots every `step` epochs:
 * t = δt, δt + step, … while t + δt ≤ horizon. The first starts at δt, where the authors' first
 * mask is (spec §8: masks at 2k, 4k, …, δt = 2k); with step < δt successive windows overlap, so
 * the paper's δt = 2000 can be measured on snapshots every 1000 epochs.
 */
export function changeWindows(horizon: number, dt: number, step: number): ChangeWindow[] {
  for (const [name, v] of [['horizon', horizon], ['δt', dt], ['step', step]] as const) {
    if (!(Number.isInteger(v) && v > 0)) throw new Error(`changeWindows: ${name} must be a positive integer number of epochs (got ${v})`);
  }
  if (dt % step !== 0) throw new Error(`changeWindows: δt = ${dt} epochs is not a multiple of the snapshot spacing ${step}, so m_t+δt has no snapshot`);
  const out: ChangeWindow[] = [];
  for (let t = dt; t + dt <= horizon; t += step) out.push({ epoch: t, next: t + dt });
  return out;
}
