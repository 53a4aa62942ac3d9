import type { RunResult } from '../runs/execute.ts';
import type { EffectReading, Statistic } from '../report/types.ts';
import { pairedRatioEffect, type Bounded, type RatioEffect } from '../stats/hodges-lehmann.ts';

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
