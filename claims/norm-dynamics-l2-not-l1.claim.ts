import { normMatchedJobs } from '../src/claims/arms.ts';
import { defineClaim } from '../src/claims/define.ts';
import { seedInterval } from '../src/claims/effects.ts';
import { metricCurves } from '../src/claims/figures.ts';
import { denseRuns, denseStatusCell, EXTENSION_FACTOR, horizonRuleChoice, neverGeneralised, neverGeneralisedReason } from '../src/claims/horizon.ts';
import type { Scale } from '../src/config/scale.ts';
import type { FigureInput } from '../src/report/types.ts';
import type { RunResult } from '../src/runs/execute.ts';
import { holm } from '../src/stats/holm.ts';
import { pairedTTest, pairedWilcoxon } from '../src/stats/paired.ts';

/**
 * Issue 11 item 8 (paper §4.1, Fig. 6; Fig. 10 with three seeds): the base model, the grokking
 * ticket and the two norm-matched dense models end at similar L2 norms but different L1 norms,
 * the ticket's L1 smaller.
 *
 * Norms: the authors' logged quantities (spec §3.4), the mean over the four matrices of per-layer
 * norms of the weights the network uses (θ⊙m; for dense runs θ), at each run's last logged epoch.
 * The runs are the norm-matched-dense-does-not claim's (same configs, so free where it has run).
 *
 * "Similar" and "different". The stored paper is text only, so Fig. 6's values cannot be read off;
 * its words set the criterion: L2 "all models appear to converge to a similar solution", L1 "the
 * final convergence points … vary for each model", "similar L2 norms but smaller L1 norms". We use
 * one tolerance for both words, so the claim is a contrast at a single scale: within ±10 % of the
 * base model's final norm is similar, beyond it different. 10 % is ours. Before choosing it we had
 * seen base vs ticket at ci (final L2 1.8–5.5 % apart, the ticket's L1 23–30 % below the base's, seeds 0–4), not the
 * controls at a converged horizon, which nobody has measured here.
 *
 * The controls train the base model's horizon at every scale (at ci they were claim 2's 3000-epoch
 * runs, whose norms had not converged); they are the runs norm-matched-not-faster-than-base trains.
 *
 * The paper's models are in the "generalized zone", and the ticket is cut from the final dense
 * checkpoint: under the horizon rule (src/claims/horizon.ts) a dense run not generalised by the
 * horizon is trained on to 3× it and used (its final norms, its ticket, its controls trained as
 * long as it, as in norm-matched-not-faster-than-base); one that never generalises fails the claim.
 */
const KEEP = 0.4;
const ALPHA = 0.05;
const TOLERANCE = 0.1;
const LOG_TOL = Math.log(1 + TOLERANCE);


const undecidable = (scale: Scale) =>
  scale.name === 'smoke' ? `smoke scale trains ${scale.epochs} epochs: no grokking ticket exists yet` : null;

function test(x: number[], mu: number, alternative: 'less' | 'greater'): number {
  try {
    return pairedTTest(x, x.map(() => mu), { alternative }).pValue;
  } catch {
    // every value equal: no variance for t; the signed-rank test on x − μ needs none
    return pairedWilcoxon(x, x.map(() => mu), { alternative }).pValue;
  }
}

const last = (r: RunResult, field: 'l1Mask' | 'l2Mask') => r.log[field][r.log[field].length - 1];

export default defineClaim({
  id: 'norm-dynamics-l2-not-l1',
  title: 'Base, ticket and norm-matched models end at similar L2 but different L1 norms',
  paperQuote:
    'From the perspective of the L2 norm, all models appear to converge to a similar solution (Generalized zone). However, from the perspective of L1 norms, they converge to different values. […] This phenomenon of having similar L2 norms but smaller L1 norms suggests that good subnetwork (grokking ticket) weights become stronger',
  paperRef: '§4.1, Fig. 6, Fig. 10',
  paper: { section: '§4.1', order: 6 },
  assertion:
    `Final norms (mean of per-layer norms of the used weights, spec §3.4) relative to the base model's, per seed, for the ticket (keep ${KEEP}) and the L1- and L2-matched dense models: (1) L2 similar: mean |ln(L2 / L2_base)| < ln ${1 + TOLERANCE} (within ±${100 * TOLERANCE} %), one-sided t-test; (2) L1 different: mean |ln(L1 / L1_base)| > ln ${1 + TOLERANCE}, one-sided t-test, for the ticket signed (its L1 smaller). All six tests Holm-corrected, each p ≤ ${ALPHA}. A dense run that has not generalised by the horizon is trained on to ${EXTENSION_FACTOR}× it and used if it generalises by then (the horizon rule); one that never does fails the claim.`,
  undecidable,
  // measured at ci on the native engine (2026-12-07) and at paper scale on tfjs-wasm (2026-12-02)
  expectedFailure: (scale) =>
    scale.name === 'ci'
      ? { statements: { assertion: 'fails' }, why: 'the ticket parts hold, but the norm-matched dense models end with a sum of absolute weights as close to the base model\'s as their Euclidean norm is, so the different-norm statements are not shown for them' }
      : null,

  async decide({ scale, runAll, base, ticket: ticketOf }) {
    const denseSeeds = await denseRuns(runAll, base, scale.seeds);
    const dense = denseSeeds.runs;
    const jobs = dense.flatMap((d, i) => [
      { config: ticketOf(d.config, KEEP), label: `ticket seed ${scale.seeds[i]}` },
      ...normMatchedJobs(d.config, KEEP, scale.seeds[i]),
    ]);
    const out = await runAll(jobs);
    const others = [
      { name: `ticket (keep ${KEEP})`, runs: out.filter((_, i) => i % 3 === 0), signed: true },
      { name: 'L1-matched dense', runs: out.filter((_, i) => i % 3 === 1), signed: false },
      { name: 'L2-matched dense', runs: out.filter((_, i) => i % 3 === 2), signed: false },
    ];
    const fmtP = (p: number) => (p < 1e-4 ? p.toExponential(1) : p.toPrecision(2));
    const pct = (g: number) => `${(100 * (Math.exp(g) - 1)).toFixed(1)} %`;

    const tests = others.flatMap((arm) => {
      const l2 = arm.runs.map((r, i) => Math.abs(Math.log(last(r, 'l2Mask') / last(dense[i], 'l2Mask'))));
      // the ticket's L1 must be smaller (the paper's words); a control's only different
      const l1 = arm.runs.map((r, i) => {
        const g = Math.log(last(dense[i], 'l1Mask') / last(r, 'l1Mask'));
        return arm.signed ? g : Math.abs(g);
      });
      const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
      return [
        { arm: arm.name, norm: 'L2', want: 'similar', gaps: l2, mean: mean(l2), p: test(l2, LOG_TOL, 'less'), ok: mean(l2) < LOG_TOL },
        { arm: arm.name, norm: 'L1', want: arm.signed ? 'smaller' : 'different', gaps: l1, mean: mean(l1), p: test(l1, LOG_TOL, 'greater'), ok: mean(l1) > LOG_TOL },
      ];
    });
    const pHolm = holm(tests.map((t) => t.p));
    const never = neverGeneralised(denseSeeds);
    const passed = never.length === 0 && tests.every((t, i) => t.ok && pHolm[i] <= ALPHA);
    const reason = `${never.length ? `${neverGeneralisedReason(denseSeeds, 'those base models never reached the generalised zone and their final checkpoints are not grokking tickets')}; ` : ''}${tests.map((t, i) => `${t.arm} ${t.norm} ${t.want}: mean gap ${pct(t.mean)} (per seed ${t.gaps.map(pct).join(', ')}), Holm p = ${fmtP(pHolm[i])}`).join('; ')} (tolerance ±${100 * TOLERANCE} %, need every Holm p ≤ ${ALPHA})`;

    const arms = [{ name: 'dense (base)', runs: dense }, ...others];
    const ratioFigure = (norm: 'l1Mask' | 'l2Mask', label: string): FigureInput => ({
      id: `final-${label.toLowerCase()}`, kind: 'paired',
      title: `Final ${label} norm relative to the base model's, per seed`,
      caption: `The assertion wants every arm's ${label} ratio ${label === 'L2' ? 'within' : 'beyond'} ${(1 / (1 + TOLERANCE)).toFixed(3)} … ${1 + TOLERANCE} (±${100 * TOLERANCE} % on the log scale)${label === 'L1' ? ', the ticket\'s below it' : ''}.`,
      data: others.flatMap((arm) => arm.runs.map((r, i) => ({ arm: arm.name, seed: scale.seeds[i], value: last(r, norm) / last(dense[i], norm), censored: false }))),
      encoding: { x: 'arm', y: 'value', detail: 'seed', yTitle: `${label} / ${label} of the base model`, yScale: 'log' },
    });
    return {
      passed,
      reason,
      statistics: tests.map((t, i) => ({
        name: `${t.arm}: mean ${t.norm === 'L2' ? '|ln(L2 / L2_base)|' : t.want === 'smaller' ? 'ln(L1_base / L1)' : '|ln(L1 / L1_base)|'} (${t.want})`,
        value: t.mean, pValue: pHolm[i], role: 'both' as const, ...seedInterval(t.gaps),
        detail: `one-sided t-test against ln ${1 + TOLERANCE} = ${LOG_TOL.toFixed(4)} (${t.want === 'similar' ? 'below' : 'above'}), Holm-adjusted over 6 (raw ${fmtP(t.p)})`,
      })),
      seedTable: {
        columns: ['seed', 'dense run', ...arms.flatMap((a) => [`L2 ${a.name}`, `L1 ${a.name}`]), 'final epochs (base, ticket, controls)'],
        rows: scale.seeds.map((s, i) => [
          s, denseStatusCell(denseSeeds, i), ...arms.flatMap((a) => [Number(last(a.runs[i], 'l2Mask').toFixed(3)), Number(last(a.runs[i], 'l1Mask').toFixed(1))]),
          `${dense[i].config.epochs}, ${others[0].runs[i].config.epochs}, ${others[1].runs[i].config.epochs}`,
        ]),
      },
      figures: [
        metricCurves('l2', 'L2 norm dynamics (mean of per-layer norms of the used weights; cf. Fig. 6 left)', arms, 'l2Mask', { yTitle: 'L2 norm' }),
        metricCurves('l1', 'L1 norm dynamics (cf. Fig. 6 right)', arms, 'l1Mask', { yTitle: 'L1 norm', yScale: 'log' }),
        ratioFigure('l2Mask', 'L2'),
        ratioFigure('l1Mask', 'L1'),
      ],
      choices: [
        { item: 'norms', choice: 'the authors\' logged mean of per-layer norms (spec §3.4) of the weights the network uses (θ⊙m for the ticket: the pruned weights only decay and take no part)' },
        { item: 'final value', choice: `the last logged epoch of each run; the norm-matched controls train the base model's horizon (${denseSeeds.horizon} epochs; an extended base's, ${denseSeeds.cap}: the runs norm-matched-not-faster-than-base uses), the ticket the scale's ticket horizon (${others[0].runs[0].config.epochs} epochs)` },
        horizonRuleChoice(denseSeeds),
        { item: 'similar / different', choice: `one tolerance, ±${100 * TOLERANCE} % of the base model's final norm (ours: the paper's Fig. 6 gives no numbers in its text)` },
        { item: 'norm ratio', choice: 'paper: global ‖θ0⊙m‖_p / ‖θ0‖_p, as in norm-matched-dense-does-not' },
      ],
    };
  },
});
