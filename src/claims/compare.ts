import type { RunResult } from '../runs/execute.ts';
import { holm } from '../stats/holm.ts';
import { pairedTTest, pairedWilcoxon } from '../stats/paired.ts';
import type { RatioEffect } from '../stats/hodges-lehmann.ts';
import { ratioEffect, tauBounded } from './effects.ts';

/**
 * "The grokking ticket beats each control" (claims 2 and 3), decided per control by a one-sided
 * paired t-test on log τ over seeds, Holm-corrected across controls.
 *
 * Why a t-test on log τ and not Wilcoxon: with 5 seeds the smallest one-sided Wilcoxon p is
 * 1/32 = 0.031, so no Holm-corrected family of 2 or 4 comparisons could ever pass; the log-ratio
 * t-test has the power to decide. Censoring: a control that never generalised within its horizon H
 * has τ > H / t_mem, and we use that lower bound, which understates the control's τ and so makes
 * the test conservative. A ticket that never generalised fails the claim outright (no bound is
 * conservative in its favour). Wilcoxon p-values are reported alongside.
 *
 * A control that never memorised has no t_mem, so no τ and no bound on it (horizon / horizon = 1
 * would be a number the run never measured, counting for or against the ticket by chance): such
 * pairs are left out of the τ test and named in `neverMemorised`; an arm with no pair left is not
 * shown slower (p = 1).
 *
 * The effect reported is τ_control / τ_ticket over every seed (effects.ts): the Hodges–Lehmann
 * ratio with its exact interval, censored τ at their bound with the side they can move open, and
 * a control that never memorised kept as a pair open on both sides (its τ has no bound).
 */
export interface ControlArm {
  name: string;
  runs: RunResult[];
}

export interface ControlComparison {
  name: string;
  tau: (number | null)[];
  /** τ with censored values replaced by their lower bound. */
  tauBound: number[];
  censored: number;
  /** Seeds whose control never reached 95 % train accuracy: τ undefined, not in the test. */
  neverMemorised: number[];
  meanLogRatio: number;
  pT: number;
  pHolm: number;
  pWilcoxon: number;
  /** τ_control / τ_ticket over all seeds: Hodges–Lehmann ratio and its exact interval. */
  effect: RatioEffect;
}

/** τ, or for a run that memorised but never generalised the bound horizon / t_mem; null without t_mem. */
export function tauLowerBound(r: RunResult): number | null {
  const m = r.milestones;
  if (m.tauGrok !== null) return m.tauGrok;
  return m.tMem === null ? null : m.horizon / Math.max(1, m.tMem);
}

export function ticketBeatsControls(ticket: RunResult[], controls: ControlArm[], alpha = 0.05) {
  const tauTicket = ticket.map((r) => r.milestones.tauGrok);
  const ticketCensored = tauTicket.filter((t) => t === null).length;
  const rows = controls.map((c) => {
    const used = c.runs.map((_, i) => i).filter((i) => c.runs[i].milestones.tMem !== null);
    const neverMemorised = c.runs.filter((r) => r.milestones.tMem === null).map((r) => r.config.data.seed);
    const tau = used.map((i) => c.runs[i].milestones.tauGrok);
    const tauBound = used.map((i) => tauLowerBound(c.runs[i])!);
    const ticketUsed = used.map((i) => tauTicket[i]);
    const logRatios = tauBound.map((t, j) => Math.log(t / (ticketUsed[j] ?? Infinity)));
    let pT: number;
    try {
      pT = pairedTTest(tauBound, ticketUsed.map((t) => t ?? Infinity), { alternative: 'greater', scale: 'log-ratio' }).pValue;
    } catch {
      // all log-ratios equal (e.g. every pair censored the same way), or a single pair: the t
      // statistic is undefined; fall back on the signed-rank test, which needs no variance
      pT = Number.NaN;
    }
    const pWilcoxon = used.length ? pairedWilcoxon(tau, ticketUsed, { alternative: 'greater', censored: 'higher' }).pValue : 1;
    const meanLogRatio = used.length ? logRatios.reduce((a, b) => a + b, 0) / logRatios.length : Number.NaN;
    const effect = ratioEffect(c.runs, ticket, tauBounded);
    return { name: c.name, tau, tauBound, censored: tau.filter((t) => t === null).length, neverMemorised, meanLogRatio, pT: Number.isNaN(pT) ? pWilcoxon : pT, pWilcoxon, effect };
  });
  const adjusted = holm(rows.map((r) => r.pT));
  const comparisons: ControlComparison[] = rows.map((r, i) => ({ ...r, pHolm: adjusted[i] }));
  const passed = ticketCensored === 0 && comparisons.every((c) => c.pHolm <= alpha && c.meanLogRatio > 0);
  const fmt = (x: number) => (x < 1e-4 ? x.toExponential(1) : x.toPrecision(2));
  const reason = ticketCensored
    ? `${ticketCensored} ticket run(s) never reached 95 % test accuracy, so the ticket cannot be shown to generalise faster`
    : comparisons
        .map((c) => {
          const never = c.neverMemorised.length ? `; never memorised, so no τ and left out: seed${c.neverMemorised.length > 1 ? 's' : ''} ${c.neverMemorised.join(', ')}` : '';
          if (!c.tau.length) return `${c.name}: no run memorised, so no τ to compare (not shown slower)${never}`;
          return `${c.name}: τ ${(Math.exp(c.meanLogRatio)).toFixed(1)}× the ticket's (geometric mean${c.censored ? `, ${c.censored} censored at their bound` : ''}), Holm p = ${fmt(c.pHolm)}${never}`;
        })
        .join('; ') + ` (need every Holm p ≤ ${alpha})`;
  return { passed, reason, comparisons, tauTicket };
}
