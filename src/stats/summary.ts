/**
 * Descriptive statistics over seeds, and a deterministic bootstrap CI.
 *
 * Censored milestones enter as ±Infinity (see pairedRatios in censored.ts), so order statistics
 * must survive infinities: we sort with a comparator that does not compute Infinity − Infinity
 * (= NaN), and interpolate without computing Infinity − Infinity. NaN is rejected: it would sort
 * arbitrarily.
 */
import seedrandom from 'seedrandom';

function checked(fn: string, xs: ArrayLike<number>): number[] {
  if (xs.length < 1) throw new Error(`${fn}: needs at least 1 value (got 0)`);
  const out = Array.from(xs);
  out.forEach((v, i) => {
    if (typeof v !== 'number' || Number.isNaN(v)) throw new Error(`${fn}: xs[${i}] must be a number, not ${String(v)}`);
  });
  return out;
}

const ascending = (a: number, b: number): number => (a < b ? -1 : a > b ? 1 : 0);

/** Linear interpolation between a and b that is exact at h = 0 and h = 1 and safe for ±∞. */
function lerp(a: number, b: number, h: number): number {
  if (h === 0 || a === b) return a;
  if (h === 1) return b;
  return a + (b - a) * h;
}

/**
 * Quantile q ∈ [0, 1] by linear interpolation between order statistics (Hyndman–Fan type 7, the
 * default of R and NumPy): position h = (n − 1)·q in the sorted sample.
 */
export function quantile(xs: ArrayLike<number>, q: number): number {
  const s = checked('quantile', xs).sort(ascending);
  if (!(q >= 0 && q <= 1)) throw new Error(`quantile: q must be in [0, 1] (got ${q})`);
  const h = (s.length - 1) * q;
  const lo = Math.floor(h);
  return lerp(s[lo], s[Math.min(lo + 1, s.length - 1)], h - lo);
}

export function median(xs: ArrayLike<number>): number {
  return quantile(xs, 0.5);
}

export function mean(xs: ArrayLike<number>): number {
  const s = checked('mean', xs);
  return s.reduce((a, b) => a + b, 0) / s.length;
}

/** Sample standard deviation (divides by n − 1), so needs n ≥ 2. */
export function std(xs: ArrayLike<number>): number {
  const s = checked('std', xs);
  if (s.length < 2) throw new Error(`std: the sample standard deviation needs at least 2 values (got ${s.length})`);
  const m = mean(s);
  return Math.sqrt(s.reduce((a, v) => a + (v - m) ** 2, 0) / (s.length - 1));
}

export interface BootstrapCI {
  /** stat of the original sample. */
  estimate: number;
  lo: number;
  hi: number;
  level: number;
  B: number;
  seed: string;
}

/**
 * Percentile bootstrap CI of stat(xs): B resamples with replacement drawn with seedrandom(seed),
 * so the same inputs always give the same interval; the CI is the (1 ± level)/2 quantiles of the
 * B replicates. Replicates may be ±∞ (e.g. a median over censored ratios); NaN ones throw.
 * With the few seeds we run, treat it as descriptive: percentile CIs under-cover at small n.
 */
export function bootstrapCI(
  xs: ArrayLike<number>,
  stat: (sample: number[]) => number,
  opts: { B?: number; seed?: string | number; level?: number } = {},
): BootstrapCI {
  const data = checked('bootstrapCI', xs);
  const B = opts.B ?? 2000;
  const level = opts.level ?? 0.95;
  const seed = String(opts.seed ?? 0);
  if (!Number.isInteger(B) || B < 1) throw new Error(`bootstrapCI: B must be a positive integer (got ${B})`);
  if (!(level > 0 && level < 1)) throw new Error(`bootstrapCI: level must be in (0, 1) (got ${level})`);
  const rng = seedrandom(seed);
  const n = data.length;
  const reps = new Array<number>(B);
  const sample = new Array<number>(n);
  for (let b = 0; b < B; b++) {
    for (let i = 0; i < n; i++) sample[i] = data[Math.floor(rng() * n)];
    const v = stat(sample.slice());
    if (typeof v !== 'number' || Number.isNaN(v)) throw new Error(`bootstrapCI: stat returned ${String(v)} on resample ${b}`);
    reps[b] = v;
  }
  const alpha = (1 - level) / 2;
  return { estimate: stat(data.slice()), lo: quantile(reps, alpha), hi: quantile(reps, 1 - alpha), level, B, seed };
}

/** A measurement that may be censored: only known to lie above `value` (null: above, bound unknown). */
export interface Censorable { value: number | null; censored: boolean }

/** A median over values some of which are censored; `value` is a lower bound when `censored`. */
export interface CensoredMedian {
  /** The median, or for a censored one the lower bound a figure draws it at (null: none known). */
  value: number | null;
  censored: boolean;
}

/**
 * The median (type 7, as `median`) with censored values ranking worst: above every observed
 * value, as `median(xs.map((x) => x ?? Infinity))` in the claims' tables ranks them. It is
 * censored when an order statistic it interpolates is censored (that median is Infinity there).
 *
 * Its drawn value is then a lower bound: each censored value stands at its own bound, raised to
 * the largest observed value (it ranks above every one) and interpolated as the median itself.
 * A censored value with no bound stands at the largest observed value. NaN, or an observed null,
 * is an error: a missing measurement is left out by the caller, never passed as a value.
 */
export function censoredMedian(xs: readonly Censorable[]): CensoredMedian {
  if (xs.length < 1) throw new Error('censoredMedian: needs at least 1 value (got 0)');
  const observed: number[] = [];
  const bounds: (number | null)[] = [];
  xs.forEach((x, i) => {
    const v = x.value;
    if (v !== null && (typeof v !== 'number' || Number.isNaN(v))) throw new Error(`censoredMedian: xs[${i}].value must be a number or null, not ${String(v)}`);
    if (x.censored) bounds.push(v);
    else if (v === null) throw new Error(`censoredMedian: xs[${i}] is observed but has no value`);
    else observed.push(v);
  });
  observed.sort(ascending);
  const top = observed.length ? observed[observed.length - 1] : null;
  const raised = bounds
    .map((b) => (b === null ? top : top === null ? b : Math.max(b, top)))
    .sort((a, b) => (a === null ? (b === null ? 0 : -1) : b === null ? 1 : ascending(a, b)));
  // observed first, then the censored (a censored value without any bound sorts first among them)
  const ordered: (number | null)[] = [...observed, ...raised];
  const h = (ordered.length - 1) / 2;
  const lo = Math.floor(h);
  const hi = h > lo ? lo + 1 : lo;
  const censored = hi >= observed.length;
  const a = ordered[lo];
  const b = ordered[hi];
  const value = a === null || b === null ? null : lerp(a, b, h - lo);
  return { value, censored };
}
