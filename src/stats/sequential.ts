/**
 * Sequential seeds: a claim looks at its test after n₁ < n₂ < … < n_K seeds and stops at the first
 * look where the test rejects, or at the last. Looking K times at a test of level α rejects a true
 * null more often than α, so each look gets its own nominal level α_k with Σ α_k = α. By the union
 * bound, P(reject at some look | H0) ≤ Σ_k P(p_k ≤ α_k | H0) ≤ Σ_k α_k = α, for any valid p-value
 * at each look and any dependence between looks (the same seeds enter every later look). That is
 * weaker than a group-sequential boundary computed from the joint law of the looks, but it needs
 * nothing from the test, so it holds for the exact signed-rank, t and binomial tests alike.
 *
 * How α is split (Lan–DeMets spending, information fraction t_k = n_k / n_K):
 *  - 'bonferroni': α_k = α / K, the same at every look;
 *  - 'pocock': α(t) = α·ln(1 + (e − 1)·t) and α_k = α(t_k) − α(t_{k−1}), which spends more early
 *    (at looks [6, 9, 12]: 0.031, 0.010, 0.0086), so a clear effect can stop at the first look.
 * Only efficacy stops: a look that does not reject asks for more seeds, so no futility rule can
 * inflate α.
 *
 * With the exact one-sided signed-rank test the smallest p on n pairs is 2⁻ⁿ (all signs one way):
 * a look at n seeds can reject only if 2⁻ⁿ ≤ α_k; `signRankMinP` lets a design say where it cannot.
 */

export const SPENDINGS = ['bonferroni', 'pocock'] as const;
export type Spending = (typeof SPENDINGS)[number];

export interface SequentialDesign {
  /** Seeds at each look, strictly increasing; the last is the most seeds the claim may use. */
  looks: number[];
  /** The error rate of the whole procedure. */
  alpha: number;
  spending: Spending;
}

/** A design as written in a claim file, checked; an error names the field, the value and what is allowed. */
export function checkDesign(raw: unknown, where: string): SequentialDesign {
  const d = raw as Partial<SequentialDesign> | null;
  if (d === null || typeof d !== 'object') throw new Error(`${where}: a sequential design is { looks: [n₁, n₂, …], alpha, spending } (got ${String(raw)})`);
  const { looks, alpha, spending } = d;
  if (!Array.isArray(looks) || looks.length === 0 || !looks.every((n) => Number.isInteger(n) && n >= 1)) {
    throw new Error(`${where}: looks must be a non-empty list of seed counts, each a positive integer (got ${JSON.stringify(looks)})`);
  }
  for (let k = 1; k < looks.length; k++) {
    if (looks[k] <= looks[k - 1]) throw new Error(`${where}: looks must be strictly increasing (got ${looks.join(', ')}: ${looks[k]} after ${looks[k - 1]})`);
  }
  if (typeof alpha !== 'number' || !(alpha > 0 && alpha < 1)) throw new Error(`${where}: alpha must be a number in (0, 1) (got ${String(alpha)})`);
  if (!(SPENDINGS as readonly unknown[]).includes(spending)) throw new Error(`${where}: spending must be one of ${SPENDINGS.join(', ')} (got ${JSON.stringify(spending)})`);
  const extra = Object.keys(d).filter((k) => !['looks', 'alpha', 'spending'].includes(k));
  if (extra.length) throw new Error(`${where}: unknown field${extra.length > 1 ? 's' : ''} ${extra.join(', ')} (allowed: looks, alpha, spending)`);
  return { looks: [...looks], alpha, spending: spending as Spending };
}

/** Pocock-type α spent by information fraction t ∈ [0, 1] (Lan & DeMets 1983). */
const pocockSpent = (alpha: number, t: number): number => alpha * Math.log(1 + (Math.E - 1) * t);

/** The nominal level of each look; they sum to the design's α. */
export function lookAlphas(design: SequentialDesign): number[] {
  const { looks, alpha, spending } = design;
  const last = looks[looks.length - 1];
  const cumulative = spending === 'bonferroni'
    ? looks.map((_, k) => (alpha * (k + 1)) / looks.length)
    : looks.map((n, k) => (k === looks.length - 1 ? alpha : pocockSpent(alpha, n / last)));
  return cumulative.map((c, k) => c - (k ? cumulative[k - 1] : 0));
}

/** The smallest p-value the exact one-sided signed-rank test can give on n pairs. */
export const signRankMinP = (n: number): number => 2 ** -n;

/** The looks (by seed count) at which a test whose smallest p on n seeds is minP(n) can never reject. */
export const deadLooks = (design: SequentialDesign, minP: (n: number) => number): number[] => {
  const a = lookAlphas(design);
  return design.looks.filter((n, k) => minP(n) > a[k]);
};

export interface Look {
  /** Seeds this look used. */
  n: number;
  /** Its nominal level. */
  alpha: number;
  /** The test's p-value there (null where the test gave none). */
  p: number | null;
  rejected: boolean;
}

export interface SequentialResult {
  design: SequentialDesign;
  looks: Look[];
  /** Whether some look rejected (the procedure stops at the first). */
  rejected: boolean;
  /** Seeds used: those of the last look taken. */
  seeds: number;
}

/**
 * Runs the design: look k asks `at(n_k, α_k)` whether the test rejects at level α_k, stopping at
 * the first rejection. `at` is asynchronous where a look trains runs (the claim runner) and may
 * be synchronous (a simulation); a synchronous `at` gives a synchronous result.
 */
export function runSequential(design: SequentialDesign, at: (n: number, alpha: number, look: number) => { rejected: boolean; p: number | null }): SequentialResult {
  const alphas = lookAlphas(design);
  const looks: Look[] = [];
  for (let k = 0; k < design.looks.length; k++) {
    const r = at(design.looks[k], alphas[k], k);
    looks.push({ n: design.looks[k], alpha: alphas[k], p: r.p, rejected: r.rejected });
    if (r.rejected) break;
  }
  return { design, looks, rejected: looks[looks.length - 1].rejected, seeds: looks[looks.length - 1].n };
}

/** The same, for looks that train (one look at a time, in order). */
export async function runSequentialAsync(design: SequentialDesign, at: (n: number, alpha: number, look: number) => Promise<{ rejected: boolean; p: number | null }>): Promise<SequentialResult> {
  const alphas = lookAlphas(design);
  const looks: Look[] = [];
  for (let k = 0; k < design.looks.length; k++) {
    const r = await at(design.looks[k], alphas[k], k);
    looks.push({ n: design.looks[k], alpha: alphas[k], p: r.p, rejected: r.rejected });
    if (r.rejected) break;
  }
  return { design, looks, rejected: looks[looks.length - 1].rejected, seeds: looks[looks.length - 1].n };
}

const fmtP = (x: number) => (x < 1e-4 ? x.toExponential(1) : x.toPrecision(2));

/** "looks at 6, 9, 12 seeds, α = 0.05 split by Pocock-type spending (α_k 0.031, 0.010, 0.0086)". */
export function describeDesign(design: SequentialDesign): string {
  const how = design.spending === 'pocock' ? 'Pocock-type α spending' : 'Bonferroni (equal shares)';
  return `looks at ${design.looks.join(', ')} seeds, α = ${design.alpha} split by ${how} (α_k ${lookAlphas(design).map(fmtP).join(', ')}), efficacy stops only; the union bound keeps the whole procedure's error rate ≤ α`;
}

/** "6 seeds: p = 0.016 ≤ α_1 0.031, stop". */
export function describeLooks(result: SequentialResult): string {
  return result.looks
    .map((l, k) => `${l.n} seeds: ${l.p === null ? 'no p-value' : `p = ${fmtP(l.p)}`} ${l.rejected ? '≤' : l.p !== null && l.p <= l.alpha ? '≤' : '>'} α_${k + 1} ${fmtP(l.alpha)}, ${l.rejected ? 'stop (holds)' : k === result.looks.length - 1 ? 'last look (does not hold)' : 'more seeds'}`)
    .join('; ');
}
