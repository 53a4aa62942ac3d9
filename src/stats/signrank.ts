/**
 * Exact (permutation) null distribution of the Wilcoxon signed-rank statistic T+ given the
 * observed |differences|, ties included.
 *
 * Why: @stdlib/stats-wilcoxon uses its exact table only when there are no zero differences and no
 * tied |differences|; otherwise it falls back to the normal approximation, at any n. With the
 * handful of seeds we run, and censored pairs that tie by construction, that approximation is
 * anti-conservative: 5 pairs all with difference −1 get p = 0.018 instead of the exact 1/32, and
 * 4 pairs can reach p < 0.05 although no sign pattern of 4 pairs is rarer than 1/16.
 *
 * Under H0 each non-zero difference is equally likely to be + or −, independently, given the
 * |differences|. Midranks are multiples of 1/2, so doubled ranks are integers and the
 * distribution of 2·T+ is a subset-sum count over at most n(n+1) values (O(n³)). Counts stay
 * below C(50, 25) < 2^53 for n ≤ 50, so the result is exact in float64.
 */
import type { Alternative } from './validate.ts';

/** Midranks (1-based, ties get the average rank) of `values`. */
export function midranks(values: ArrayLike<number>): number[] {
  const n = values.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => values[a] - values[b]);
  const ranks = new Array<number>(n);
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && values[order[j + 1]] === values[order[i]]) j++;
    const r = (i + 1 + j + 1) / 2;
    for (let k = i; k <= j; k++) ranks[order[k]] = r;
    i = j + 1;
  }
  return ranks;
}

/** P(2·T+ = s) for s = 0..Σ 2·rank, where each rank is included with probability 1/2. */
export function signRankDistribution(ranks: ArrayLike<number>): Float64Array {
  const doubled = Array.from(ranks, (r) => Math.round(2 * r));
  const total = doubled.reduce((a, b) => a + b, 0);
  let counts = new Float64Array(total + 1);
  counts[0] = 1;
  let reach = 0; // highest sum reachable so far
  for (const r of doubled) {
    const next = counts.slice();
    for (let s = 0; s <= reach; s++) if (counts[s] !== 0) next[s + r] += counts[s];
    counts = next;
    reach += r;
  }
  const scale = 2 ** -doubled.length;
  return counts.map((c) => c * scale);
}

/**
 * Exact conditional p-value of T+ (sum of ranks of the positive differences) for `differences`;
 * zero differences are dropped first ("wilcox" zero method, as @stdlib and R default to).
 * 'less' = small T+ = differences tend to be negative. Two-sided doubles the smaller tail
 * (the distribution is symmetric), capped at 1. No non-zero difference at all: p = 1.
 */
export function exactSignRankP(differences: ArrayLike<number>, alternative: Alternative): { statistic: number; pValue: number } {
  const d = Array.from(differences).filter((v) => v !== 0);
  if (d.length === 0) return { statistic: 0, pValue: 1 };
  const ranks = midranks(d.map(Math.abs));
  let tPlus = 0;
  d.forEach((v, i) => {
    if (v > 0) tPlus += ranks[i];
  });
  const dist = signRankDistribution(ranks);
  const t2 = Math.round(2 * tPlus);
  let lower = 0;
  let upper = 0;
  for (let s = 0; s < dist.length; s++) {
    if (s <= t2) lower += dist[s];
    if (s >= t2) upper += dist[s];
  }
  const p = alternative === 'less' ? lower : alternative === 'greater' ? upper : 2 * Math.min(lower, upper);
  return { statistic: tPlus, pValue: Math.min(1, p) };
}
