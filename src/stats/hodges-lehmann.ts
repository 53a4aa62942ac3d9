/**
 * The Hodges–Lehmann estimate of a paired shift (the median of the Walsh averages (d_i + d_j)/2,
 * i ≤ j) and its exact confidence interval from the Wilcoxon signed-rank distribution: the
 * interval [W_(k), W_(M+1−k)] over the M = n(n+1)/2 sorted Walsh averages is the set of shifts the
 * two-sided signed-rank test does not reject, and its coverage is exactly 1 − 2·P(T+ ≤ k − 1) for
 * data from a continuous symmetric distribution. k is chosen as R's wilcox.test(conf.int = TRUE)
 * does (k = qsignrank(α/2, n), at least 1), so the coverage reached is at least the level asked for
 * when the seeds allow it, and the interval is then labelled with that level (as R does; its exact
 * coverage is in `coverage`). With few seeds it cannot be (n = 5: at best 1 − 2/32 = 93.75 %), and
 * the level is then the one reached, never the one asked for.
 *
 * Censoring. A pair whose difference is only known to lie beyond a bound (a milestone never
 * reached: τ > horizon / t_mem) enters at that bound, flagged with the side its true value may
 * lie on. Every Walsh average, and so every order statistic of them, is non-decreasing in each
 * d_i, so the estimate and the interval computed at the bounds move only that way: the lower
 * end is recomputed with every difference open below at −∞, the upper end with every difference
 * open above at +∞, and an end that becomes infinite is reported open (null). A censored pair is
 * never dropped: dropping it would drop exactly the runs that failed. The point estimate is the
 * one at the bounds, so it lies inside the interval and understates the effect in the direction
 * censoring could move it.
 */
import { signRankDistribution } from './signrank.ts';

/** Which side of `value` the true difference may lie on: 'none' = measured. */
export type Open = 'none' | 'above' | 'below' | 'both';

export interface Difference { value: number; open?: Open }

export interface HodgesLehmannResult {
  /** Median of the Walsh averages (at the censoring bounds). */
  estimate: number;
  /** null when fewer than 2 pairs: no interval of positive level exists. */
  interval: { lo: number | null; hi: number | null; level: number; method: string } | null;
  /** The interval's exact coverage for continuous symmetric differences (≥ its level). */
  coverage: number | null;
  n: number;
  /** Pairs open on some side (censored). */
  censored: number;
}

/** Exact pairs the signed-rank distribution is computed for (an O(n³) table); seeds are far fewer. */
const MAX_N = 200;

export const HL_METHOD = 'Hodges–Lehmann estimate, exact Wilcoxon signed-rank interval (Walsh averages)';

/** Order statistics W_(1..M) of the Walsh averages, ascending; ±∞ allowed, never of opposite signs. */
export function walshAverages(d: readonly number[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < d.length; i++) for (let j = i; j < d.length; j++) out.push(d[i] === d[j] ? d[i] : (d[i] + d[j]) / 2);
  return out.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

const medianSorted = (s: number[]): number => {
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : s[m - 1] === s[m] ? s[m] : (s[m - 1] + s[m]) / 2;
};

/**
 * The 1-based order k of the interval's ends and the level it reaches, for n pairs and a level asked
 * for: k = the smallest q with P(T+ ≤ q) ≥ α/2 (at least 1), reached level 1 − 2·P(T+ ≤ k − 1).
 */
export function signRankOrder(n: number, level: number): { k: number; level: number } {
  const dist = signRankDistribution(Array.from({ length: n }, (_, i) => i + 1)); // over 2·T+
  const cdf: number[] = []; // cdf[t] = P(T+ ≤ t)
  let acc = 0;
  for (let s = 0; s < dist.length; s++) {
    acc += dist[s];
    if (s % 2 === 0) cdf.push(acc); // odd entries are empty: integer ranks sum to integers
  }
  const half = (1 - level) / 2;
  let q = 0;
  while (cdf[q] < half) q++;
  const k = Math.max(1, q);
  return { k, level: 1 - 2 * cdf[k - 1] };
}

export function hodgesLehmann(diffs: ReadonlyArray<number | Difference>, opts: { level?: number } = {}): HodgesLehmannResult {
  const fn = 'hodgesLehmann';
  const level = opts.level ?? 0.95;
  if (!(level > 0 && level < 1)) throw new Error(`${fn}: level must be in (0, 1) (got ${level})`);
  if (diffs.length < 1) throw new Error(`${fn}: needs at least 1 pair (got 0)`);
  if (diffs.length > MAX_N) throw new Error(`${fn}: at most ${MAX_N} pairs (got ${diffs.length})`);
  const d = diffs.map((x, i) => {
    const v = typeof x === 'number' ? { value: x, open: 'none' as Open } : { value: x.value, open: x.open ?? 'none' };
    if (typeof v.value !== 'number' || !Number.isFinite(v.value)) throw new Error(`${fn}: difference [${i}] must be a finite number (got ${String(v.value)}); a censored one enters at its bound with open set`);
    if (!['none', 'above', 'below', 'both'].includes(v.open)) throw new Error(`${fn}: difference [${i}].open must be none, above, below or both (got ${JSON.stringify(v.open)})`);
    return v;
  });
  const n = d.length;
  const censored = d.filter((x) => x.open !== 'none').length;
  const estimate = medianSorted(walshAverages(d.map((x) => x.value)));
  if (n < 2) return { estimate, interval: null, coverage: null, n, censored };
  const order = signRankOrder(n, level);
  const M = (n * (n + 1)) / 2;
  const low = walshAverages(d.map((x) => (x.open === 'below' || x.open === 'both' ? -Infinity : x.value)))[order.k - 1];
  const high = walshAverages(d.map((x) => (x.open === 'above' || x.open === 'both' ? Infinity : x.value)))[M - order.k];
  const method = censored ? `${HL_METHOD}; ${censored} censored pair(s) at their bound, open on the side censoring can move` : HL_METHOD;
  return {
    estimate,
    interval: { lo: Number.isFinite(low) ? low : null, hi: Number.isFinite(high) ? high : null, level: Math.min(level, order.level), method },
    coverage: order.level,
    n,
    censored,
  };
}

/**
 * The paired shift x − y over seeds (the same seed under two conditions, nothing censored): the
 * Hodges–Lehmann estimate of the differences' centre and its exact interval. For one sample (a
 * value per seed, its location) pass the values to hodgesLehmann itself.
 */
export function pairedShift(x: readonly number[], y: readonly number[], opts: { level?: number } = {}): HodgesLehmannResult {
  const fn = 'pairedShift';
  if (x.length !== y.length) throw new Error(`${fn}: x and y must have the same length, one value per seed (got ${x.length} and ${y.length})`);
  const bad = (v: readonly number[], what: string) => {
    const i = v.findIndex((a) => typeof a !== 'number' || !Number.isFinite(a));
    if (i >= 0) throw new Error(`${fn}: ${what}[${i}] must be a finite number (got ${String(v[i])})`);
  };
  bad(x, 'x');
  bad(y, 'y');
  const r = hodgesLehmann(x.map((a, i) => a - y[i]), opts);
  return r.interval ? { ...r, interval: { ...r.interval, method: `${r.interval.method}, on the paired differences` } } : r;
}

/**
 * A positive quantity per seed that may be censored: `value` measured, or (censored) only known
 * to exceed `bound` (null: no bound known, e.g. a τ whose run never memorised).
 */
export type Bounded = { value: number; censored?: false } | { censored: true; bound: number | null };

export interface RatioEffect {
  /** exp of the Hodges–Lehmann estimate of median ln(num/den): a typical ratio over seeds. */
  estimate: number;
  interval: { lo: number | null; hi: number | null; level: number; method: string } | null;
  n: number;
  censored: number;
}

/**
 * The paired ratio num/den over seeds (e.g. τ_dense / τ_ticket) on the log scale, back-transformed.
 * A censored num (only known to exceed its bound) leaves ln(num/den) open above; a censored den
 * open below. A pair with both censored, or a censored value without a bound, is open on both
 * sides and enters at the ratio of the bounds, or at 1 when a bound is unknown (a tie, as the
 * signed-rank test counts a pair it cannot order).
 */
export function pairedRatioEffect(num: readonly Bounded[], den: readonly Bounded[], opts: { level?: number } = {}): RatioEffect {
  const fn = 'pairedRatioEffect';
  if (num.length !== den.length) throw new Error(`${fn}: numerator and denominator must have the same length (got ${num.length} and ${den.length})`);
  const check = (x: Bounded, what: string, i: number): number | null => {
    const v = x.censored ? x.bound : x.value;
    if (v === null && x.censored) return null;
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw new Error(`${fn}: ${what}[${i}] must be a positive finite number${x.censored ? ' (its bound) or null' : ''} (got ${String(v)})`);
    return v;
  };
  const diffs: Difference[] = num.map((a, i) => {
    const b = den[i];
    const va = check(a, 'numerator', i);
    const vb = check(b, 'denominator', i);
    if (va === null || vb === null) return { value: 0, open: 'both' };
    const open: Open = a.censored && b.censored ? 'both' : a.censored ? 'above' : b.censored ? 'below' : 'none';
    return { value: Math.log(va) - Math.log(vb), open };
  });
  const r = hodgesLehmann(diffs, opts);
  const back = (x: number | null): number | null => (x === null ? null : Math.exp(x));
  return {
    estimate: Math.exp(r.estimate),
    interval: r.interval && { lo: back(r.interval.lo), hi: back(r.interval.hi), level: r.interval.level, method: `${r.interval.method}, on ln ratio, back-transformed` },
    n: r.n,
    censored: r.censored,
  };
}
