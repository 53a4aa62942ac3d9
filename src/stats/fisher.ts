/**
 * Fisher's exact test for a 2×2 table [[a, b], [c, d]] (rows = arms, columns = success/failure).
 * No @stdlib hypergeometric package is installed, so the pmf is computed here from
 * log-factorials (a running sum of logs: exact to ~1e-13 relative, fine for the small tables of
 * a seeds-level experiment).
 *
 * With the margins fixed, a ~ Hypergeometric(N = a+b+c+d, K = a+c successes, n = a+b draws).
 *   'greater': P(A ≥ a) — row 1 has the higher success rate (odds ratio > 1);
 *   'less':    P(A ≤ a);
 *   'two-sided': sum of P(A = k) over tables no more likely than the observed one, with the
 *   relative tolerance 1 + 1e-7 that R's fisher.test and scipy use so that ties in
 *   probability are not lost to rounding.
 */
import { assertAlternative, assertNonNegativeInteger, clampP, type Alternative } from './validate.ts';

const logFactCache: number[] = [0];
function logFactorial(n: number): number {
  for (let k = logFactCache.length; k <= n; k++) logFactCache[k] = logFactCache[k - 1] + Math.log(k);
  return logFactCache[n];
}
function logChoose(n: number, k: number): number {
  return logFactorial(n) - logFactorial(k) - logFactorial(n - k);
}

/** P(A = k) for A ~ Hypergeometric(population N, K successes, n draws). */
export function hypergeometricPmf(k: number, N: number, K: number, n: number): number {
  if (k < Math.max(0, n - (N - K)) || k > Math.min(n, K)) return 0;
  return Math.exp(logChoose(K, k) + logChoose(N - K, n - k) - logChoose(N, n));
}

export interface FisherResult {
  test: 'fisher-exact';
  table: [[number, number], [number, number]];
  /** Sample odds ratio ad/(bc) (may be 0, ∞ or NaN for 0/0). */
  oddsRatio: number;
  pValue: number;
  alternative: Alternative;
}

export function fisherExact2x2(a: number, b: number, c: number, d: number, alternative: Alternative = 'two-sided'): FisherResult {
  const fn = 'fisherExact2x2';
  assertAlternative(fn, alternative);
  for (const [v, what] of [[a, 'a'], [b, 'b'], [c, 'c'], [d, 'd']] as const) assertNonNegativeInteger(fn, v, what);
  const N = a + b + c + d;
  if (N < 1) throw new Error(`${fn}: the table is empty (a + b + c + d must be at least 1)`);
  const K = a + c;
  const n = a + b;
  const lo = Math.max(0, n - (N - K));
  const hi = Math.min(n, K);
  // Normalise by the sum over the support rather than trusting C(N, n): the log-factorial
  // rounding then cancels, and a tail covering the whole support is exactly 1.
  const probs: number[] = [];
  for (let k = lo; k <= hi; k++) probs.push(hypergeometricPmf(k, N, K, n));
  const total = probs.reduce((s, v) => s + v, 0);
  let p = 0;
  if (alternative === 'greater') for (let k = a; k <= hi; k++) p += probs[k - lo];
  else if (alternative === 'less') for (let k = lo; k <= a; k++) p += probs[k - lo];
  else {
    const pObs = probs[a - lo] * (1 + 1e-7);
    for (const pk of probs) if (pk <= pObs) p += pk;
  }
  p /= total;
  return { test: 'fisher-exact', table: [[a, b], [c, d]], oddsRatio: (a * d) / (b * c), pValue: clampP(p), alternative };
}

/**
 * Convenience: arm 1 had s1 successes out of n1, arm 2 had s2 out of n2.
 * 'greater' = arm 1 succeeds more often than arm 2.
 */
export function fisherFromCounts(s1: number, n1: number, s2: number, n2: number, alternative: Alternative = 'two-sided'): FisherResult {
  const fn = 'fisherFromCounts';
  for (const [v, what] of [[s1, 's1'], [n1, 'n1'], [s2, 's2'], [n2, 'n2']] as const) assertNonNegativeInteger(fn, v, what);
  if (s1 > n1 || s2 > n2) throw new Error(`${fn}: successes cannot exceed trials (got ${s1}/${n1} and ${s2}/${n2})`);
  return fisherExact2x2(s1, n1 - s1, s2, n2 - s2, alternative);
}
