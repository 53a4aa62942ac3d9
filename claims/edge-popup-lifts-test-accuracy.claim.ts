import { defineClaim } from '../src/claims/define.ts';
import { seedInterval } from '../src/claims/effects.ts';
import { horizonRuleExempt } from '../src/claims/horizon.ts';
import type { Statement } from '../src/claims/statements.ts';
import { accuracyCurves, pairedMilestone } from '../src/claims/figures.ts';
import { denseRun, derivedRun, type RunConfig } from '../src/config/schema.ts';
import type { RunResult } from '../src/runs/execute.ts';
import { pairedRatios } from '../src/stats/censored.ts';
import { pairedTTest, pairedWilcoxon } from '../src/stats/paired.ts';
import { mean, median, std } from '../src/stats/summary.ts';

/**
 * Claim 5 (paper §5.2, Table 1): from a memorising network θ_mem, (a) edge-popup alone — learning
 * which 40 % of each layer's weights to use, weights frozen — reaches generalising test accuracy,
 * and (b) edge-popup with weight updates generalises fastest, faster than weight decay alone.
 *
 * Table 1's setup at every scale (spec §7.2–7.3): frac_train 0.5 (config_slth) and θ_mem = epoch
 * 1000 of a dense run (`--weight_init_path …/1000.pth`), trained with the base model's optimiser
 * (AdamW lr 1e-3, WD 1; spec §7.3: train accuracy 1, test 0.067 at epoch 1000). Where the scale's
 * dense run is that run (ci: frac 0.5, a snapshot at 1000) it is reused; otherwise (smoke: 40
 * epochs; paper: frac 0.4) a dedicated frac-0.5 run trains 1000 epochs (paper scale: 5 × 1000
 * epochs at ~4.5 ms, ~25 s on 2 cores; smoke: 2 × 1000, ~10 s). Arms continue from θ_mem for 2000
 * epochs (Table 1 reads 600, 1000, 1400, 2000):
 *   WD        dense training continued, AdamW WD 1 at lr 0.01 (the row; lr 1e-3 shown beside it)
 *   EP w/o WD scores only (AdamW lr 0.01, WD 1 on the scores, as the authors' scripts); weights frozen
 *   EP w/ WD  scores and weights
 * Scores start random (kaiming-uniform), so at step 0 θ_mem is multiplied by a random 40 % mask,
 * as in the authors' code. Split: θ_mem's own for every seed (the authors re-split seeds 1 and 2,
 * spec §7.4: a leak).
 *
 * The WD row's learning rate. The paper says "same as base model" (lr 1e-3); the authors' WD arm
 * is `--weight_learning` of the same train_slth.py whose every script passes `-l 0.01` (spec §7.2),
 * and the row's numbers fit only lr 0.01: continuing at lr 1e-3 is the base run itself, whose test
 * accuracy 1000 epochs after θ_mem is 0.28 in the authors' own frac-0.5 run (spec §14) and
 * 0.06 ± 0.03 in ours, against the row's 0.95 ± 0.03. So the verdict uses lr 0.01.
 *
 * The bar for "generalizing performance": the paper's EP w/o WD reaches 0.92 ± 0.06 (3 seeds) at
 * 2000 epochs and calls that generalising. 0.80 = 0.92 − 2 × 0.06, the lower edge of the paper's
 * own spread; below it a run is not in the paper's range. The project's t_gen threshold (95 %) is
 * above the paper's own value, so it cannot be the bar. "Faster generalization" is t_gen (first
 * test accuracy ≥ 95 % after θ_mem), censored = slowest. The claim holds when all three tests do
 * (an intersection of tests: no multiplicity correction).
 */
const KEEP = 0.4;
/** config_slth's split (spec §7.2, §12.9). */
const FRAC = 0.5;
/** θ_mem: the authors' `…/1000.pth` (spec §7.2–7.3). */
const MEM_EPOCH = 1000;
const EP_EPOCHS = 2000;
const TABLE_EPOCHS = [600, 1000, 1400, 2000];
/** Paper EP w/o WD at 2000 epochs: 0.92 ± 0.06, minus two standard deviations. */
const BAR = 0.8;
const ALPHA = 0.05;
/** The learning rate of Table 1's WD row (see above), and the other one, shown beside it. */
const WD_LR = 0.01;
const WD_LR_OTHER = 1e-3;
const EP_OPTIM = { lr: 0.01, weightDecay: 1 };
/** Tiny test runs shorten every arm; at ci and paper scale the control horizon exceeds 2000. */
const epEpochs = (controlEpochs: number) => Math.min(EP_EPOCHS, controlEpochs);

/** The dense run θ_mem comes from: the scale's own when it is Table 1's, else a dedicated one. */
function memorisingBase(dense: RunConfig): RunConfig {
  const frac = (dense.data as { fracTrain?: number }).fracTrain;
  if (frac === FRAC && dense.epochs >= MEM_EPOCH && MEM_EPOCH % dense.snapshotEvery === 0) return dense;
  return denseRun({ ...dense, data: { ...dense.data, fracTrain: FRAC }, epochs: MEM_EPOCH, snapshotEvery: MEM_EPOCH });
}

const accAt = (r: RunResult, epoch: number) => {
  const i = r.log.epochs.indexOf(epoch);
  return i >= 0 ? r.log.testAcc[i] : null;
};

/** One-sided test that x exceeds y on average; equal differences have no variance to test. */
function tGreater(x: number[], y: number[]): number {
  try {
    return pairedTTest(x, y, { alternative: 'greater' }).pValue;
  } catch {
    return x.every((v, i) => v > y[i]) ? 0 : 1;
  }
}

export default defineClaim({
  id: 'edge-popup-lifts-test-accuracy',
  title: 'Edge-popup alone (weights frozen) makes a memorising network generalise; with weight updates it generalises fastest',
  paperQuote:
    'In Table 1, the result in EP w/o WD shows the network exhibits a generalizing performance (0.92) without any change in weights (merely by pruning weights). Additionally, the EP w/ WD result shows the fastest improvement in test accuracy and is the most effective in promoting generalization. [Table 1 caption:] Combining pruning with weight decay in EP w/ WD results in faster generalization than weight decay alone.',
  paperRef: '§5.2, Table 1',
  paper: { section: '§5.2', order: 10 },
  assertion: `From θ_mem (epoch ${MEM_EPOCH} of a frac-${FRAC} dense run; train accuracy > 0.95, test < 0.5 on every seed), three tests, all with p ≤ ${ALPHA}: (1) after ${EP_EPOCHS} epochs of edge-popup without weight updates (keep ${KEEP} per layer), mean test accuracy exceeds ${BAR} (the paper's 0.92 − 2 × 0.06): one-sided t-test; (2) EP w/ WD reaches 95 % test accuracy sooner than WD (AdamW lr ${WD_LR}, WD 1, Table 1's row) and (3) sooner than EP w/o WD: one-sided Wilcoxon signed-rank tests on t_gen, paired over seeds, censored = slowest.`,
  undecidable: (scale) => (scale.name === 'smoke' ? `smoke scale trains its arms ${epEpochs(scale.controlEpochs)} epochs from θ_mem: nothing can generalise in that time` : null),
  // Implementation checked against spec §7: per-layer top-k of |s| (exactly k kept), straight-through
  // gradient sign(s)·W·∂L/∂w_eff, one AdamW over scores (and weights), weights frozen and undecayed
  // in EP w/o WD, θ_mem loaded unrewound, scores kaiming-uniform. At ci (the reference report has
  // the numbers) none of the three statements holds; against WD at lr 1e-3, which never reaches
  // 95 %, (2) would. Not assumed at paper scale.
  expectedFailure: (scale) => (scale.name === 'ci'
    ? {
        // on the native engine (2026-12-07) EP w/ WD beats EP w/o WD on every seed (on tfjs-wasm only 3
        // pairs differed, too few for the test): that statement holds now, the other two still fail
        statements: { 'frozen-weights-generalise': 'fails', 'ep-with-wd-beats-wd': 'fails' },
        why: `at ci, edge-popup with frozen weights lifts test accuracy from θ_mem but stays below the ${BAR} bar on average; EP w/ WD generalises later than plain WD at lr ${WD_LR}, though it does beat EP w/o WD. θ_mem is expected to be a memorising solution`,
      }
    : null),

  async decide({ scale, runAll, base }) {
    const scaleDense = scale.seeds.map((seed) => denseRun(base(seed)));
    const memBases = scaleDense.map(memorisingBase);
    const dedicated = memBases.some((b, i) => b !== scaleDense[i]);
    const mem = await runAll(memBases.map((config, i) => ({ config, label: `θ_mem base (frac ${FRAC}${dedicated ? `, ${MEM_EPOCH} epochs` : ''}) seed ${scale.seeds[i]}` })));
    const epochs = epEpochs(scale.controlEpochs);
    const from = { fromEpoch: MEM_EPOCH };
    const out = await runAll(mem.flatMap((d) => {
      const s = d.config.data.seed;
      return [
        { config: derivedRun(d.config, { method: 'continue', ...from }, { epochs, optim: { lr: WD_LR } }), label: `WD (lr ${WD_LR}) from θ_mem seed ${s}` },
        { config: derivedRun(d.config, { method: 'continue', ...from }, { epochs, optim: { lr: WD_LR_OTHER } }), label: `WD (lr ${WD_LR_OTHER}) from θ_mem seed ${s}` },
        { config: derivedRun(d.config, { method: 'edgePopup', ...from, keepFraction: KEEP, trainWeights: false, scoreSeed: s }, { epochs, optim: EP_OPTIM }), label: `EP w/o WD seed ${s}` },
        { config: derivedRun(d.config, { method: 'edgePopup', ...from, keepFraction: KEEP, trainWeights: true, scoreSeed: s }, { epochs, optim: EP_OPTIM }), label: `EP w/ WD seed ${s}` },
      ];
    }));
    const arm = (k: number) => out.filter((_, i) => i % 4 === k);
    const [wd, wdOther, epWo, epW] = [arm(0), arm(1), arm(2), arm(3)];
    const arms = [
      { name: `WD (lr ${WD_LR}, Table 1)`, runs: wd },
      { name: `WD (lr ${WD_LR_OTHER})`, runs: wdOther },
      { name: 'EP w/o WD', runs: epWo },
      { name: 'EP w/ WD', runs: epW },
    ];

    const accMem = mem.map((d) => accAt(d, MEM_EPOCH) ?? Number.NaN);
    const trainMem = mem.map((d) => d.log.trainAccEvery[MEM_EPOCH]);
    const memorised = trainMem.every((a) => a > 0.95) && accMem.every((a) => a < 0.5);

    // (1) the weights-frozen arm generalises
    const accEp = epWo.map((r) => r.log.testAcc.at(-1) ?? 0);
    const pBar = tGreater(accEp, accEp.map(() => BAR));
    // (2), (3) EP w/ WD generalises first; the lr-1e-3 WD arm only shown
    const tGen = (runs: RunResult[]) => runs.map((r) => r.milestones.tGen);
    const faster = (other: RunResult[]) => {
      const test = pairedWilcoxon(tGen(epW), tGen(other), { alternative: 'less', censored: 'higher' });
      // t_gen 0 (θ_mem already generalised) has no ratio; the memorisation check fails the claim then
      const ratio = memorised ? median(pairedRatios(tGen(other), tGen(epW))) : Number.NaN;
      return { test, ratio };
    };
    const vsWd = faster(wd);
    const vsWdOther = faster(wdOther);
    const vsEpWo = faster(epWo);
    const checks = [
      { ok: pBar <= ALPHA, p: pBar, what: `EP w/o WD test accuracy ${accEp.map((a) => a.toFixed(2)).join(', ')} after ${epochs} epochs (mean ${mean(accEp).toFixed(2)}; paper 0.92 ± 0.06): t-test of mean > ${BAR} p = ${pBar.toPrecision(3)}` },
      { ok: vsWd.test.pValue <= ALPHA, p: vsWd.test.pValue, what: `t_gen EP w/ WD ${fmtT(tGen(epW))} vs WD (lr ${WD_LR}) ${fmtT(tGen(wd))}: Wilcoxon p = ${vsWd.test.pValue.toPrecision(3)}` },
      { ok: vsEpWo.test.pValue <= ALPHA, p: vsEpWo.test.pValue, what: `vs EP w/o WD ${fmtT(tGen(epWo))}: Wilcoxon p = ${vsEpWo.test.pValue.toPrecision(3)}` },
    ];
    const decided = (c: (typeof checks)[number]) => ({ state: c.ok ? 'holds' as const : 'fails' as const, value: c.p, pValue: c.p, detail: c.what });
    const statements: Statement[] = [
      {
        id: 'theta-mem-memorises', name: `θ_mem (epoch ${MEM_EPOCH}) is a memorising solution on every seed`, state: memorised ? 'holds' : 'fails', value: mean(accMem),
        detail: `train acc ${trainMem.map((a) => a.toFixed(2)).join(', ')}, test acc ${accMem.map((a) => a.toFixed(2)).join(', ')}`,
      },
      { id: 'frozen-weights-generalise', name: `(1) EP w/o WD reaches mean test accuracy > ${BAR}`, ...decided(checks[0]) },
      { id: 'ep-with-wd-beats-wd', name: `(2) EP w/ WD generalises sooner than WD (lr ${WD_LR})`, ...decided(checks[1]) },
      { id: 'ep-with-wd-beats-ep', name: '(3) EP w/ WD generalises sooner than EP w/o WD', ...decided(checks[2]) },
    ];
    const cell = (xs: (number | null)[]) => {
      const v = xs.filter((x): x is number => x !== null);
      return v.length ? `${mean(v).toFixed(2)} ± ${(v.length > 1 ? std(v) : 0).toFixed(2)}` : '—';
    };
    const fails = checks.filter((c) => !c.ok).length;
    return {
      statements,
      reason: !memorised
        ? `θ_mem (epoch ${MEM_EPOCH}) is not a memorising solution on every seed (train acc ${trainMem.map((a) => a.toFixed(2)).join(', ')}, test acc ${accMem.map((a) => a.toFixed(2)).join(', ')})`
        : `${fails ? `${fails} of 3 statements not reproduced. ` : ''}θ_mem test accuracy ${accMem.map((a) => a.toFixed(2)).join(', ')}. ${checks.map((c, i) => `(${i + 1}) ${c.ok ? 'holds' : 'FAILS'}: ${c.what}`).join('; ')} (need each ≤ ${ALPHA}). Shown only: vs WD at lr ${WD_LR_OTHER} ${fmtT(tGen(wdOther))}, Wilcoxon p = ${vsWdOther.test.pValue.toPrecision(3)}`,
      statistics: [
        { name: `(1) mean test accuracy of EP w/o WD after ${epochs} epochs (bar ${BAR})`, value: mean(accEp), pValue: pBar, detail: `one-sided t-test of mean > ${BAR}; paper 0.92 ± 0.06`, role: 'both', ...seedInterval(accEp) },
        { name: `(2) median t_gen ratio WD (lr ${WD_LR}) / EP w/ WD`, value: vsWd.ratio, pValue: vsWd.test.pValue, detail: `one-sided Wilcoxon on t_gen (EP w/ WD sooner), censored = slowest, ${vsWd.test.method}`, role: 'test' },
        { name: '(3) median t_gen ratio EP w/o WD / EP w/ WD', value: vsEpWo.ratio, pValue: vsEpWo.test.pValue, detail: `one-sided Wilcoxon on t_gen (EP w/ WD sooner), censored = slowest, ${vsEpWo.test.method}`, role: 'test' },
        { name: `shown only: median t_gen ratio WD (lr ${WD_LR_OTHER}) / EP w/ WD`, value: vsWdOther.ratio, pValue: vsWdOther.test.pValue, detail: 'the other learning rate of the WD arm; not part of the verdict' },
        { name: 'mean θ_mem test accuracy', value: mean(accMem) },
      ],
      seedTable: {
        columns: ['arm (Table 1)', ...TABLE_EPOCHS.map((e) => `epoch ${e}`), 't_gen per seed'],
        rows: [
          ['θ_mem (start)', ...TABLE_EPOCHS.map(() => cell(accMem)), '—'],
          ...arms.map((a) => [a.name, ...TABLE_EPOCHS.map((e) => cell(a.runs.map((r) => accAt(r, e)))), fmtT(tGen(a.runs))]),
          ['paper WD', '0.53 ± 0.31', '0.95 ± 0.03', '1.00 ± 0.00', '1.00 ± 0.00', '—'],
          ['paper EP w/o WD', '0.68 ± 0.19', '0.80 ± 0.17', '0.84 ± 0.16', '0.92 ± 0.06', '—'],
          ['paper EP w/ WD', '0.82 ± 0.04', '0.96 ± 0.01', '0.99 ± 0.00', '1.00 ± 0.00', '—'],
        ],
      },
      figures: [
        accuracyCurves('accuracy', 'From a memorising network: weight decay vs edge-popup (cf. Table 1)', arms, `θ_mem = epoch ${MEM_EPOCH} of a frac-${FRAC} dense run; epochs counted from θ_mem. One line per seed.`),
        pairedMilestone('tgen', 't_gen from θ_mem per seed (first epoch with test accuracy ≥ 95 %)', arms.map((a) => ({ name: a.name, values: tGen(a.runs), seeds: scale.seeds })), { yTitle: 't_gen (epochs after θ_mem)', horizon: epochs, yScale: 'linear', caption: `A run that never reaches 95 % is drawn at the horizon (${epochs}).` }),
      ],
      choices: [
        { item: 'θ_mem', choice: `epoch ${MEM_EPOCH} of a dense run at frac_train ${FRAC}, AdamW lr 1e-3, WD 1 (the authors' …/1000.pth, config_slth's split): ${!dedicated ? 'the scale\'s own dense run' : `a dedicated ${MEM_EPOCH}-epoch run (the scale's dense run is not at frac ${FRAC} with a snapshot at ${MEM_EPOCH})`}` },
        horizonRuleExempt(`the dense run is read at epoch ${MEM_EPOCH}, where it has memorised and not generalised (θ_mem); nothing here needs it to generalise`),
        { item: 'split', choice: 'θ_mem\'s own split for every seed (the authors\' seeds 1 and 2 re-split, leaking training pairs into the test set)' },
        { item: 'edge-popup', choice: 'per-layer top-k of |scores| (keep 0.4), straight-through gradient, AdamW lr 0.01 and WD 1 on the scores (the authors\' scripts); scores start kaiming-uniform' },
        { item: 'WD arm', choice: `dense training continued from θ_mem, AdamW WD 1 at lr ${WD_LR}: the authors' train_slth.py scripts all pass -l 0.01, and only that fits the row (0.95 at epoch 1000; at lr ${WD_LR_OTHER}, the base run's own optimiser and the paper's words "same as base model", the continuation is the base run, at 0.28 1000 epochs after θ_mem in the authors' frac-0.5 run, spec §14); lr ${WD_LR_OTHER} is shown beside it` },
        { item: 'bar for "generalizing performance"', choice: `${BAR} = the paper's 0.92 − 2 × 0.06 (EP w/o WD at 2000 epochs, 3 seeds); the 95 % t_gen threshold is above the paper's own value` },
      ],
    };
  },
});

function fmtT(ts: (number | null)[]): string {
  return ts.map((t) => (t === null ? 'never' : String(t))).join(', ');
}
