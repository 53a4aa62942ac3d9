/**
 * Statistical tests used by the claims, as thin wrappers around @stdlib that (1) check inputs
 * and name the caller in errors, (2) fix the few places where @stdlib is wrong or inadequate for
 * a handful of seeds, and (3) return plain, JSON-friendly objects.
 *
 * Direction convention, everywhere: differences are x − y, and alternative 'less' means
 * "x tends to be smaller than y" ('greater': larger). For τ_grok (lower is better),
 * "the ticket groks sooner than the dense net" is pairedWilcoxon(tauTicket, tauDense,
 * { alternative: 'less', censored: 'higher' }).
 */
import wilcoxon from '@stdlib/stats-wilcoxon';
import ttest from '@stdlib/stats-ttest';
import binomTest from '@stdlib/stats-binomial-test';
import pcorrtest from '@stdlib/stats-pcorrtest';
import { censoredPairToWorst, type Censorable, type Worse } from './censored.ts';
import { exactSignRankP, midranks } from './signrank.ts';
import {
  assertAlternative,
  assertFinite,
  assertMinLength,
  assertNonNegativeInteger,
  assertSameLength,
  clampP,
  type Alternative,
} from './validate.ts';

export type { Alternative } from './validate.ts';
export { fisherExact2x2, fisherFromCounts, type FisherResult } from './fisher.ts';

/** @stdlib's own threshold: above it, it uses the normal approximation. */
const EXACT_MAX_N = 50;

export interface WilcoxonOptions {
  alternative: Alternative;
  /** Which direction is worse for a censored (`null`) value; required if any value is null. */
  censored?: Worse;
}

export interface WilcoxonResult {
  test: 'wilcoxon-signed-rank';
  /** Number of pairs given. */
  n: number;
  /** Pairs with a non-zero difference, the ones the test uses (zeros are ties: dropped). */
  nUsed: number;
  nZero: number;
  /** Whether some non-zero |differences| tie (midranks are then used). */
  ties: boolean;
  /** T+ = sum of the (mid)ranks of |x − y| over the pairs with x > y. */
  statistic: number;
  pValue: number;
  alternative: Alternative;
  /** x − y per pair, after replacing censored values (zeros included). */
  differences: number[];
  /** 'exact': @stdlib's exact table; 'exact-conditional': our exact permutation distribution
   * given the tied ranks; 'normal-approx': @stdlib's normal approximation (n > 50). */
  method: 'exact' | 'exact-conditional' | 'normal-approx';
  note: string;
  /** The stand-in value used for censored entries, when there were any. */
  censoredFill?: number;
  censored?: { x: number; y: number; both: number };
}

/**
 * Wilcoxon signed-rank test on pairs (x_i, y_i), e.g. the same seed under two conditions.
 *
 * What @stdlib/stats-wilcoxon does (v0.2.3, read from its lib/main.js):
 *  - zeros: zeroMethod 'wilcox' by default, i.e. pairs with x = y are dropped before ranking;
 *  - exact p from the signed-rank distribution only when n ≤ 50 AND there is no zero difference
 *    AND no tied |difference|; otherwise (any n) a normal approximation with continuity
 *    correction and tie-corrected variance;
 *  - its exact two-sided p can exceed 1 (2·P(T ≤ t) at the centre: 1.25 for n = 3);
 *  - it throws for fewer than 2 pairs (counted before zeros are dropped).
 * We use @stdlib where it is exact (no ties/zeros, 2 ≤ n ≤ 50) and for n > 50; for ties/zeros
 * with n ≤ 50, or a single non-zero pair, we compute the exact conditional distribution
 * (signrank.ts), because the approximation is anti-conservative at seed-sized n. All pairs tied
 * gives p = 1 (no evidence), not an error.
 */
export function pairedWilcoxon(x: ReadonlyArray<Censorable>, y: ReadonlyArray<Censorable>, opts: WilcoxonOptions): WilcoxonResult {
  const fn = 'pairedWilcoxon';
  assertAlternative(fn, opts.alternative);
  assertSameLength(fn, x, y);
  assertMinLength(fn, x, 1, 'x and y');
  let xs: number[];
  let ys: number[];
  let censoring: Pick<WilcoxonResult, 'censoredFill' | 'censored'> = {};
  if (opts.censored !== undefined) {
    const pair = censoredPairToWorst(x, y, { worse: opts.censored });
    xs = pair.x;
    ys = pair.y;
    if (pair.censored.x + pair.censored.y + pair.censored.both > 0) {
      censoring = { censoredFill: pair.fill, censored: pair.censored };
    }
  } else {
    assertFinite(fn, x, 'x');
    assertFinite(fn, y, 'y');
    xs = x as number[]; // checked just above: no nulls
    ys = y as number[];
  }
  const alternative = opts.alternative;
  const differences = xs.map((v, i) => v - ys[i]);
  const nonZero = differences.filter((d) => d !== 0);
  const nUsed = nonZero.length;
  const nZero = differences.length - nUsed;
  const ties = new Set(midranks(nonZero.map(Math.abs))).size < nUsed;
  const base = { test: 'wilcoxon-signed-rank' as const, n: xs.length, nUsed, nZero, ties, alternative, differences, ...censoring };
  const zeroNote = nZero > 0 ? `${nZero} zero difference(s) dropped as ties; ` : '';

  if (nUsed > EXACT_MAX_N) {
    const r = wilcoxon(xs, ys, { alternative });
    return {
      ...base,
      statistic: r.statistic,
      pValue: clampP(r.pValue),
      method: 'normal-approx',
      note: `${zeroNote}normal approximation with continuity and tie correction (@stdlib, n = ${nUsed} > ${EXACT_MAX_N})`,
    };
  }
  if (nZero === 0 && !ties && nUsed >= 2) {
    const r = wilcoxon(xs, ys, { alternative });
    return {
      ...base,
      statistic: r.statistic,
      pValue: clampP(r.pValue),
      method: 'exact',
      note: `exact signed-rank distribution (@stdlib), n = ${nUsed}`,
    };
  }
  const r = exactSignRankP(differences, alternative);
  return {
    ...base,
    statistic: r.statistic,
    pValue: r.pValue,
    method: 'exact-conditional',
    note:
      nUsed === 0
        ? 'all pairs tied (zero difference): no evidence either way, p = 1'
        : `${zeroNote}${ties ? 'tied |differences| given midranks; ' : ''}exact permutation distribution of T+ over the 2^${nUsed} sign patterns`,
  };
}

export interface TTestResult {
  test: 'paired-t';
  /** 'difference': t-test of x − y; 'log-ratio': t-test of ln x − ln y (ratios, e.g. of τ). */
  scale: 'difference' | 'log-ratio';
  n: number;
  df: number;
  statistic: number;
  pValue: number;
  alternative: Alternative;
  /** Mean of the tested differences, and its 95 % CI (one-sided CIs have an infinite end). */
  estimate: number;
  ci: [number, number];
  /** For 'log-ratio': the geometric-mean ratio exp(estimate) and its CI. */
  ratio?: { estimate: number; ci: [number, number] };
}

/**
 * Paired t-test on x − y or on ln(x/y). No censored values: the t-test uses magnitudes, so any
 * stand-in would decide the result — use pairedWilcoxon for censored data. Throws if all
 * differences are equal (zero variance: @stdlib would return t = ±∞ or NaN).
 */
export function pairedTTest(
  x: ReadonlyArray<number>,
  y: ReadonlyArray<number>,
  opts: { alternative: Alternative; scale?: 'difference' | 'log-ratio' },
): TTestResult {
  const fn = 'pairedTTest';
  const scale = opts.scale ?? 'difference';
  assertAlternative(fn, opts.alternative);
  assertSameLength(fn, x, y);
  assertMinLength(fn, x, 2, 'x and y');
  assertFinite(fn, x, 'x');
  assertFinite(fn, y, 'y');
  if (scale !== 'difference' && scale !== 'log-ratio') throw new Error(`${fn}: scale must be 'difference' or 'log-ratio' (got ${JSON.stringify(scale)})`);
  if (scale === 'log-ratio') {
    const bad = [...x, ...y].find((v) => v <= 0);
    if (bad !== undefined) throw new Error(`${fn}: log-ratio needs positive values (got ${bad})`);
  }
  const tx = scale === 'log-ratio' ? x.map(Math.log) : Array.from(x);
  const ty = scale === 'log-ratio' ? y.map(Math.log) : Array.from(y);
  const d = tx.map((v, i) => v - ty[i]);
  if (d.every((v) => v === d[0])) {
    throw new Error(`${fn}: all differences are equal (${d[0]}), the t statistic is undefined (zero variance); use pairedWilcoxon`);
  }
  const r = ttest(tx, ty, { alternative: opts.alternative });
  const ci: [number, number] = [r.ci[0], r.ci[1]];
  return {
    test: 'paired-t',
    scale,
    n: d.length,
    df: r.df,
    statistic: r.statistic,
    pValue: clampP(r.pValue),
    alternative: opts.alternative,
    estimate: r.mean,
    ci,
    ...(scale === 'log-ratio' ? { ratio: { estimate: Math.exp(r.mean), ci: [Math.exp(ci[0]), Math.exp(ci[1])] as [number, number] } } : {}),
  };
}

export interface BinomialResult {
  test: 'binomial-exact';
  successes: number;
  n: number;
  p0: number;
  /** successes / n, with its exact (Clopper–Pearson) 95 % CI. */
  estimate: number;
  ci: [number, number];
  pValue: number;
  alternative: Alternative;
}

/**
 * Exact binomial test of H0: P(success) = p0. 'greater' = success rate above p0.
 * Two-sided is R's rule (tables no more likely than the observed one, tolerance 1 + 1e-7).
 */
export function binomialTest(successes: number, n: number, p0 = 0.5, alternative: Alternative = 'two-sided'): BinomialResult {
  const fn = 'binomialTest';
  assertAlternative(fn, alternative);
  assertNonNegativeInteger(fn, successes, 'successes');
  assertNonNegativeInteger(fn, n, 'n');
  if (n < 1) throw new Error(`${fn}: n must be at least 1 (got ${n})`);
  if (successes > n) throw new Error(`${fn}: successes (${successes}) cannot exceed n (${n})`);
  if (!(p0 >= 0 && p0 <= 1)) throw new Error(`${fn}: p0 must be a probability in [0, 1] (got ${p0})`);
  const r = binomTest(successes, n, { p: p0, alternative });
  return {
    test: 'binomial-exact',
    successes,
    n,
    p0,
    estimate: successes / n,
    ci: [r.ci[0], r.ci[1]],
    pValue: clampP(r.pValue),
    alternative,
  };
}

export interface CorrelationResult {
  test: 'pearson';
  n: number;
  r: number;
  /** t = r·√(n−2)/√(1−r²), df = n − 2. */
  statistic: number;
  pValue: number;
  /** Fisher-z 95 % confidence bound(s) of r for the alternative: one-sided ([lo, 1] for 'greater'). */
  ci: [number, number];
  /** The two-sided Fisher-z 95 % interval of r, whatever the alternative: the effect's interval. */
  interval: { lo: number; hi: number; level: number; method: string };
  alternative: Alternative;
}

/** Pearson correlation with the t-test of H0: ρ = 0. 'greater' = positive correlation. Needs n ≥ 4. */
export function correlationTest(x: ReadonlyArray<number>, y: ReadonlyArray<number>, alternative: Alternative = 'two-sided'): CorrelationResult {
  const fn = 'correlationTest';
  assertAlternative(fn, alternative);
  assertSameLength(fn, x, y);
  assertMinLength(fn, x, 4, 'x and y'); // @stdlib's Fisher-z CI needs n − 3 > 0
  assertFinite(fn, x, 'x');
  assertFinite(fn, y, 'y');
  for (const [arr, what] of [[x, 'x'], [y, 'y']] as const) {
    if (arr.every((v) => v === arr[0])) throw new Error(`${fn}: ${what} is constant, the correlation is undefined`);
  }
  const r = pcorrtest(Array.from(x), Array.from(y), { alternative });
  // @stdlib bounds r on one side only for a one-sided alternative; the effect's interval is two-sided
  const two = alternative === 'two-sided' ? r : pcorrtest(Array.from(x), Array.from(y), { alternative: 'two-sided' });
  return {
    test: 'pearson',
    n: x.length,
    r: r.pcorr,
    statistic: r.statistic,
    pValue: clampP(r.pValue),
    ci: [r.ci[0], r.ci[1]],
    interval: { lo: two.ci[0], hi: two.ci[1], level: 0.95, method: `Fisher z-transform interval of Pearson r, two-sided, n = ${x.length}` },
    alternative,
  };
}
