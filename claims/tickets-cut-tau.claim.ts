import { ratioEffect, ratioStatistic, tauBounded, tauShorter } from '../src/claims/effects.ts';
import { defineClaim } from '../src/claims/define.ts';
import { denseRuns, denseStatusCell, EXTENSION_FACTOR, horizonRuleChoice } from '../src/claims/horizon.ts';
import { accuracyCurves, metricCurves, pairedMilestone } from '../src/claims/figures.ts';
import { tasks } from '../src/tasks/index.ts';
import { pairedWilcoxon } from '../src/stats/paired.ts';
import { median } from '../src/stats/summary.ts';
import { losses } from '../src/losses/index.ts';

/**
 * Claim 1 (paper §3.2, Fig. 1, Fig. 2a): grokking tickets — the dense run's final weights
 * magnitude-pruned to keep 40 %, rewound to θ0 and retrained — cut τ_grok = t_gen / t_mem.
 *
 * Scale choice: at ci scale the split is frac_train 0.5 (the authors' own Jan-2024 setting, spec
 * §14) so dense models grok within the ci horizon on 2 CPU cores; the paper's frac 0.4 needs ~25k
 * epochs per dense run (paper scale). A ticket taken from the final checkpoint is a grokking ticket
 * only if the dense run generalised by then (paper: t ≥ t_gen). The horizon rule (src/claims/
 * horizon.ts, chosen in advance for every claim) trains a dense run that has not generalised by
 * the horizon on to 3× it; one that generalises by then is used (its ticket from that run's final
 * checkpoint, trained for the same ticket horizon as every other seed's); one that never groks stays
 * in as a censored pair and makes the claim fail with that reason rather than pass on a
 * non-grokking ticket.
 *
 * t_mem and t_gen follow the task's milestone: accuracy above 95 % for the classification tasks, a
 * loss below the task's threshold for regression (polynomial), whose curves are then losses.
 */
const KEEP = 0.4;
const ALPHA = 0.05;
const MIN_RATIO = 2;

export default defineClaim({
  id: 'tickets-cut-tau',
  title: 'Grokking tickets cut τ_grok = t_gen / t_mem',
  paperQuote:
    'When using a lottery ticket (good subnetworks), the train and test accuracy increase almost similarly, i.e., the time from memorization (t_mem) to generalization (t_gen) has significantly accelerated. Note that not only the subtraction (t_gen − t_mem) but the ratio (t_gen/t_mem) is also significantly improved.',
  paperRef: '§3.2, Fig. 1 (left), Fig. 2a; τ_grok defined in §3.1',
  paper: { section: '§3.2', order: 1 },
  assertion: `Paired over seeds, τ_ticket < τ_dense by a one-sided Wilcoxon signed-rank test with p ≤ ${ALPHA}, and the median of τ_dense / τ_ticket ≥ ${MIN_RATIO}. Ticket: global magnitude pruning of the final dense checkpoint keeping ${KEEP * 100} % (pruning ratio k = ${1 - KEEP}), rewound to θ0. A censored τ (never reached) ranks worst. A dense run that has not generalised by the horizon is trained on to ${EXTENSION_FACTOR}× it and used if it groks by then (the horizon rule); one that never groks fails the claim.`,
  settings: ['mlp-add', 'transformer-add', 'mlp-multiply', 'mlp-x2y2', 'mlp-x2xyy2', 'transformer-subtract', 'transformer-x2xyy2x', 'transformer-x3xy',
    'mnist-mlp', 'lstm-imdb', 'mlp-polynomial', 'mlp-parity'],
  // mlp-polynomial at ci (its paper horizon, 10 000 epochs): measured at that horizon on 2026-12-02,
  // seed 4's dense test MSE levels off above the milestone, so the dense run never groks
  expectedFailure: (scale, setting) =>
    scale.name !== 'ci' ? null
      : setting === 'mlp-polynomial'
        ? { statements: { assertion: 'fails' }, why: 'one dense polynomial run never reaches the MSE milestone within the authors\' horizon (its test MSE levels off just above it; the horizon rule trains it on to three times that horizon), and the claim\'s rule counts a dense run that never groks against the claim' }
        // measured on the native engine, 2026-12-07 (on tfjs-wasm transformer-add reproduced with
        // every ticket generalising: the ticket of one seed sits near its horizon, and float32 drift
        // decides which side)
        : setting === 'transformer-add' || setting === 'mlp-x2y2'
          ? { statements: { assertion: 'fails' }, why: 'the ticket of one seed does not generalise within the ci ticket horizon; a censored τ_ticket ranks worst, so the other four pairs, which all favour the ticket by a wide margin, cannot reach the claim\'s significance level on five seeds' }
          : null,
  undecidable: (scale) =>
    scale.name === 'smoke' ? `smoke scale trains ${scale.epochs} epochs: the dense model cannot grok, so τ_grok cannot be measured` : null,

  async decide({ scale, setting, runAll, base, ticket: ticketOf }) {
    const denseSeeds = await denseRuns(runAll, base, scale.seeds);
    const dense = denseSeeds.runs;
    const ticket = await runAll(dense.map((d, i) => ({ config: ticketOf(d.config, KEEP), label: `ticket seed ${scale.seeds[i]}` })));
    const tauDense = dense.map((r) => r.milestones.tauGrok);
    const tauTicket = ticket.map((r) => r.milestones.tauGrok);
    const horizon = scale.epochs;
    const longest = Math.max(...dense.map((d) => d.config.epochs));
    const milestone = tasks.get(setting.task).milestone;
    const byLoss = milestone.metric === 'loss';
    const reached = byLoss ? `test loss ≤ ${milestone.threshold}` : `${milestone.threshold * 100} % test accuracy`;

    const test = pairedWilcoxon(tauTicket, tauDense, { alternative: 'less', censored: 'higher' });
    const ratios = tauDense.map((d, i) => (d === null ? Infinity : tauTicket[i] === null ? 0 : d / tauTicket[i]!));
    const medianRatio = median(ratios);
    const neverGrokked = scale.seeds.filter((_, i) => tauDense[i] === null);

    // the global threshold may empty a whole matrix (the transformer's W_K on some seeds): say where
    const emptied = ticket.flatMap((t, i) => {
      const names = (t.meta.maskDensity ?? []).filter((l) => l.kept === 0).map((l) => l.name);
      return names.length ? [`seed ${scale.seeds[i]}: ${names.join(', ')}`] : [];
    });
    const passed = neverGrokked.length === 0 && test.pValue <= ALPHA && medianRatio >= MIN_RATIO;
    const fmt = (x: number | null) => (x === null ? 'censored' : x.toFixed(2));
    const task = tasks.get(setting.task);
    const reason = neverGrokked.length
      ? `dense run(s) for seed(s) ${neverGrokked.join(', ')} never reached ${reached} within ${denseSeeds.cap} epochs (${EXTENSION_FACTOR}× the horizon ${horizon}, the horizon rule), so their final checkpoints are not grokking tickets and τ_dense is censored`
      : `τ_dense ${tauDense.map(fmt).join(', ')} vs τ_ticket ${tauTicket.map(fmt).join(', ')}; Wilcoxon p = ${test.pValue.toPrecision(3)} (need ≤ ${ALPHA}); median τ_dense/τ_ticket = ${medianRatio.toFixed(2)} (need ≥ ${MIN_RATIO})`;

    return {
      passed,
      reason,
      statistics: [
        { name: 'Wilcoxon signed-rank T+ (τ_ticket − τ_dense), one-sided less', value: test.statistic, pValue: test.pValue, detail: `n = ${test.n}, ${test.method}`, role: 'test' },
        ratioStatistic('τ_dense / τ_ticket', ratioEffect(dense, ticket, tauBounded), tauShorter(), { detail: `median of the per-seed ratios ${medianRatio.toFixed(2)} (the assertion's)` }),
        { name: 'median τ_dense', value: median(tauDense.map((t) => t ?? Infinity)) },
        { name: 'median τ_ticket', value: median(tauTicket.map((t) => t ?? Infinity)) },
      ],
      seedTable: {
        columns: ['seed', 'dense run', 't_mem dense', 't_gen dense', 'τ dense', 't_mem ticket', 't_gen ticket', 'τ ticket', 'τ_dense/τ_ticket'],
        rows: scale.seeds.map((seed, i) => [
          seed, denseStatusCell(denseSeeds, i),
          dense[i].milestones.tMem, dense[i].milestones.tGen, tauDense[i],
          ticket[i].milestones.tMem, ticket[i].milestones.tGen, tauTicket[i],
          Number.isFinite(ratios[i]) ? Number(ratios[i].toFixed(2)) : null,
        ]),
      },
      figures: [
        byLoss
          ? metricCurves('loss', 'Test loss: dense vs grokking ticket (cf. Fig. 2d, 14a)', [
            { name: 'dense', runs: dense },
            { name: `ticket (keep ${KEEP})`, runs: ticket },
          ], 'testLoss', { yTitle: 'test loss (log)', yScale: 'log', caption: `One line per seed; generalised = test loss ≤ ${milestone.threshold}.` })
          : accuracyCurves('accuracy', 'Train and test accuracy: dense vs grokking ticket (cf. Fig. 1 left, Fig. 2a)', [
            { name: 'dense', runs: dense },
            { name: `ticket (keep ${KEEP})`, runs: ticket },
          ], 'Thin lines: one per seed; thick: median over seeds.'),
        pairedMilestone('tau', 'τ_grok = t_gen / t_mem per seed', [
          { name: 'dense', values: tauDense, seeds: scale.seeds },
          { name: `ticket (keep ${KEEP})`, values: tauTicket, seeds: scale.seeds },
        ], { yTitle: 'τ_grok (log)', horizon: longest / Math.max(1, Math.min(...dense.map((d) => d.milestones.tMem ?? 1))) }),
      ],
      choices: [
        { item: 'keep fraction vs pruning ratio', choice: `keepFraction ${KEEP} (the code's "sparsity" 0.4) = paper pruning ratio k = ${1 - KEEP}` },
        { item: 'ticket checkpoint', choice: 'the final dense checkpoint (after all epochs; for an extended seed, of the extended run), as in the authors\' scripts' },
        horizonRuleChoice(denseSeeds),
        { item: 'emptied matrices', choice: emptied.length ? `the global threshold pruned a whole matrix, as the authors' code would: ${emptied.join('; ')}` : 'none: every matrix keeps some weights' },
        { item: 'ticket horizon', choice: scale.ticketEpochs ? `${scale.ticketEpochs} epochs, shorter than the dense runs' ${scale.epochs} to fit CI (the paper retrains as long as the base run); a ticket censored there ranks worst` : `${scale.epochs} epochs, as the dense runs` },
        !('fracTrain' in task.schema.shape)
          ? { item: 'data', choice: `${setting.title}, ${scale.epochs} epochs, a data set generated from each seed` }
          : setting.data?.fracTrain !== undefined
            ? { item: 'data', choice: `${setting.title}: the setting's own split (frac_train ${dense[0].config.data.fracTrain}), ${scale.epochs} epochs` }
            : { item: 'data', choice: `${scale.fracTrain === 0.4 ? 'paper' : 'authors\' Jan-2024'} split: ${setting.title}, frac_train ${scale.fracTrain}, ${scale.epochs} epochs, CPython-identical shuffle` },
        byLoss
          ? { item: 'milestones', choice: `t_mem / t_gen: first evaluated epoch with train / test ${task.loss} loss ≤ ${milestone.threshold} (the task's threshold)` }
          : { item: 'milestones', choice: `t_mem / t_gen: first evaluated epoch with train / test accuracy ≥ ${milestone.threshold * 100} % (the task's threshold)` },
        { item: 'loss precision', choice: task.loss === 'crossEntropy' ? 'float32 throughout, with the label entry of ∂L/∂logits computed as −Σ other probabilities (the authors use a float64 loss)' : `float32 throughout (${losses.get(task.loss).description})` },
        { item: 't_gen resolution', choice: `test accuracy is evaluated every ${scale.evalEvery} epochs; train accuracy every epoch` },
      ],
    };
  },
});
