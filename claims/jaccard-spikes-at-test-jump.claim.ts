import { successiveJaccard, expectedRandomJaccard } from '../src/analysis/jaccard.ts';
import { defineClaim } from '../src/claims/define.ts';
import { denseRun } from '../src/config/schema.ts';
import { magnitudeLayoutMask } from '../src/prune/magnitude.ts';
import { layoutOf, snapshot } from '../src/runs/execute.ts';
import { binomialTest, correlationTest } from '../src/stats/paired.ts';
import { tasks } from '../src/tasks/index.ts';

/**
 * Claim 4 (paper §5.1, Fig. 7): along the dense run, the Jaccard distance between successive
 * magnitude masks (keep 0.4, global threshold, spec §8) peaks when test accuracy jumps.
 *
 * Per seed, the interval [t, t+δt] of largest JD(m_t, m_t+δt) is a hit if it is within one
 * interval of the interval of largest test-accuracy rise. Under a random-time null a hit has
 * probability at most 3/K (K intervals), so the hits across seeds are tested with a one-sided
 * binomial test at p0 = 3/K (conservative). δt is the scale's snapshot spacing (2000 in the
 * paper, 1000 at ci); intervals start at δt as in the authors' script (spec §8: epochs 2k…30k).
 *
 * For a regression task (its milestone is a loss) the "jump" is the largest drop of the test loss
 * on a log scale, −Δ ln(loss) (Fig. 14a plots JD against the loss curve). Masks are the tickets' own: the global threshold over
 * the prunable matrices (identical to a plain global threshold for the paper's models, which have
 * no other parameters; the parity MLP's biases are never pruned).
 */
const KEEP = 0.4;
const ALPHA = 0.05;

export default defineClaim({
  id: 'jaccard-spikes-at-test-jump',
  title: 'The ticket mask changes fastest when test accuracy jumps',
  paperQuote:
    'Using the jaccard distance as the metric of structural distance, we show that the structure of the subnetwork is rapidly changing during the transition between memorization and generalization.',
  paperRef: '§5.1, Fig. 7',
  assertion: `Over seeds, the interval of peak Jaccard distance between successive keep-${KEEP} magnitude masks lies within one interval of the largest test-accuracy rise more often than chance: one-sided binomial test at p0 = 3/K, p ≤ ${ALPHA}. The Pearson correlation of the two series is reported.`,
  undecidable: (scale) => (scale.name === 'smoke' ? `smoke scale trains ${scale.epochs} epochs: no test-accuracy jump to locate` : null),
  // Observed at ci scale (2026-11-25, 5 seeds): on every seed the largest change of the mask is
  // the first interval after memorisation (1000–2000 epochs, JD 0.30–0.32), not the test-accuracy
  // jump (3000–9000 epochs), though JD and Δacc correlate (r = 0.43). Implementation checked: masks
  // are the tickets' own (global magnitude, keep 0.4), JD is tested as a metric with the random
  // reference 0.75, epochs sorted. With frac 0.5 grokking comes soon after memorisation, so the
  // post-memorisation reorganisation and the jump overlap; the paper's frac-0.4 runs grok at
  // 16–20k, far from it. Not assumed at paper scale.
  // mlp-polynomial (measured at ci horizons, 3000 epochs, δt 200, 2026-12-02; its ci scale is
  // undecidable for claim 1's budget): peak JD at 2000–2600 (JD 0.12–0.14) on every seed, the
  // largest drop of ln(test loss) at 200–1200; r(JD, −Δ ln loss) = −0.87: 0/5 hits. Not assumed at
  // paper scale.
  settings: ['mlp-add', 'transformer-add', 'mlp-polynomial', 'mlp-parity'],
  expectedFailure: (scale, setting) =>
    setting === 'mlp-parity'
      // measured 2026-12-02 (150 epochs, δt 10; mlp-parity trains the same runs at ci and paper
      // scale): Pearson r(JD, Δacc) = −0.34. Only 640 of the 5376 prunable weights touch the 3
      // relevant bits (W1's 3 rows, and W2), so 40 % keeps ~1500 others, which weight decay shrinks
      // toward 0 after generalisation: their order, and so the mask, keeps changing
      ? 'the parity MLP\'s mask changes most after generalisation (epochs 90–140, JD 0.52–0.55 on all 5 seeds) while test accuracy jumps at 20–40'
      : scale.name !== 'ci'
        ? null
        : setting === 'mlp-add'
          ? 'at ci scale the mask changes most right after memorisation (1000–2000 epochs) on all seeds, before the test-accuracy jump'
          : setting === 'transformer-add'
            // measured 2026-12-02 at 8000 and 12 000 epochs: the same generic analysis as mlp-add, the same pattern
            ? 'at ci scale the transformer\'s mask also changes most right after memorisation (1000–2000 epochs, JD 0.31–0.33 on all 5 seeds) while test accuracy jumps at 3000–9000'
            : null,

  async decide({ scale, setting, runAll, base }) {
    const byLoss = tasks.get(setting.task).milestone.metric === 'loss';
    // the improvement of the test metric over an interval: accuracy rise, or loss drop
    const jump = byLoss ? 'test-loss drop' : 'test-accuracy jump';
    const series = byLoss ? 'test-loss drop (−Δ ln loss)' : 'Δ test accuracy';
    const short = byLoss ? '−Δln loss' : 'Δacc';
    const dense = await runAll(scale.seeds.map((seed) => ({ config: denseRun(base(seed)), label: `dense seed ${seed}` })));
    const layout = layoutOf(dense[0].config);
    const dt = scale.snapshotEvery;
    const rows: Record<string, unknown>[] = [];
    const seedRows: (string | number | null)[][] = [];
    const jdAll: number[] = [];
    const dAccAll: number[] = [];
    let hits = 0;
    let K = 0;
    for (const run of dense) {
      const epochs: number[] = [];
      for (let t = dt; t <= run.config.epochs; t += dt) epochs.push(t);
      const masks = await Promise.all(epochs.map(async (epoch) => ({ epoch, mask: magnitudeLayoutMask(layout, await snapshot(run, epoch), KEEP) })));
      const jd = successiveJaccard(layout, masks);
      const accAt = (t: number) => run.log.testAcc[run.log.epochs.indexOf(t)];
      const lossAt = (t: number) => run.log.testLoss[run.log.epochs.indexOf(t)];
      // a loss falls over orders of magnitude (from the init's error to the generalised floor), so
      // its drop is taken on a log scale: otherwise the first interval after memorisation, where
      // the loss is still large, always holds the largest absolute drop
      const dAcc = jd.map((r) => (byLoss ? Math.log(lossAt(r.epoch) / lossAt(r.next)) : accAt(r.next) - accAt(r.epoch)));
      K = jd.length;
      const iJd = jd.reduce((b, r, i) => (r.overall > jd[b].overall ? i : b), 0);
      const iAcc = dAcc.reduce((b, d, i) => (d > dAcc[b] ? i : b), 0);
      const hit = Math.abs(iJd - iAcc) <= 1;
      hits += hit ? 1 : 0;
      jdAll.push(...jd.map((r) => r.overall));
      dAccAll.push(...dAcc);
      seedRows.push([run.config.data.seed, `${jd[iJd].epoch}–${jd[iJd].next}`, Number(jd[iJd].overall.toFixed(3)), `${jd[iAcc].epoch}–${jd[iAcc].next}`, Number(dAcc[iAcc].toFixed(3)), hit ? 'yes' : 'no']);
      jd.forEach((r, i) => {
        const mid = (r.epoch + r.next) / 2;
        rows.push({ epoch: mid, value: r.overall, series: 'Jaccard distance (overall)', seed: run.config.data.seed });
        for (const [name, v] of Object.entries(r.perLayer)) rows.push({ epoch: mid, value: v, series: `JD ${name}`, seed: run.config.data.seed });
        rows.push({ epoch: mid, value: dAcc[i], series, seed: run.config.data.seed });
      });
    }
    const p0 = Math.min(1, 3 / K);
    const test = binomialTest(hits, dense.length, p0, 'greater');
    // too few intervals (tiny runs) leave the correlation undefined rather than crashing the claim
    const corr = jdAll.length >= 4 ? correlationTest(jdAll, dAccAll, 'greater') : { r: Number.NaN, pValue: Number.NaN };
    const passed = test.pValue <= ALPHA;
    return {
      passed,
      reason: `peak JD within one interval of the ${jump} in ${hits}/${dense.length} seeds (chance ≤ ${p0.toFixed(3)} each, K = ${K} intervals of ${dt} epochs): binomial p = ${test.pValue.toPrecision(3)} (need ≤ ${ALPHA}); Pearson r(JD, ${short}) = ${corr.r.toFixed(2)}`,
      statistics: [
        { name: `seeds whose JD peak is at the ${jump} (±1 interval)`, value: hits, pValue: test.pValue, detail: `one-sided binomial, p0 = 3/K = ${p0.toFixed(3)}`, role: 'test' },
        { name: `Pearson r between JD and ${series} (pooled intervals)`, value: corr.r, pValue: corr.pValue, detail: `n = ${jdAll.length}, one-sided`, role: 'effect' },
        { name: 'random-mask reference JD at keep 0.4', value: expectedRandomJaccard(KEEP) },
      ],
      seedTable: { columns: ['seed', 'peak JD interval', 'peak JD', `largest ${short} interval`, `largest ${short}`, 'hit'], rows: seedRows },
      figures: [
        {
          id: 'jaccard', title: `Jaccard distance between successive masks (δt = ${dt}) and the change of test ${byLoss ? 'loss' : 'accuracy'} (cf. ${byLoss ? 'Fig. 14a' : 'Fig. 7'})`, kind: 'curves',
          data: rows.filter((r) => String(r.series).startsWith('Jaccard') || r.series === series),
          encoding: { x: 'epoch', y: 'value', color: 'series', detail: 'seed', xTitle: 'epoch (interval midpoint)', yTitle: byLoss ? 'JD / test-loss drop' : 'JD / Δ accuracy', colorTitle: 'series' },
        },
        {
          id: 'jaccard-layers', title: 'Per-layer Jaccard distance (the authors\' per-layer form)', kind: 'curves',
          data: rows.filter((r) => String(r.series).startsWith('JD ')),
          encoding: { x: 'epoch', y: 'value', color: 'series', detail: 'seed', xTitle: 'epoch (interval midpoint)', yTitle: 'Jaccard distance', colorTitle: 'layer' },
        },
      ],
      choices: [
        { item: 'masks', choice: `global magnitude threshold at keep ${KEEP}, JD per layer and over the whole network (both in the authors' notebook)` },
        { item: 'epoch order', choice: 'successive masks sorted by epoch (the authors\' unsorted glob is a latent bug, spec §13.8)' },
        { item: 'δt', choice: `${dt} epochs (the paper: 2000)` },
      ],
    };
  },
});
