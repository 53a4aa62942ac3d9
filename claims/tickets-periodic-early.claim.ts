import { fourierEntropyCode, fourierEntropyShannon, neuronInputWeights } from '../src/analysis/fourier.ts';
import { defineClaim } from '../src/claims/define.ts';
import { pairedMilestone } from '../src/claims/figures.ts';
import { denseRuns, denseStatusCell, EXTENSION_FACTOR, horizonRuleChoice, neverGeneralised, neverGeneralisedReason } from '../src/claims/horizon.ts';
import { layoutOf, runMask, snapshot, type RunResult } from '../src/runs/execute.ts';
import { pairedWilcoxon } from '../src/stats/paired.ts';

/**
 * Claim 6 (paper §5.3, Fig. 8, App. F): the grokking ticket's neurons become periodic (low Fourier
 * entropy of their input weights W_in·W_E over the p tokens) much earlier than the dense model's.
 *
 * Decided with the authors' cross-entropy form FE_code (spec §9: the paper's figures, 3.23–3.46,
 * match only this form; ≈2.518 for a pure tone, ln 32 = 3.466 for a flat spectrum). Threshold
 * 3.35: a bit under halfway from the value at initialisation (3.457 in the authors' run) to the
 * generalised models' plateau (~3.23–3.24). The paper's Shannon form is reported alongside.
 *
 * The ticket is cut from the final dense checkpoint, a grokking ticket only if the dense run
 * generalised: under the horizon rule (src/claims/horizon.ts) a dense run not generalised by the
 * horizon is trained on to 3× it, its entropy read over the whole extended run and its ticket cut
 * from its end (trained the scale's ticket horizon); one that never generalises fails the claim.
 */
const KEEP = 0.4;
const THRESHOLD = 3.35;
const ALPHA = 0.05;

async function entropyCurve(run: RunResult, dt: number) {
  const layout = layoutOf(run.config);
  const mask = await runMask(run);
  const out: { epoch: number; code: number; shannon: number }[] = [];
  for (let t = 0; t <= run.config.epochs; t += dt) {
    const rows = neuronInputWeights(layout, await snapshot(run, t), mask);
    out.push({ epoch: t, code: fourierEntropyCode(rows), shannon: fourierEntropyShannon(rows) });
  }
  return out;
}

export default defineClaim({
  id: 'tickets-periodic-early',
  title: 'Tickets become periodic (low Fourier entropy) early',
  paperQuote:
    'The results show that the grokking ticket has neurons with periodic structure at an early stage (2k epochs) and exhibits a rapid decrease in FE in the early epoch.',
  paperRef: '§5.3, Fig. 8, App. F (Fig. 17, 18)',
  paper: { section: '§5.3', order: 11 },
  assertion: `Paired over seeds, the first snapshot at which the Fourier entropy (authors' form) of the neurons' input weights falls below ${THRESHOLD} is earlier for the ticket (keep ${KEEP}) than for the dense model: one-sided Wilcoxon signed-rank p ≤ ${ALPHA} (never falling below counts as latest). A dense run that has not generalised by the horizon is trained on to ${EXTENSION_FACTOR}× it and used if it generalises by then (the horizon rule); one that never does fails the claim.`,
  undecidable: (scale) => (scale.name === 'smoke' ? `smoke scale trains ${scale.epochs} epochs: no grokking ticket exists yet` : null),

  async decide({ scale, runAll, base, ticket: ticketOf }) {
    const denseSeeds = await denseRuns(runAll, base, scale.seeds);
    const dense = denseSeeds.runs;
    const ticket = await runAll(dense.map((d, i) => ({ config: ticketOf(d.config, KEEP), label: `ticket seed ${scale.seeds[i]}` })));
    const dt = scale.snapshotEvery;
    const rows: Record<string, unknown>[] = [];
    const first = async (runs: RunResult[], arm: string) => {
      const out: (number | null)[] = [];
      for (const run of runs) {
        const curve = await entropyCurve(run, dt);
        for (const c of curve) {
          rows.push({ epoch: c.epoch, value: c.code, series: `${arm} · FE (code form)`, seed: run.config.data.seed });
          rows.push({ epoch: c.epoch, value: c.shannon, series: `${arm} · Shannon (paper form)`, seed: run.config.data.seed });
        }
        out.push(curve.find((c) => c.code < THRESHOLD)?.epoch ?? null);
      }
      return out;
    };
    const tDense = await first(dense, 'dense');
    const tTicket = await first(ticket, 'ticket');
    const test = pairedWilcoxon(tTicket, tDense, { alternative: 'less', censored: 'higher' });
    const never = neverGeneralised(denseSeeds);
    const passed = never.length === 0 && test.pValue <= ALPHA;
    const fmt = (xs: (number | null)[]) => xs.map((x) => x ?? 'never').join(', ');
    return {
      passed,
      reason: `${never.length ? `${neverGeneralisedReason(denseSeeds, 'their final checkpoints are not grokking tickets')}; ` : ''}first epoch with FE < ${THRESHOLD}: ticket ${fmt(tTicket)} vs dense ${fmt(tDense)}; Wilcoxon p = ${test.pValue.toPrecision(3)} (need ≤ ${ALPHA})`,
      statistics: [{ name: `Wilcoxon T+ (t_ticket − t_dense) for FE < ${THRESHOLD}`, value: test.statistic, pValue: test.pValue, detail: `n = ${test.n}, ${test.method}`, role: 'test' }],
      seedTable: {
        columns: ['seed', 'dense run', `ticket: first epoch FE < ${THRESHOLD}`, `dense: first epoch FE < ${THRESHOLD}`, 'dense t_gen'],
        rows: scale.seeds.map((s, i) => [s, denseStatusCell(denseSeeds, i), tTicket[i], tDense[i], dense[i].milestones.tGen]),
      },
      figures: [
        {
          id: 'fourier-entropy', title: 'Fourier entropy of the neurons\' input weights over training (cf. Fig. 8 top)', kind: 'curves',
          data: rows.filter((r) => String(r.series).includes('code')),
          encoding: { x: 'epoch', y: 'value', color: 'series', detail: 'seed', xTitle: 'epoch (snapshots)', yTitle: 'FE (authors\' cross-entropy form)', colorTitle: 'run' },
        },
        {
          id: 'shannon-entropy', title: 'The paper\'s Shannon form of the same spectra', kind: 'curves',
          data: rows.filter((r) => String(r.series).includes('Shannon')),
          encoding: { x: 'epoch', y: 'value', color: 'series', detail: 'seed', xTitle: 'epoch (snapshots)', yTitle: 'Shannon entropy (1/K Σ)', colorTitle: 'run' },
        },
        pairedMilestone('first-periodic', `First snapshot with FE < ${THRESHOLD}`, [
          { name: 'dense', values: tDense, seeds: scale.seeds },
          { name: `ticket (keep ${KEEP})`, values: tTicket, seeds: scale.seeds },
        ], { yTitle: 'epoch', horizon: Math.max(...dense.map((d) => d.config.epochs)), yScale: 'linear' }),
      ],
      choices: [
        { item: 'entropy', choice: 'decided with the authors\' CE(P, softmax P) over frequencies 1…32 (matches the paper\'s figures); the paper\'s Shannon form over the same spectra is plotted' },
        { item: 'weights', choice: 'W_in·W_E of the weights the network uses (masked for tickets, as the authors\' is_mask=True)' },
        { item: 'snapshots', choice: `every ${dt} epochs, sorted by epoch (the authors\' glob order is a bug, spec §13.8)` },
        { item: 'ticket', choice: `magnitude mask of the final dense checkpoint (for an extended seed, of the extended run, whose entropy is read to its end), keep ${KEEP}, rewound to θ0, trained the scale's ticket horizon (${ticket[0].config.epochs} epochs)` },
        horizonRuleChoice(denseSeeds),
      ],
    };
  },
});
