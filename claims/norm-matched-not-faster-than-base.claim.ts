import { normMatchedJobs } from '../src/claims/arms.ts';
import { ratioStatistic, tGenLonger } from '../src/claims/effects.ts';
import { defineClaim } from '../src/claims/define.ts';
import { denseRuns, denseStatusCell, EXTENSION_FACTOR, horizonRuleChoice } from '../src/claims/horizon.ts';
import { accuracyCurves, pairedMilestone } from '../src/claims/figures.ts';
import { versusBase } from '../src/claims/versus-base.ts';

/**
 * Claim 2b (paper §4.1, Fig. 5a, 10, 15): the norm-matched dense models keep the base model's
 * delay — they do not generalise faster than it — which is what makes the delay "attributable
 * not to the weight norms". Claim 2 (norm-matched-dense-does-not) tests the other half: the
 * ticket is faster than both.
 *
 * The controls are those of claim 2 (dense θ0 scaled by the ticket's global L1 or L2 norm ratio),
 * trained for the base model's own horizon so that a control still below 95 % is known to be
 * slower than every base t_gen. At paper scale that horizon is claim 2's, so the runs are shared.
 *
 * Non-inferiority margin 0.8: "not faster" cannot be shown as "no difference"; the claim is that
 * a control reaches 95 % later than 0.8 × the base's t_gen (geometric mean over seeds). A control
 * that kept less than 80 % of the base's delay would have had a fifth of the delay explained by
 * the weight norm alone, which contradicts the paper's conclusion; a smaller shift is within
 * what the base model's own t_gen varies by between seeds (5780–10 520 at ci).
 */
const KEEP = 0.4;
const MARGIN = 0.8;

export default defineClaim({
  id: 'norm-matched-not-faster-than-base',
  title: 'Dense models with the ticket\'s L1 / L2 norm do not generalise faster than the base model',
  paperQuote:
    'Despite having the same initial weight norms, the grokking ticket arrives at generalization much faster than both controlled dense models. This result indicates that the delayed increase in test accuracy is attributable not to the weight norms but to the discovery of good structure.',
  paperRef: '§4.1, Fig. 5a (the controls against the base model), Fig. 10, 15',
  paper: { section: '§4.1', order: 5 },
  assertion:
    `For each control (dense θ0·r₁ matching the ticket's L1 norm, dense θ0·r₂ matching its L2 norm, keep ${KEEP}), trained for the base model's horizon: t_gen,control > ${MARGIN} × t_gen,base, by a one-sided paired t-test on ln(t_gen,control / t_gen,base) over seeds (non-inferiority, margin ${MARGIN}), Holm-corrected over the two controls, p ≤ 0.05. A control below 95 % test accuracy at its horizon counts at the horizon (conservative); every base run must generalise, one that has not by the horizon being trained on to ${EXTENSION_FACTOR}× it (the horizon rule, its controls then trained as long).`,
  settings: ['mlp-add', 'transformer-add'],
  // measured at ci on the native engine, 2026-12-07, the first time this pair was decided at ci
  expectedFailure: (scale, setting) =>
    scale.name === 'ci' && setting === 'mlp-add'
      ? { statements: { assertion: 'fails' }, why: 'at ci the norm-matched MLP controls\' t_gen is on average a little shorter than the base model\'s and varies too much over five seeds for non-inferiority at the claim\'s margin to be shown' }
      : null,
  undecidable: (scale) => (scale.name === 'smoke' ? `smoke scale trains ${scale.epochs} epochs: no model generalises yet` : null),

  async decide({ scale, runAll, base }) {
    const denseSeeds = await denseRuns(runAll, base, scale.seeds);
    const dense = denseSeeds.runs;
    // the base's own horizon (no epoch override): an extended base's controls train to the cap too
    const jobs = dense.flatMap((d, i) => normMatchedJobs(d.config, KEEP, scale.seeds[i]));
    const out = await runAll(jobs);
    const l1 = out.filter((_, i) => i % 2 === 0);
    const l2 = out.filter((_, i) => i % 2 === 1);
    const r = versusBase(dense, [{ name: 'L1-matched dense', runs: l1 }, { name: 'L2-matched dense', runs: l2 }], { direction: 'not-faster', margin: MARGIN });
    const arms = [{ name: 'dense (base)', runs: dense }, { name: 'L1-matched dense', runs: l1 }, { name: 'L2-matched dense', runs: l2 }];
    const horizon = Math.max(...dense.map((d) => d.config.epochs));
    return {
      passed: r.passed,
      reason: r.reason,
      statistics: r.comparisons.map((c) => ratioStatistic(`${c.name}: t_gen / t_gen,base`, c.effect, tGenLonger(), {
        pValue: c.pHolm, role: 'both',
        detail: `geometric mean ${c.censored ? '≥ ' : ''}${c.ratio.toFixed(2)}×; non-inferiority, margin ${MARGIN}: one-sided paired ${c.test === 't' ? 't-test' : 'signed-rank test'} on ln t_gen, Holm-adjusted (raw ${c.p.toPrecision(3)})${c.neverMemorised.length ? `; never memorised: seeds ${c.neverMemorised.join(', ')}` : ''}`,
      })),
      seedTable: {
        columns: ['seed', 'base run', 't_gen base', 't_gen L1-matched', 't_gen L2-matched', 't_mem base', 't_mem L1-matched', 't_mem L2-matched', 'horizon'],
        rows: scale.seeds.map((s, i) => [s, denseStatusCell(denseSeeds, i), dense[i].milestones.tGen, l1[i].milestones.tGen, l2[i].milestones.tGen, dense[i].milestones.tMem, l1[i].milestones.tMem, l2[i].milestones.tMem, l1[i].milestones.horizon]),
      },
      figures: [
        accuracyCurves('accuracy', 'Test accuracy: base model and norm-matched dense models (cf. Fig. 5a)', arms, 'Thin lines: one per seed; thick: median.', { testOnly: true }),
        pairedMilestone('tgen', 't_gen per seed: base model vs norm-matched controls', arms.map((a) => ({ name: a.name, values: a.runs.map((x) => x.milestones.tGen), seeds: scale.seeds })), { yTitle: 't_gen (epochs, log)', horizon }),
      ],
      choices: [
        { item: 'compared on', choice: 't_gen (the paper compares test-accuracy curves over epochs); τ per seed is in claim 2' },
        { item: 'controls\' horizon', choice: `the base model's (${denseSeeds.horizon} epochs; an extended base's, ${denseSeeds.cap}), past every base t_gen; a censored control counts at its horizon` },
        horizonRuleChoice(denseSeeds),
        { item: 'margin', choice: `non-inferiority at ${MARGIN} × the base's t_gen (see the claim file for why)` },
        { item: 'norm ratio', choice: 'paper: global ‖θ0⊙m‖_p / ‖θ0‖_p, as claim 2' },
      ],
    };
  },
});
