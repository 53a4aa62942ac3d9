import * as tf from '@tensorflow/tfjs-core';
import seedrandom from 'seedrandom';
import type { Layout } from '../model/layout.ts';

/** Scratch space for `subnetInto`, reused across steps (no allocation in the hot loop). */
export class SubnetWorker {
  private work: Float32Array;
  constructor(maxLayerSize: number) {
    this.work = new Float32Array(maxLayerSize);
  }

  /**
   * out[l] = GetSubnet(|scores[l]|, keep) for one layer slice: exactly j = floor((1 − keep)·n)
   * zeros at the j smallest |s|, ones elsewhere. Ties: the order is (|s|, index) ascending, i.e.
   * the stable sort, so among equal |s| the lower indices are dropped first.
   */
  layer(scores: Float32Array, offset: number, n: number, keep: number, out: Float32Array): void {
    const j = Math.floor((1 - keep) * n);
    if (j <= 0) return void out.fill(1, offset, offset + n);
    if (j >= n) return void out.fill(0, offset, offset + n);
    const a = this.work;
    for (let i = 0; i < n; i++) a[i] = Math.abs(scores[offset + i]);
    const t = selectKth(a, n, j - 1); // the j-th smallest |s|
    let quota = j;
    for (let i = 0; i < n; i++) if (Math.abs(scores[offset + i]) < t) quota--;
    for (let i = 0; i < n; i++) {
      const v = Math.abs(scores[offset + i]);
      if (v < t) out[offset + i] = 0;
      else if (v > t) out[offset + i] = 1;
      else if (quota > 0) {
        out[offset + i] = 0;
        quota--;
      } else out[offset + i] = 1;
    }
  }
}

/**
 * The k-th smallest (0-indexed) of a[0…n), reordering a. Wirth/Hoare selection with a
 * median-of-three pivot: linear on average, and equal keys split evenly (no quadratic case on ties).
 */
function selectKth(a: Float32Array, n: number, k: number): number {
  let lo = 0, hi = n - 1;
  while (hi > lo) {
    const mid = (lo + hi) >>> 1;
    let x = a[lo], y = a[mid], z = a[hi];
    if (x > y) [x, y] = [y, x];
    if (y > z) y = x > z ? x : z;
    const pivot = y;
    let i = lo, j = hi;
    do {
      while (a[i] < pivot) i++;
      while (pivot < a[j]) j--;
      if (i <= j) {
        const t = a[i];
        a[i] = a[j];
        a[j] = t;
        i++;
        j--;
      }
    } while (i <= j);
    if (j < k) lo = i;
    if (k < i) hi = j;
  }
  return a[k];
}

/** The authors' GetSubnet per layer (spec §7.1): 0/1, exactly n − floor((1 − keep)·n) ones per layer. */
export function edgePopupMask(layout: Layout, scores: Float32Array, keepFraction: number): Float32Array {
  const out = new Float32Array(layout.size);
  const w = new SubnetWorker(Math.max(...layout.layers.map((l) => l.size)));
  for (const l of layout.layers) w.layer(scores, l.offset, l.size, keepFraction, out);
  return out;
}

/** kaiming_uniform(a = √5): U(−1/√fan_in, 1/√fan_in) per layer (spec §2.5). */
export function initScores(layout: Layout, seed: number): Float32Array {
  const rng = seedrandom.alea(`grok-scores:${seed}`);
  const s = new Float32Array(layout.size);
  for (const l of layout.layers) {
    const bound = 1 / Math.sqrt(l.fanIn);
    for (let i = 0; i < l.size; i++) s[l.offset + i] = (2 * rng() - 1) * bound;
  }
  return s;
}

export const _tf = tf;
