import type { ClaimReport, ReportInput, ScaleVerdicts, Verdict } from '../../src/report/types.ts';

/**
 * A report of the real suite's size for the layout checks: 15 claims (in the paper's sections)
 * × 14 settings in three groups, most pairs skipped as at ci, a mix of every verdict, failed
 * claims whose failing statement carries its own p beside a passing sub-test's, effect sizes with
 * intervals, and stale outcomes. No figures (the matrix is what is measured; figures are the
 * other sample's). Deterministic: no clock, no randomness.
 */

export const MATRIX_SETTINGS: { name: string; title: string; group: string; short: string }[] = [
  { name: 'mlp-add', title: 'MLP, a + b mod 67', group: 'modular MLP', short: 'a+b' },
  { name: 'mlp-multiply', title: 'MLP, a·b mod 67', group: 'modular MLP', short: 'a·b' },
  { name: 'mlp-x2y2', title: 'MLP, a² + b² mod 67', group: 'modular MLP', short: 'a²+b²' },
  { name: 'mlp-x2xyy2', title: 'MLP, a² + ab + b² mod 67', group: 'modular MLP', short: 'a²+ab+b²' },
  { name: 'mlp-x3', title: 'MLP, a³ + b³ mod 67', group: 'modular MLP', short: 'a³+b³' },
  { name: 'transformer-add', title: 'Transformer, a + b mod 67', group: 'transformer', short: 'a+b' },
  { name: 'transformer-subtract', title: 'Transformer, a − b mod 67 (ordered pairs)', group: 'transformer', short: 'a−b' },
  { name: 'transformer-x2xyy2x', title: 'Transformer, a² + ab + b² + a mod 67 (ordered pairs)', group: 'transformer', short: 'a²+ab+b²+a' },
  { name: 'transformer-x3xy', title: 'Transformer, a³ + ab mod 67 (ordered pairs)', group: 'transformer', short: 'a³+ab' },
  { name: 'transformer-divide', title: 'Transformer, a / b mod 67 (ordered pairs)', group: 'transformer', short: 'a/b' },
  { name: 'mnist-mlp', title: 'MLP 784-200-200-10 on MNIST (1000 training images, κ = 8)', group: 'beyond modular', short: 'MNIST' },
  { name: 'lstm-imdb', title: 'LSTM on IMDb reviews (top 1000 words, 500 tokens)', group: 'beyond modular', short: 'IMDb' },
  { name: 'mlp-polynomial', title: 'MLP, polynomial regression (x·β)²/2, d = 40', group: 'beyond modular', short: 'poly' },
  { name: 'mlp-parity', title: 'ReLU MLP, sparse parity (n, k) = (40, 3)', group: 'beyond modular', short: 'parity' },
];

/** [id, title, section, settings (indices into MATRIX_SETTINGS; 'all' = every one)]; listed out of paper order on purpose. */
const CLAIMS: [string, string, string, number[] | 'all'][] = [
  ['hyperparameters-lr-wd', 'Grokking tickets speed up across learning rates and weight decays', 'App. M', [0]],
  ['tickets-cut-tau', 'Grokking tickets generalise sooner than the dense model', '§3.2', 'all'],
  ['pruning-rate-u-shaped', 'τ is U-shaped in the pruning rate', '§3.2', [0, 5]],
  ['non-grokking-tickets-do-not-generalise', 'Tickets taken before grokking do not generalise', '§3.2', [0]],
  ['norm-matched-dense-does-not', 'Dense models with the ticket\'s norm do not grok sooner', '§4.1', [0, 5]],
  ['norm-matched-not-faster-than-base', 'Norm-matched controls are not faster than the base model', '§4.1', [0, 5]],
  ['norm-dynamics-l2-not-l1', 'L2 norms converge, L1 norms do not', '§4.1', [0]],
  ['pai-masks-do-not', 'Pruning-at-initialisation masks do not speed up grokking', '§4.2', [0]],
  ['pai-masks-worse-than-base', 'PaI masks are no faster than the base model', '§4.2', [0]],
  ['jaccard-spikes-at-test-jump', 'The mask\'s Jaccard distance spikes when test accuracy jumps', '§5.1', [0, 5, 12, 13]],
  ['edge-popup-lifts-test-accuracy', 'Edge-popup on frozen weights lifts test accuracy', '§5.2', [0]],
  ['tickets-periodic-early', 'Tickets become periodic early', '§5.3', [0]],
  ['critical-ratio-no-weight-decay', 'Without weight decay, a critical pruning ratio generalises', 'App. E', [0]],
  ['masks-periodic-along-tokens', 'Ticket masks are periodic along the tokens', 'App. K', [0, 5]],
  ['mask-transfer-across-ops', 'A ticket found on one operation transfers to another', 'App. B.2', [0, 1, 2, 3, 4]],
];

const PAPER_ORDER = ['tickets-cut-tau', 'pruning-rate-u-shaped', 'non-grokking-tickets-do-not-generalise', 'norm-matched-dense-does-not', 'norm-matched-not-faster-than-base', 'norm-dynamics-l2-not-l1', 'pai-masks-do-not', 'pai-masks-worse-than-base', 'jaccard-spikes-at-test-jump', 'edge-popup-lifts-test-accuracy', 'tickets-periodic-early', 'mask-transfer-across-ops', 'critical-ratio-no-weight-decay', 'masks-periodic-along-tokens', 'hyperparameters-lr-wd'];

/** Settings a scale cannot decide, as at ci (paper-scale horizons, missing data). */
const SKIPPED_AT_CI = new Set(['mlp-x2xyy2', 'mlp-x3', 'transformer-subtract', 'transformer-x2xyy2x', 'transformer-x3xy', 'transformer-divide', 'mnist-mlp', 'lstm-imdb']);

function verdictOf(id: string, setting: string, scale: string): Verdict {
  if (scale === 'ci' && SKIPPED_AT_CI.has(setting)) return 'skipped';
  if (id === 'critical-ratio-no-weight-decay') return 'not-reproduced';
  if (id === 'pai-masks-worse-than-base') return 'expected-failure';
  if (id === 'jaccard-spikes-at-test-jump' && setting === 'mlp-polynomial') return scale === 'paper' ? 'reproduced' : 'not-reproduced';
  if (id === 'edge-popup-lifts-test-accuracy' && scale === 'ci') return 'error';
  if (id === 'mask-transfer-across-ops' && setting !== 'mlp-add') return 'skipped';
  return 'reproduced';
}

function outcome(id: string, title: string, section: string, setting: (typeof MATRIX_SETTINGS)[number], scale: string): ClaimReport {
  const verdict = verdictOf(id, setting.name, scale);
  const base: ClaimReport = {
    id, title, paperQuote: `The paper's words for ${id}.`, paperRef: `${section}, Fig. 2`, paper: { section, order: PAPER_ORDER.indexOf(id) + 1 },
    assertion: 'Paired over seeds, a one-sided Wilcoxon signed-rank test with p ≤ 0.05, and the median ratio ≥ 2.',
    verdict, statistics: [], seedTable: { columns: [], rows: [] }, figures: [], runs: [], scale,
    setting: setting.name, settingTitle: setting.title,
    settingColumn: { group: setting.group, short: setting.short, order: MATRIX_SETTINGS.indexOf(setting) },
  };
  if (verdict === 'skipped') return { ...base, reason: `decided at paper scale: measured, ${setting.name} does not grok within the ci horizon; a long unbreakable word as the real IMDb reason has: https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz` };
  if (verdict === 'error') return { ...base, reason: 'decide threw: a run diverged (claims/edge-popup-lifts-test-accuracy.claim.ts:140)' };
  if (id === 'critical-ratio-no-weight-decay') {
    // as the real claim: the located statement fails on its value; the sub-test that holds has the only p (0.004)
    return {
      ...base,
      reason: 'critical ratio k = 0.50 (outside 0.7 ± 0.1)',
      statements: [
        { id: 'critical-ratio-located', name: 'critical ratio within 0.7 ± 0.1', state: 'fails', value: 0.5 },
        { id: 'high-ratio-fails', name: 'no sweep seed generalises at k = 0.9', state: 'holds', value: 0 },
        { id: 'ticket-beats-dense', name: 'at the critical ratio, WD-0 tickets generalise more often than WD-0 dense models', state: 'holds', value: 5, pValue: 0.004 },
      ],
      statistics: [
        { name: 'critical pruning ratio k (paper 0.7, tolerance ±0.1)', value: 0.5, role: 'effect' },
        { name: 'WD-0 dense models that generalised', value: 0, pValue: 0.004, role: 'test' },
      ],
    };
  }
  const n = PAPER_ORDER.indexOf(id) + MATRIX_SETTINGS.indexOf(setting);
  const ratio = 2 + ((n * 7) % 40);
  return {
    ...base,
    reason: `median τ_dense/τ_ticket ${ratio} over 5 seeds`,
    stale: id === 'norm-dynamics-l2-not-l1' ? 'the claim\'s code changed since it was decided 2026-12-01 at commit 1a2b3c4: rerun the claim' : null,
    statements: [{ id: 'assertion', name: 'the assertion', state: verdict === 'reproduced' ? 'holds' : 'fails' }],
    ...(verdict === 'expected-failure' ? { expectedFailure: { statements: { assertion: 'fails' as const }, why: 'the PaI masks at this sparsity are as fast as the base model' } } : {}),
    statistics: [
      { name: 'Wilcoxon signed-rank (one-sided), τ_ticket < τ_dense', value: 15, pValue: verdict === 'reproduced' ? 0.031 : 0.41, role: 'test' },
      { name: 'median τ_dense / τ_ticket', value: ratio, role: 'effect', interval: { lo: ratio / 2, hi: n % 3 === 0 ? null : ratio * 1.8, level: 0.95, method: 'exact Wilcoxon signed-rank interval of the Hodges–Lehmann estimate' } },
    ],
  };
}

/** Every (claim, setting) outcome of one scale. */
export function matrixClaims(scale = 'ci'): ClaimReport[] {
  return CLAIMS.flatMap(([id, title, section, idx]) => (idx === 'all' ? MATRIX_SETTINGS : idx.map((i) => MATRIX_SETTINGS[i]!)).map((s) => outcome(id, title, section, s, scale)));
}

const verdicts = (scale: string): ScaleVerdicts => ({
  scale,
  verdicts: matrixClaims(scale).map(({ id, title, paperRef, paper, setting, settingTitle, settingColumn, verdict, stale }) => ({ id, title, paperRef, paper, setting, settingTitle, settingColumn, verdict, stale })),
});

/** The real suite's size at ci, with the paper scale's verdicts beside it. */
export function matrixReport(): ReportInput {
  return {
    generatedAt: '2026-12-07T12:00:00.000Z',
    environment: { node: 'v20.20.2', backend: 'native (OpenBLAS)', commit: '1a2b3c4' },
    scale: 'ci',
    claims: matrixClaims('ci'),
    byScale: [verdicts('ci'), verdicts('paper')],
  };
}
