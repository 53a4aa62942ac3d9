import { holm } from '../stats/holm.ts';
import { pairedTTest, pairedWilcoxon } from '../stats/paired.ts';

/**
 * Claims that assert several things at once (a U-shape, its minimum, its arms) decide each as its
 * own statement; the claim holds only if all do. A statement is 'holds', 'fails', or 'undecided'
 * (the data at this scale cannot tell, e.g. "never generalises" seen over a horizon shorter than
 * the paper's), and an undecided statement never lets a claim pass.
 */
export type StatementState = 'holds' | 'fails' | 'undecided';

export interface Statement {
  /** A stable kebab-case identifier: what an expected failure names, and the key in the stored outcome. */
  id: string;
  name: string;
  state: StatementState;
  /** The number the report shows for it (a p-value, a count, a location). */
  value: number | null;
  pValue?: number;
  /** The numbers behind the state, in words. */
  detail: string;
}

/** The claim's statistics lines: one per statement, its state first, linked to it by id (so a failed verdict shows its own). */
export const statementStatistics = (statements: Statement[]) =>
  statements.map((s) => ({ name: `${s.name} — ${s.state}`, value: s.value, ...(s.pValue !== undefined ? { pValue: s.pValue } : {}), detail: s.detail, role: 'test' as const, statement: s.id }));

export const allHold = (statements: Statement[]): boolean => statements.length > 0 && statements.every((s) => s.state === 'holds');

export const statementReason = (statements: Statement[]): string => statements.map((s) => `${s.name}: ${s.state.toUpperCase()} (${s.detail})`).join('; ');

export interface LogRatioComparison {
  name: string;
  /** Per seed; null = censored, known only to exceed `bound`. */
  smaller: (number | null)[];
  larger: (number | null)[];
  /** Lower bounds of censored values (used where a bound can only work against the statement). */
  smallerBound?: number[];
  largerBound?: number[];
}

export interface LogRatioResult {
  name: string;
  /** Geometric mean of larger / smaller over seeds. */
  ratio: number;
  pRaw: number;
  pHolm: number;
  /** Why the comparison cannot hold whatever the p-value (a censored value in the smaller arm). */
  blocked: string | null;
}

/**
 * "smaller < larger" per seed, each comparison a one-sided paired t-test on ln(larger / smaller)
 * (as src/claims/compare.ts: with 5 seeds the smallest one-sided Wilcoxon p is 1/32, so no
 * Holm-corrected family could pass), Holm-corrected over the family. Censoring never helps the
 * statement: a censored `larger` counts at its lower bound (understating it), and a censored
 * `smaller` blocks the comparison (no stand-in is conservative in its favour).
 */
export function smallerOnLogScale(family: LogRatioComparison[]): LogRatioResult[] {
  const rows = family.map((c) => {
    const censoredSmaller = c.smaller.map((v, i) => (v === null ? i : -1)).filter((i) => i >= 0);
    const larger = c.larger.map((v, i) => v ?? c.largerBound?.[i] ?? Number.NaN);
    const smaller = c.smaller.map((v, i) => v ?? c.smallerBound?.[i] ?? Number.NaN);
    if (censoredSmaller.length || larger.some((v) => !(v > 0)) || smaller.some((v) => !(v > 0))) {
      return { name: c.name, ratio: Number.NaN, pRaw: 1, blocked: censoredSmaller.length ? `${censoredSmaller.length} censored value(s) in the arm that must be smaller` : 'a value without a positive bound' };
    }
    const logs = larger.map((v, i) => Math.log(v / smaller[i]));
    const ratio = Math.exp(logs.reduce((a, b) => a + b, 0) / logs.length);
    let pRaw: number;
    try {
      pRaw = pairedTTest(larger, smaller, { alternative: 'greater', scale: 'log-ratio' }).pValue;
    } catch {
      // equal log-ratios on every seed: the t statistic is undefined; the signed-rank test needs no variance
      pRaw = pairedWilcoxon(larger, smaller, { alternative: 'greater' }).pValue;
    }
    return { name: c.name, ratio, pRaw, blocked: null };
  });
  const adjusted = holm(rows.map((r) => r.pRaw));
  return rows.map((r, i) => ({ ...r, pHolm: adjusted[i] }));
}

/**
 * A family of comparisons as one statement. A comparison that fails decides it; a blocked one (a
 * censored value where a bound would help the statement) is undecided over a horizon shorter than
 * the paper's, and a failure over the full horizon (a ticket that never generalised within it).
 */
export function familyState(results: LogRatioResult[], alpha: number, fullHorizon: boolean): StatementState {
  if (!results.length) return 'undecided';
  if (results.some((r) => !r.blocked && !(r.pHolm <= alpha && r.ratio > 1))) return 'fails';
  if (results.some((r) => r.blocked)) return fullHorizon ? 'fails' : 'undecided';
  return 'holds';
}
