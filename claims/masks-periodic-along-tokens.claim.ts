import { rowPeriodicity, torchRows, type RowPeriodicity } from '../src/analysis/mask-periodicity.ts';
import { paiJobs } from '../src/claims/arms.ts';
import { seedInterval } from '../src/claims/effects.ts';
import { defineClaim } from '../src/claims/define.ts';
import { denseGeneralisedStatement, denseRuns, denseStatusCell, EXTENSION_FACTOR, horizonRuleChoice } from '../src/claims/horizon.ts';
import type { Statement } from '../src/claims/statements.ts';
import type { Scale } from '../src/config/scale.ts';
import { PAI_METHODS } from '../src/prune/scores.ts';
import { maskRuns } from '../src/report/spec-mask.ts';
import type { FigureInput } from '../src/report/types.ts';
import { layoutOf, runMask, snapshot, type RunResult } from '../src/runs/execute.ts';
import { holm } from '../src/stats/holm.ts';
import { binomialTest, pairedTTest } from '../src/stats/paired.ts';

/**
 * Issue 11 item 9 (paper App. K, Fig. 20, 21): the grokking ticket's masks are periodic along the
 * token axis, the pruning-at-initialisation masks are not.
 *
 * Only W_E and W_U have a token axis (torch [d_emb, p]: a row is one embedding dimension over the
 * 67 tokens); W_in and W_out connect embedding and hidden units. A row is "periodic" when the
 * Shannon entropy of its amplitude spectrum (the paper's Fourier entropy, App. F, of one row) is
 * lower than for 95 % of random reorderings of the same 0/1 entries (49 seeded shuffles, p ≤ 0.05):
 * the shuffles keep the row's density, so a sparse row is not mistaken for a periodic one, and a
 * row of a random mask is "periodic" 5 % of the time by construction.
 *
 * Why "most rows": the paper shows the masks as whole matrices whose pattern "align[s] with these
 * periodic characteristics" of the weights, and the weights they are cut from pass that test on
 * every row (measured at ci: 1000/1000 rows of W_E and W_U of the trained dense model, seed 0). A
 * mask whose rows are mostly indistinguishable from shuffled ones does not show the weights'
 * periodicity, whatever a pooled statistic can detect. Threshold: more than half the rows.
 *
 * The runs are the pai-masks-do-not claim's (ticket and PaI masks at keep 0.4, scored at θ0), so
 * the claim trains nothing of its own; its analysis costs ~0.6 s per mask (25 masks at ci). Like
 * them it follows the horizon rule (src/claims/horizon.ts): the grokking ticket needs a dense run
 * that generalised, so one not generalised by the horizon is trained on to 3× it and the ticket cut
 * from its end; one that never generalises fails the statement that every dense run did.
 *
 * Measured at ci (2026-12-02, before this claim was written, seeds 0–4): the tickets' masks have
 * 8.8–25.1 % periodic rows (mean row entropy 3.29–3.32 vs 3.328 for their shuffles); the PaI masks
 * 3.1–5.9 % (the chance rate is 5 %); the trained weights 100 %. The magnitude threshold of rows
 * that mix the model's five or so key frequencies (4, 5, 10, 17, 30 on seed 0) is a 0/1 pattern
 * whose spectrum is nearly flat: the periodicity is in the weights, not visibly in the mask.
 */
const KEEP = 0.4;
const ALPHA = 0.05;
const MAJORITY = 0.5;
const SHUFFLES = 49;
const TOKEN_LAYERS = ['W_E', 'W_U'] as const;
/** Rows drawn per mask: the first embedding dimensions, unselected. */
const DRAWN_ROWS = 48;

const notAtSmoke = (scale: Scale) => (scale.name === 'smoke' ? `smoke scale trains ${scale.epochs} epochs: no grokking ticket exists yet` : null);

async function periodicity(run: RunResult, values: Float32Array) {
  const layout = layoutOf(run.config);
  const rows = TOKEN_LAYERS.flatMap((name) => torchRows(layout, values, name));
  return rowPeriodicity(rows, { shuffles: SHUFFLES, alpha: ALPHA, seed: `mask-periodicity:${run.key}` });
}

/** Masks drawn like the paper's imshow: one panel per (arm, matrix), seed of the first run. */
function maskFigure(id: string, title: string, panels: { name: string; run: RunResult; mask: Float32Array; layer: string }[]): FigureInput {
  const data = panels.flatMap(({ name, run, mask, layer }) => {
    const rows = torchRows(layoutOf(run.config), mask, layer).slice(0, DRAWN_ROWS);
    const flat = new Float32Array(rows.length * rows[0].length);
    rows.forEach((r, i) => flat.set(r, i * r.length));
    return maskRuns(flat, rows.length, rows[0].length, { panel: name });
  });
  return {
    id, kind: 'mask', data, title: `${title}, seed ${panels[0].run.config.data.seed}`,
    caption: `The first ${DRAWN_ROWS} embedding dimensions (rows, unselected) over the tokens 0 … p−1 (columns), in the authors' orientation [d_emb, p].`,
    encoding: { x: 'start', x2: 'end', y: 'row', facet: 'panel', xTitle: 'token', yTitle: 'embedding dimension' },
  };
}

export default defineClaim({
  id: 'masks-periodic-along-tokens',
  title: 'The grokking ticket\'s masks are periodic along the tokens; PaI masks are not',
  paperQuote:
    'The weight matrices exhibit periodic patterns, reflecting good structure learned during training. Furthermore, the grokking ticket masks align with these periodic characteristics, indicating that the grokking ticket has successfully acquired structures that are beneficial for the task of Modular Addition. […] Unlike the results shown in Figure 20, these methods do not exhibit periodic structures.',
  paperRef: 'App. K, Fig. 20, 21',
  paper: { section: 'App. K', order: 13 },
  assertion:
    `Rows of the W_E and W_U masks over the tokens (1000 rows) are called periodic when their Fourier entropy (Shannon, App. F) is below that of ${SHUFFLES} random reorderings of the same entries at p ≤ ${ALPHA}. (1) More than half of the grokking ticket's rows (keep ${KEEP}) are periodic: one-sided t-test of the per-seed fraction against ${MAJORITY}, p ≤ ${ALPHA}; and (2) for each of random, SNIP, GraSP and SynFlow masks at keep ${KEEP} scored at θ0, the ticket's fraction is larger: one-sided paired t-test over seeds, Holm-corrected over the four, p ≤ ${ALPHA}. Every dense run must generalise, one that has not by the horizon being trained on to ${EXTENSION_FACTOR}× it and its ticket taken from there (the horizon rule).`,
  undecidable: notAtSmoke,
  // reviewed: the row test finds every row of the trained weights periodic and 5 % of random rows
  // (test/analysis/mask-periodicity.test.ts), the masks are the pai-masks-do-not runs' own
  expectedFailure: (scale) => (scale.name === 'ci'
    ? {
        // on the native engine (2026-12-07) the comparison with the PaI masks holds after Holm (on
        // tfjs-wasm it fell just short); the majority statement still fails
        statements: { 'ticket-rows-mostly-periodic': 'fails' },
        why: 'at ci a minority of the tickets\' W_E/W_U mask rows are periodic, while every row of the trained weights they are cut from is (the tickets do have more periodic rows than the PaI masks). Thresholding rows that mix several key frequencies leaves a nearly flat spectrum',
      }
    : null),

  async decide({ scale, runAll, base, ticket: ticketOf }) {
    const denseSeeds = await denseRuns(runAll, base, scale.seeds);
    const dense = denseSeeds.runs;
    const denseGroks = denseGeneralisedStatement(denseSeeds, 'every dense run generalises (its final checkpoint is a grokking ticket)');
    // pai-masks-do-not's jobs, so its runs
    const jobs = dense.flatMap((d, i) => [
      { config: ticketOf(d.config, KEEP), label: `ticket seed ${scale.seeds[i]}` },
      ...paiJobs(denseSeeds.atH[i], KEEP, scale.seeds[i], { epochs: scale.controlEpochs }),
    ]);
    const out = await runAll(jobs);
    const stride = 1 + PAI_METHODS.length;
    const armNames = ['ticket', ...PAI_METHODS] as const;
    const armRuns = armNames.map((_, k) => out.filter((_, i) => i % stride === k));
    const masks = await Promise.all(armRuns.map((runs) => Promise.all(runs.map(async (r) => {
      const m = await runMask(r);
      if (!m) throw new Error(`run ${r.key} (${r.config.derive?.method}) has no mask`);
      return m;
    }))));
    const stats: RowPeriodicity[][] = [];
    for (let k = 0; k < armNames.length; k++) {
      const perSeed: RowPeriodicity[] = [];
      for (let i = 0; i < dense.length; i++) perSeed.push(await periodicity(armRuns[k][i], masks[k][i]));
      stats.push(perSeed);
    }
    const weights: RowPeriodicity[] = [];
    for (const d of dense) weights.push(await periodicity(d, await snapshot(d, 'final')));
    const frac = stats.map((s) => s.map((x) => x.fraction));
    const ticketFrac = frac[0];

    // (1) the ticket's rows are mostly periodic; zero variance (e.g. every seed at 1.0) leaves the
    // t statistic undefined: the exact sign test decides then
    let pMajority: number;
    let majorityTest: string;
    try {
      pMajority = pairedTTest(ticketFrac, ticketFrac.map(() => MAJORITY), { alternative: 'greater' }).pValue;
      majorityTest = 'one-sided t-test against 0.5';
    } catch {
      pMajority = binomialTest(ticketFrac.filter((f) => f > MAJORITY).length, ticketFrac.length, 0.5, 'greater').pValue;
      majorityTest = 'exact sign test (all fractions equal)';
    }
    const meanOf = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const majorityOk = pMajority <= ALPHA && meanOf(ticketFrac) > MAJORITY;

    // (2) more periodic than each PaI mask
    const raw = PAI_METHODS.map((_, j) => {
      const pai = frac[j + 1];
      try {
        return pairedTTest(ticketFrac, pai, { alternative: 'greater' }).pValue;
      } catch {
        return binomialTest(ticketFrac.filter((f, i) => f > pai[i]).length, ticketFrac.length, 0.5, 'greater').pValue;
      }
    });
    const pHolm = holm(raw);
    const diffs = PAI_METHODS.map((_, j) => meanOf(ticketFrac.map((f, i) => f - frac[j + 1][i])));
    const paiOk = pHolm.every((p, j) => p <= ALPHA && diffs[j] > 0);

    const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
    const range = (xs: number[]) => `${pct(Math.min(...xs))}–${pct(Math.max(...xs))}`;
    const fmtP = (p: number) => (p < 1e-4 ? p.toExponential(1) : p.toPrecision(2));
    const reason = [
      ...(denseGroks.state === 'holds' ? [] : [`${denseGroks.name}: ${denseGroks.detail}`]),
      `periodic rows of the ticket's masks ${ticketFrac.map(pct).join(', ')} (mean ${pct(meanOf(ticketFrac))}; need a majority: p = ${fmtP(pMajority)}, ${majorityOk ? 'holds' : 'fails'})`,
      `PaI masks ${PAI_METHODS.map((s, j) => `${s} ${range(frac[j + 1])} (Holm p = ${fmtP(pHolm[j])})`).join(', ')} (${paiOk ? 'the ticket exceeds each' : 'the ticket does not exceed each'})`,
      `the trained weights they are cut from: ${range(weights.map((w) => w.fraction))}`,
    ].join('; ');

    const pairedData = [
      ...weights.map((w, i) => ({ arm: 'trained weights (reference)', seed: scale.seeds[i], value: w.fraction, censored: false })),
      ...armNames.flatMap((name, k) => frac[k].map((f, i) => ({ arm: name === 'ticket' ? `ticket (keep ${KEEP})` : name, seed: scale.seeds[i], value: f, censored: false }))),
    ];
    const ticketPanels = TOKEN_LAYERS.map((layer) => ({ name: `ticket · ${layer}`, run: armRuns[0][0], mask: masks[0][0], layer }));
    const paiPanels = PAI_METHODS.map((name, j) => ({ name: `${name} · W_E`, run: armRuns[j + 1][0], mask: masks[j + 1][0], layer: 'W_E' }));
    const statements: Statement[] = [
      denseGroks,
      { id: 'ticket-rows-mostly-periodic', name: `more than ${MAJORITY} of the ticket's mask rows are periodic`, state: majorityOk ? 'holds' : 'fails', value: meanOf(ticketFrac), pValue: pMajority, detail: `mean ${pct(meanOf(ticketFrac))}; ${majorityTest} p = ${fmtP(pMajority)}` },
      { id: 'ticket-more-periodic-than-pai', name: 'the ticket\'s masks have more periodic rows than each PaI method\'s', state: paiOk ? 'holds' : 'fails', value: Math.max(...pHolm), pValue: Math.max(...pHolm), detail: PAI_METHODS.map((m, j) => `${m}: ticket − ${m} ${pct(diffs[j])}, Holm p = ${fmtP(pHolm[j])}`).join('; ') },
    ];
    return {
      statements,
      reason,
      statistics: [
        { name: 'ticket: mean fraction of periodic mask rows (W_E, W_U)', value: meanOf(ticketFrac), pValue: pMajority, detail: `${majorityTest}; need > ${MAJORITY}`, role: 'both' as const, ...seedInterval(ticketFrac) },
        ...PAI_METHODS.map((s, j) => ({ name: `${s}: mean fraction of periodic rows, ticket − ${s}`, value: diffs[j], pValue: pHolm[j], detail: `one-sided paired t-test, Holm-adjusted over 4 (raw ${fmtP(raw[j])})`, role: 'both' as const, ...seedInterval(ticketFrac, frac[j + 1]) })),
        { name: 'trained dense weights: mean fraction of periodic rows (reference)', value: meanOf(weights.map((w) => w.fraction)) },
      ],
      seedTable: {
        columns: ['seed', 'dense run', 'ticket: periodic rows', ...PAI_METHODS.map((s) => `${s}: periodic rows`), 'trained weights: periodic rows', 'ticket: mean row entropy', 'ticket: shuffled', 'random: mean row entropy'],
        rows: scale.seeds.map((s, i) => [
          s, denseStatusCell(denseSeeds, i), ...frac.map((f) => Number(f[i].toFixed(3))), Number(weights[i].fraction.toFixed(3)),
          Number(stats[0][i].entropy.toFixed(4)), Number(stats[0][i].shuffledEntropy.toFixed(4)), Number(stats[1][i].entropy.toFixed(4)),
        ]),
      },
      figures: [
        maskFigure('masks-ticket', `Grokking ticket masks (keep ${KEEP}) of W_E and W_U over the tokens (cf. Fig. 20 bottom)`, ticketPanels),
        maskFigure('masks-pai', `Pruning-at-initialisation masks of W_E over the tokens (cf. Fig. 21)`, paiPanels),
        {
          id: 'periodic-rows', kind: 'paired', data: pairedData,
          title: 'Fraction of W_E and W_U rows periodic along the tokens, per seed',
          caption: `A row is periodic when its Fourier entropy is below that of ${SHUFFLES} reorderings of its own entries at p ≤ ${ALPHA}: a random mask scores about ${ALPHA} by construction. The trained weights are the dense runs' final weights, from which the ticket's masks are cut.`,
          encoding: { x: 'arm', y: 'value', detail: 'seed', yTitle: 'fraction of periodic rows', yScale: 'linear' },
        },
      ],
      choices: [
        { item: 'matrices', choice: 'W_E and W_U, the two with a token axis, rows = embedding dimensions (the authors\' [d_emb, p]); W_in and W_out have none' },
        { item: 'periodicity of a 0/1 row', choice: `the paper's Shannon Fourier entropy (App. F) over frequencies 1…32, compared with ${SHUFFLES} seeded shuffles of the same row (density kept); periodic at p ≤ ${ALPHA}` },
        { item: 'masks', choice: `the pai-masks-do-not runs: ticket = magnitude of the final dense weights (for an extended seed, of the extended run), keep ${KEEP}, global threshold; PaI scored at θ0` },
        horizonRuleChoice(denseSeeds),
      ],
    };
  },
});
