import { changeWindows, expectedRandomJaccard, successiveJaccard } from '../src/analysis/jaccard.ts';
import { defineClaim } from '../src/claims/define.ts';
import { horizonRuleExempt } from '../src/claims/horizon.ts';
import type { Scale } from '../src/config/scale.ts';
import { denseRun } from '../src/config/schema.ts';
import { getSetting } from '../src/config/settings.ts';
import { magnitudeLayoutMask } from '../src/prune/magnitude.ts';
import { layoutOf, snapshot } from '../src/runs/execute.ts';
import { binomialTest, correlationTest } from '../src/stats/paired.ts';
import { tasks } from '../src/tasks/index.ts';

/**
 * Claim 4 (paper §5.1, Fig. 7): along the dense run, the Jaccard distance between the magnitude
 * masks (keep 0.4, global threshold, spec §8) at t and t + δt peaks when test accuracy jumps.
 *
 * δt: "δt is 2k epoch" (§5.1) for Fig. 7, the modular-arithmetic runs, at every scale that can hold
 * such a window; on 1000-epoch snapshots (ci) the windows [t, t + 2000] overlap, one every 1000
 * epochs. Windows start at t = δt, where the authors' first mask is (spec §8: masks at 2k, 4k, …).
 * Fig. 14 (polynomial regression, sparse parity) gives no δt: those settings use their snapshot
 * spacing (1/15–1/20 of their horizon, as 2k is of the paper's 30k). Smoke (40 epochs) only proves
 * the pipeline, on its snapshot spacing.
 *
 * Per seed, the window of largest JD(m_t, m_t+δt) is a hit if it starts within δt of the window of
 * largest test-accuracy rise (adjacent or overlapping windows). Under a random-time null a hit has
 * probability at most (2r + 1)/K, r = δt / spacing, K windows, so the hits across seeds are tested
 * with a one-sided binomial test at that p0 (conservative). Where even a hit on every seed could
 * not reach p ≤ 0.05 (too few windows), the setting is undecidable at that scale and skipped.
 *
 * For a regression task (its milestone is a loss) the "jump" is the largest drop of the test loss
 * on a log scale, −Δ ln(loss) (Fig. 14a plots JD against the loss curve). Masks are the tickets' own: the global threshold over
 * the prunable matrices (identical to a plain global threshold for the paper's models, which have
 * no other parameters; the parity MLP's biases are never pruned).
 */
const KEEP = 0.4;
const ALPHA = 0.05;
/** §5.1: "δt is 2k epoch" (Fig. 7, modular arithmetic). */
const PAPER_DT = 2000;

/** δt and the snapshot spacing the windows step by, for a setting at a scale. */
function windowsOf(scale: Scale, settingName: string) {
  const modular = tasks.get(getSetting(settingName).task).source.endsWith('/src/tasks/modular.ts');
  const step = scale.snapshotEvery;
  const dt = modular && !scale.pipelineOnly ? PAPER_DT : step;
  const windows = changeWindows(scale.epochs, dt, step);
  const radius = dt / step;
  const p0 = Math.min(1, (2 * radius + 1) / windows.length);
  return { dt, step, windows, radius, p0 };
}

/** Measured where a setting is undecidable for the test's power (the runs exist; see below). */
const MEASURED: Record<string, string> = {
  // 2026-12-02, the ci dense runs (10 000 epochs), δt 2000 on 1000-epoch snapshots
  'ci:transformer-add': 'measured all the same: the JD peak is within δt of the test-accuracy jump on 5/5 seeds (peak JD windows 3000–5000, 7000–9000, 3000–5000, 7000–9000, 3000–5000; largest Δacc 2000–4000, 6000–8000, 2000–4000, 6000–8000, 2000–4000), which the 30 000-epoch paper scale can decide',
};

export default defineClaim({
  id: 'jaccard-spikes-at-test-jump',
  title: 'The ticket mask changes fastest when test accuracy jumps',
  paperQuote:
    'Using the jaccard distance as the metric of structural distance, we show that the structure of the subnetwork is rapidly changing during the transition between memorization and generalization.',
  paperRef: '§5.1, Fig. 7',
  paper: { section: '§5.1', order: 9 },
  assertion: `Over seeds, the window [t, t + δt] (δt = ${PAPER_DT} epochs for Fig. 7's modular arithmetic) of peak Jaccard distance between keep-${KEEP} magnitude masks starts within δt of the window of largest test-accuracy rise more often than chance: one-sided binomial test at p0 = (2r + 1)/K (r = δt / snapshot spacing, K windows), p ≤ ${ALPHA}. The Pearson correlation of the two series is reported.`,
  undecidable: (scale, setting) => {
    if (scale.name === 'smoke') return `smoke scale trains ${scale.epochs} epochs: no test-accuracy jump to locate`;
    const { dt, step, windows, radius, p0 } = windowsOf(scale, setting);
    const best = p0 ** scale.seeds.length;
    if (best <= ALPHA) return null;
    return `with δt = ${dt} on ${scale.epochs}-epoch runs (snapshots every ${step}) there are K = ${windows.length} windows and a hit has chance up to ${2 * radius + 1}/${windows.length}, so even ${scale.seeds.length}/${scale.seeds.length} hits give binomial p = ${best.toPrecision(3)} > ${ALPHA}: the test cannot decide at this horizon${MEASURED[`${scale.name}:${setting}`] ? `; ${MEASURED[`${scale.name}:${setting}`]}` : ''}`;
  },
  // mlp-add at ci (δt 2000 on 1000-epoch snapshots, K = 12, 2026-12-02): reproduced, 5/5 hits,
  // binomial p = 0.013, r = 0.71 (peak JD 8000–10000, 5000–7000, 7000–9000, 8000–10000, 2000–4000;
  // largest Δacc 7000–9000, 3000–5000, 6000–8000, 7000–9000, 4000–6000). Seeds 1 and 4 hit with
  // adjacent windows (δt apart, the tolerance's edge): counting overlapping windows only, 3/5
  // (p = 0.10). With the earlier δt = 1000 it was 0/5 (every peak in 1000–2000), and windows from
  // 1000 instead of the authors' 2000 would put the peak in [1000, 3000] on every seed (JD 0.39–0.43).
  // mlp-polynomial (measured at ci horizons, 3000 epochs, δt 200, 2026-12-02; its ci scale is
  // undecidable for claim 1's budget): peak JD at 2000–2600 (JD 0.12–0.14) on every seed, the
  // largest drop of ln(test loss) at 200–1200; r(JD, −Δ ln loss) = −0.87: 0/5 hits. Not assumed at
  // paper scale.
  settings: ['mlp-add', 'transformer-add', 'mlp-polynomial', 'mlp-parity'],
  expectedFailure: (scale, setting) =>
    scale.name === 'ci' && setting === 'mlp-polynomial'
      // measured at its paper horizon (10 000 epochs, 2026-12-02): peak JD at 2000–3000 on every seed,
      // the largest drop of ln(test loss) at 500–1500
      ? { statements: { assertion: 'fails' }, why: 'on polynomial regression the mask changes most well after the test loss has dropped, not while it drops' }
      : setting === 'mlp-parity'
      // measured 2026-12-02 (150 epochs, δt 10; mlp-parity trains the same runs at ci and paper
      // scale): Pearson r(JD, Δacc) = −0.34. Only 640 of the 5376 prunable weights touch the 3
      // relevant bits (W1's 3 rows, and W2), so 40 % keeps ~1500 others, which weight decay shrinks
      // toward 0 after generalisation: their order, and so the mask, keeps changing
      ? {
          statements: { assertion: 'fails' },
          why: 'the parity MLP\'s mask changes most after generalisation, while its test accuracy jumps early: few of its prunable weights touch the relevant bits, so the mask keeps many others, which weight decay shrinks toward zero after generalisation; their order, and so the mask, keeps changing',
        }
      : null,

  async decide({ scale, setting, runAll, base }) {
    const byLoss = tasks.get(setting.task).milestone.metric === 'loss';
    // the improvement of the test metric over an interval: accuracy rise, or loss drop
    const jump = byLoss ? 'test-loss drop' : 'test-accuracy jump';
    const series = byLoss ? 'test-loss drop (−Δ ln loss)' : 'Δ test accuracy';
    const short = byLoss ? '−Δln loss' : 'Δacc';
    const dense = await runAll(scale.seeds.map((seed) => ({ config: denseRun(base(seed)), label: `dense seed ${seed}` })));
    const layout = layoutOf(dense[0].config);
    const { dt, step, windows, radius, p0 } = windowsOf(scale, setting.name);
    const rows: Record<string, unknown>[] = [];
    const seedRows: (string | number | null)[][] = [];
    const jdAll: number[] = [];
    const dAccAll: number[] = [];
    let hits = 0;
    let K = 0;
    for (const run of dense) {
      const epochs = [...new Set(windows.flatMap((w) => [w.epoch, w.next]))];
      const masks = new Map(await Promise.all(epochs.map(async (epoch) => [epoch, magnitudeLayoutMask(layout, await snapshot(run, epoch), KEEP)] as const)));
      const jd = windows.map((w) => successiveJaccard(layout, [{ epoch: w.epoch, mask: masks.get(w.epoch)! }, { epoch: w.next, mask: masks.get(w.next)! }])[0]);
      const accAt = (t: number) => run.log.testAcc[run.log.epochs.indexOf(t)];
      const lossAt = (t: number) => run.log.testLoss[run.log.epochs.indexOf(t)];
      // a loss falls over orders of magnitude (from the init's error to the generalised floor), so
      // its drop is taken on a log scale: otherwise the first interval after memorisation, where
      // the loss is still large, always holds the largest absolute drop
      const dAcc = jd.map((r) => (byLoss ? Math.log(lossAt(r.epoch) / lossAt(r.next)) : accAt(r.next) - accAt(r.epoch)));
      K = jd.length;
      const iJd = jd.reduce((b, r, i) => (r.overall > jd[b].overall ? i : b), 0);
      const iAcc = dAcc.reduce((b, d, i) => (d > dAcc[b] ? i : b), 0);
      const hit = Math.abs(iJd - iAcc) <= radius;
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
    const test = binomialTest(hits, dense.length, p0, 'greater');
    // too few intervals (tiny runs) leave the correlation undefined rather than crashing the claim
    const corr = jdAll.length >= 4 ? correlationTest(jdAll, dAccAll, 'greater') : { r: Number.NaN, pValue: Number.NaN };
    const passed = test.pValue <= ALPHA;
    return {
      passed,
      reason: `peak JD within δt of the ${jump} in ${hits}/${dense.length} seeds (chance ≤ ${p0.toFixed(3)} each, K = ${K} windows of δt = ${dt} epochs, one every ${step}): binomial p = ${test.pValue.toPrecision(3)} (need ≤ ${ALPHA}); Pearson r(JD, ${short}) = ${corr.r.toFixed(2)}`,
      statistics: [
        { name: `seeds whose JD peak is at the ${jump} (±δt)`, value: hits, pValue: test.pValue, detail: `one-sided binomial, p0 = ${2 * radius + 1}/K = ${p0.toFixed(3)}`, role: 'test' },
        // too few windows leave r and its p-value undefined: shown as "—", and no p-value is claimed
        { name: `Pearson r between JD and ${series} (pooled windows)`, value: corr.r, ...(Number.isFinite(corr.pValue) ? { pValue: corr.pValue } : {}), detail: `n = ${jdAll.length}, one-sided${radius > 1 ? '; overlapping windows are not independent, so this p-value is optimistic and the interval too narrow' : ''}`, role: 'effect', ...('interval' in corr ? { interval: { ...corr.interval, method: `${corr.interval.method} pooled windows` } } : {}) },
        { name: 'random-mask reference JD at keep 0.4', value: expectedRandomJaccard(KEEP) },
      ],
      seedTable: { columns: ['seed', 'peak JD interval', 'peak JD', `largest ${short} interval`, `largest ${short}`, 'hit'], rows: seedRows },
      figures: [
        {
          id: 'jaccard', title: `Jaccard distance between the masks at t and t + δt (δt = ${dt}) and the change of test ${byLoss ? 'loss' : 'accuracy'} (cf. ${byLoss ? 'Fig. 14a' : 'Fig. 7'})`, kind: 'curves',
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
        horizonRuleExempt('no grokking ticket and no t_gen: the claim locates the largest test-metric rise within the horizon on every seed, generalised or not, and its chance of a hit, (2r + 1)/K, holds for any run; one seed extended to 3× the horizon would have more windows than the others and break the common K'),
        { item: 'epoch order', choice: 'windows in epoch order (the authors\' unsorted glob is a latent bug, spec §13.8)' },
        { item: 'δt', choice: dt === PAPER_DT ? `${dt} epochs, as the paper (§5.1)${step < dt ? `, windows every ${step} epochs (overlapping)` : ''}; windows start at δt, as the authors' first mask` : `${dt} epochs, the snapshot spacing (${scale.pipelineOnly ? 'smoke proves the pipeline only' : 'the paper gives no δt for Fig. 14'}); windows start at δt, as the authors' first mask` },
        { item: 'hit', choice: `the peak-JD window starts within δt of the largest-${short} window (r = ${radius} window${radius > 1 ? 's' : ''}); chance under a random peak ≤ (2r + 1)/K` },
      ],
    };
  },
});
