import type { RunResult } from '../runs/execute.ts';
import type { EffectReading, Statistic, StatisticInterval } from '../report/types.ts';
import { hodgesLehmann, pairedRatioEffect, pairedShift, type Bounded, type RatioEffect } from '../stats/hodges-lehmann.ts';

/**
 * The claims' effect sizes: a paired ratio of milestones over seeds (τ or t_gen of one arm over
 * another's), as the Hodges–Lehmann estimate of the median log-ratio with its exact signed-rank
 * interval (src/stats/hodges-lehmann.ts), back-transformed. A milestone never reached is kept at
 * its censoring bound, open on the side it can move, never dropped; a τ whose run never memorised
 * has no bound, and its pair is open on both sides.
 */

/** τ_grok, or censored above horizon / t_mem (no bound when the run never memorised). */
export function tauBounded(r: RunResult): Bounded {
  const m = r.milestones;
  if (m.tauGrok !== null) return { value: m.tauGrok };
  return { censored: true, bound: m.tMem === null ? null : m.horizon / Math.max(1, m.tMem) };
}

/** t_gen, or censored above the horizon. t_gen 0 (generalised before training) has no ratio: no bound then. */
export function tGenBounded(r: RunResult): Bounded {
  const m = r.milestones;
  if (m.tGen !== null && m.tGen > 0) return { value: m.tGen };
  return m.tGen === null ? { censored: true, bound: m.horizon > 0 ? m.horizon : null } : { censored: true, bound: null };
}

/** How τ_other / τ_this reads: above 1, this arm's τ is shorter. */
export const tauShorter = (quantity = 'τ'): EffectReading => ({ kind: 'ratio', quantity, above: 'shorter', below: 'longer' });
/** How t_gen,this / t_gen,other reads: above 1, this arm generalises later. */
export const tGenLonger = (quantity = 't_gen'): EffectReading => ({ kind: 'ratio', quantity, above: 'longer', below: 'shorter' });

/** num / den per seed as an effect: the ratio estimate and its interval. */
export const ratioEffect = (num: RunResult[], den: RunResult[], of: (r: RunResult) => Bounded): RatioEffect =>
  pairedRatioEffect(num.map(of), den.map(of));

/**
 * A report statistic for a ratio effect: its value is the estimate, its interval the exact one
 * (absent with a single seed), and the detail says how many pairs are censored.
 */
export function ratioStatistic(name: string, e: RatioEffect, reads: EffectReading, extra: Partial<Statistic> = {}): Statistic {
  const censored = e.censored ? `${e.censored} of ${e.n} pairs censored (kept at their bound)` : '';
  return {
    name,
    value: e.estimate,
    role: 'effect',
    reads,
    ...(e.interval ? { interval: e.interval } : {}),
    ...extra,
    ...(censored || extra.detail ? { detail: [extra.detail, censored].filter(Boolean).join('; ') } : {}),
  };
}

/**
 * The interval over seeds of an effect shown as the mean of per-seed values (`x`), or of paired
 * per-seed differences x − y: the exact signed-rank interval of their Hodges–Lehmann estimate. The
 * value shown stays the mean the claim's test decides on, so the method names the estimate the
 * interval belongs to. None with one seed, or where a value is not finite (a run without the
 * measurement): the statistic is then shown without one rather than the claim failing.
 */
export function seedInterval(x: readonly number[], y?: readonly number[]): { interval?: StatisticInterval } {
  const all = y ? [...x, ...y] : x;
  if (x.length < 2 || all.some((v) => !Number.isFinite(v))) return {};
  const r = y ? pairedShift(x, y) : hodgesLehmann(x);
  if (!r.interval || r.interval.lo === null || r.interval.hi === null) return {};
  const { lo, hi, level, method } = r.interval;
  return { interval: { lo, hi, level, method: `${method}, over ${r.n} seeds (Hodges–Lehmann estimate ${r.estimate.toPrecision(3)}; the value shown is the mean)` } };
}
