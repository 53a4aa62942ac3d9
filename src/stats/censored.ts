/**
 * Censored milestones (`null` = "never reached within the horizon") for rank tests.
 *
 * A censored run is worse than every run that reached the milestone, so it must take the worst
 * rank — dropping it would throw away exactly the runs that fail, and bias every comparison in
 * favour of the arm that fails more often.
 *
 * Rank tests only see order, so we may replace `null` by a finite stand-in value. For the
 * Wilcoxon SIGNED-rank test, however, the order that matters is the order of |x_i − y_i|, not of
 * the values, so "any value larger than every observation" is NOT enough: a stand-in just above
 * the maximum can give |fill − y_i| smaller than some observed |x_j − y_j| and change the ranks
 * (test/stats/censored.test.ts shows such a case). The stand-in must lie beyond
 *     bound = max(observed) + (max(observed) − min(observed))      (worse = 'higher')
 * Past that bound every difference involving exactly one censored value is larger in magnitude
 * than every observed-minus-observed difference (which is at most the range), and those
 * differences are ordered among themselves by the observed partner alone. So every stand-in past
 * the bound yields the same ranks — those of "censored = +∞" — and the same p-value.
 *
 * Two censored values in one pair get the same stand-in, so they tie: a zero difference, which
 * the signed-rank test counts as "no evidence either way" (see paired.ts for how zeros are handled).
 */
export type Worse = 'higher' | 'lower';
export type Censorable = number | null;
type Arm = ReadonlyArray<Censorable>;

function observedRange(fn: string, arms: ReadonlyArray<Arm>): { lo: number; hi: number } | null {
  let lo = Infinity;
  let hi = -Infinity;
  arms.forEach((arm, a) => {
    for (let i = 0; i < arm.length; i++) {
      const v = arm[i];
      if (v === null) continue;
      if (typeof v !== 'number' || !Number.isFinite(v)) {
        throw new Error(`${fn}: arm ${a} value [${i}] must be a finite number or null (got ${String(v)})`);
      }
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  });
  return hi === -Infinity ? null : { lo, hi };
}

function assertWorse(fn: string, worse: string): void {
  if (worse !== 'higher' && worse !== 'lower') {
    throw new Error(`${fn}: worse must be 'higher' or 'lower' (got ${JSON.stringify(worse)})`);
  }
}

/**
 * The bound past which any stand-in gives the same signed ranks (see the module comment):
 * max + range for 'higher', min − range for 'lower'. `null` when nothing is observed.
 */
export function censoringBound(arms: ReadonlyArray<Arm>, worse: Worse): number | null {
  assertWorse('censoringBound', worse);
  const r = observedRange('censoringBound', arms);
  if (!r) return null;
  const range = r.hi - r.lo;
  return worse === 'higher' ? r.hi + range : r.lo - range;
}

/**
 * The stand-in for `null`, common to all arms: max + 2s ('higher') or min − 2s ('lower') with
 * s = max(range, |extreme|, 1). That is at least s past the bound, and the margin of at least
 * |extreme| keeps float rounding from merging |fill − a| and |fill − b| for distinct a, b.
 * (The tempting max·10 + 1 is fine for non-negative data but goes the wrong way for negative.)
 * With nothing observed any value works; we use 0.
 */
export function worstFill(arms: ReadonlyArray<Arm>, worse: Worse): number {
  assertWorse('worstFill', worse);
  const r = observedRange('worstFill', arms);
  if (!r) return 0;
  const range = r.hi - r.lo;
  if (worse === 'higher') return r.hi + 2 * Math.max(range, Math.abs(r.hi), 1);
  return r.lo - 2 * Math.max(range, Math.abs(r.lo), 1);
}

/**
 * Replace each `null` in `xs` by the stand-in computed over `xs` AND `others` (the other arms of
 * the comparison), so that it is worse than every observed value in every arm.
 */
export function censoredToWorst(xs: Arm, opts: { worse: Worse; others?: ReadonlyArray<Arm> }): number[] {
  const fill = worstFill([xs, ...(opts.others ?? [])], opts.worse);
  return xs.map((v) => (v === null ? fill : v));
}

export interface CensoredPair {
  x: number[];
  y: number[];
  /** The stand-in used for `null` in both arms. */
  fill: number;
  /** Pairs where only x, only y, or both were censored. */
  censored: { x: number; y: number; both: number };
}

/** Both arms of a paired comparison with one common stand-in (so censored-vs-censored ties). */
export function censoredPairToWorst(x: Arm, y: Arm, opts: { worse: Worse }): CensoredPair {
  if (x.length !== y.length) {
    throw new Error(`censoredPairToWorst: x and y must have the same length (got ${x.length} and ${y.length})`);
  }
  const fill = worstFill([x, y], opts.worse);
  const censored = { x: 0, y: 0, both: 0 };
  for (let i = 0; i < x.length; i++) {
    if (x[i] === null && y[i] === null) censored.both++;
    else if (x[i] === null) censored.x++;
    else if (y[i] === null) censored.y++;
  }
  return {
    x: x.map((v) => (v === null ? fill : v)),
    y: y.map((v) => (v === null ? fill : v)),
    fill,
    censored,
  };
}

/**
 * Per-pair ratios num_i / den_i of positive quantities (e.g. τ_ticket / τ_dense), with censored
 * values as the limit they stand for: with worse = 'higher' a censored value is +∞, so a censored
 * numerator gives +∞ and a censored denominator gives 0; with worse = 'lower' it is 0 and the
 * other way round. Both censored gives 1: the pair is a tie, as in the signed-rank test, and is
 * kept (medians of these ratios work with ±∞, see summary.ts).
 */
export function pairedRatios(num: Arm, den: Arm, opts: { worse: Worse } = { worse: 'higher' }): number[] {
  const fn = 'pairedRatios';
  assertWorse(fn, opts.worse);
  if (num.length !== den.length) {
    throw new Error(`${fn}: numerator and denominator must have the same length (got ${num.length} and ${den.length})`);
  }
  const check = (v: Censorable, what: string, i: number): void => {
    if (v !== null && !(typeof v === 'number' && Number.isFinite(v) && v > 0)) {
      throw new Error(`${fn}: ${what}[${i}] must be a positive finite number or null (got ${String(v)})`);
    }
  };
  const big = opts.worse === 'higher' ? Infinity : 0; // the ratio when only the numerator is censored
  return num.map((a, i) => {
    const b = den[i];
    check(a, 'numerator', i);
    check(b, 'denominator', i);
    if (a === null && b === null) return 1;
    if (a === null) return big;
    if (b === null) return big === Infinity ? 0 : Infinity;
    return a / b;
  });
}
