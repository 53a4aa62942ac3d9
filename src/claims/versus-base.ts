import type { RunResult } from '../runs/execute.ts';
import { holm } from '../stats/holm.ts';
import { pairedTTest, pairedWilcoxon } from '../stats/paired.ts';
import type { ControlArm } from './compare.ts';
import type { RatioEffect } from '../stats/hodges-lehmann.ts';
import { ratioEffect, tGenBounded } from './effects.ts';

/**
 * Controls against the base (dense) model on t_gen, the epoch test accuracy first exceeds 95 %:
 * "the controls do not generalise faster than the base model" (norm-matched dense models, §4.1)
 * and "all PaI methods perform worse than the base model" (§4.2).
 *
 * t_gen, not τ: the paper compares test-accuracy curves over epochs (Fig. 5), and the controls
 * memorise at other epochs than the base (PaI masks about twice as late), so τ would mix the two.
 * A control still below 95 % at its horizon H has t_gen > H, and H stands in for it: that
 * understates how slow it is, so it can only count against "slower" and "not faster". The
 * controls train for the base's own horizon, which is past every base t_gen. A control that never
 * memorised never generalised either: its t_gen is censored like any other (it really did not
 * reach 95 % by H), and it is named separately. A base run that never generalised has no t_gen to
 * compare with: the comparison then fails, naming the seeds.
 *
 * Per control, a one-sided paired t-test on ln(t_gen,control / t_gen,base) over seeds, Holm-
 * corrected across controls (as the ticket comparisons, compare.ts): 'slower' tests the ratio
 * > 1; 'not-faster' is a non-inferiority test of the ratio > `margin`. Where all log-ratios are
 * equal the t statistic is undefined and the exact signed-rank test decides.
 */
export interface BaseComparison {
  name: string;
  /** t_gen per seed; null = not reached within the horizon. */
  tGen: (number | null)[];
  /** t_gen, or the horizon a censored one exceeds. */
  tGenBound: number[];
  censored: number;
  /** Seeds whose control never reached 95 % train accuracy (counted censored, named here). */
  neverMemorised: number[];
  /** exp(mean ln(t_gen,control / t_gen,base)): a lower bound when some are censored. */
  ratio: number;
  p: number;
  pHolm: number;
  test: 't' | 'signed-rank';
  /** t_gen,control / t_gen,base over seeds: Hodges–Lehmann ratio and its exact interval (censored at the horizon, open above). */
  effect: RatioEffect;
}

export interface BaseOptions {
  /** 'slower': the control's t_gen exceeds the base's; 'not-faster': it exceeds `margin` × the base's. */
  direction: 'slower' | 'not-faster';
  margin?: number;
  alpha?: number;
}

const tGenBound = (r: RunResult): number => r.milestones.tGen ?? r.milestones.horizon;

export function versusBase(dense: RunResult[], controls: ControlArm[], opts: BaseOptions) {
  const alpha = opts.alpha ?? 0.05;
  const margin = opts.direction === 'slower' ? 1 : (opts.margin ?? 1);
  if (!(margin > 0 && margin <= 1)) throw new Error(`versusBase: margin must be in (0, 1] (got ${margin})`);
  const tGenBase = dense.map((r) => r.milestones.tGen);
  const baseCensored = dense.filter((r) => r.milestones.tGen === null).map((r) => r.config.data.seed);
  const rows = controls.map((c) => {
    if (c.runs.length !== dense.length) throw new Error(`versusBase: ${c.name} has ${c.runs.length} runs for ${dense.length} base runs`);
    const tGen = c.runs.map((r) => r.milestones.tGen);
    const bound = c.runs.map(tGenBound);
    const base = dense.map(tGenBound);
    const logRatios = bound.map((b, i) => Math.log(b / base[i]));
    // H1: ln(control / (margin · base)) > 0
    const shifted = bound.map((b) => b / margin);
    let p: number;
    let test: BaseComparison['test'] = 't';
    try {
      p = pairedTTest(shifted, base, { alternative: 'greater', scale: 'log-ratio' }).pValue;
    } catch {
      test = 'signed-rank';
      p = pairedWilcoxon(shifted.map(Math.log), base.map(Math.log), { alternative: 'greater' }).pValue;
    }
    return {
      name: c.name, tGen, tGenBound: bound, censored: tGen.filter((t) => t === null).length,
      neverMemorised: c.runs.filter((r) => r.milestones.tMem === null).map((r) => r.config.data.seed),
      ratio: Math.exp(logRatios.reduce((a, b) => a + b, 0) / logRatios.length), p, test,
      effect: ratioEffect(c.runs, dense, tGenBounded),
    };
  });
  const adjusted = holm(rows.map((r) => r.p));
  const comparisons: BaseComparison[] = rows.map((r, i) => ({ ...r, pHolm: adjusted[i] }));
  const passed = baseCensored.length === 0 && comparisons.every((c) => c.pHolm <= alpha && c.ratio > margin);
  const fmt = (x: number) => (x < 1e-4 ? x.toExponential(1) : x.toPrecision(2));
  const need = opts.direction === 'slower' ? 'ratio > 1' : `ratio > ${margin}`;
  const reason = baseCensored.length
    ? `the base model never reached 95 % test accuracy on seed${baseCensored.length > 1 ? 's' : ''} ${baseCensored.join(', ')}, so there is no base t_gen to compare with`
    : comparisons
        .map((c) => {
          const never = c.neverMemorised.length ? `; never memorised (counted censored): seed${c.neverMemorised.length > 1 ? 's' : ''} ${c.neverMemorised.join(', ')}` : '';
          return `${c.name}: t_gen ${c.censored ? '≥ ' : ''}${c.ratio.toFixed(2)}× the base's (geometric mean${c.censored ? `, ${c.censored} censored at their horizon` : ''}), Holm p = ${fmt(c.pHolm)}${never}`;
        })
        .join('; ') + ` (need every Holm p ≤ ${alpha} for ${need}; base t_gen ${tGenBase.join(', ')})`;
  return { passed, reason, comparisons, tGenBase, margin };
}
