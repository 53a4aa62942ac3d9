import { describe, expect, it } from 'vitest';
import { statementRecords } from '../../src/claims/outcome.ts';
import { decidingNumbers, formatDecider } from '../../src/report/format.ts';
import { renderMarkdown } from '../../src/report/markdown.ts';
import { renderMatrix, renderScaleMatrix } from '../../src/report/matrix.ts';
import { claimsInPaperOrder, columnsInOrder, paperPlace, readingOrder } from '../../src/report/order.ts';
import { parseClaimReport } from '../../src/report/schema.ts';
import type { ClaimReport } from '../../src/report/types.ts';
import { layoutFigures } from '../../src/report/figures.ts';
import { MATRIX_SETTINGS, matrixClaims, matrixReport } from './sample-matrix.ts';

const outcome = (over: Partial<ClaimReport>): ClaimReport => ({
  id: 'x', title: 'x', paperQuote: '', paperRef: '', assertion: '', verdict: 'reproduced', statistics: [], seedTable: { columns: [], rows: [] }, figures: [], runs: [], scale: 'ci', ...over,
});

/**
 * The critical-ratio case of issue 20, as claims/critical-ratio-no-weight-decay.claim.ts reports
 * it: the located statement fails on its value (no test), while the sub-test that holds has the
 * only p-value (0.004). The cell must show the failing statement's number, never that p.
 */
const criticalRatio = (withNumbers: boolean) => outcome({
  id: 'critical-ratio-no-weight-decay', verdict: 'not-reproduced',
  statements: [
    { id: 'critical-ratio-located', name: 'critical ratio within 0.7 ± 0.1', state: 'fails', ...(withNumbers ? { value: 0.5 } : {}) },
    { id: 'high-ratio-fails', name: 'no sweep seed generalises at k = 0.9', state: 'holds', ...(withNumbers ? { value: 0 } : {}) },
    { id: 'ticket-beats-dense', name: 'at the critical ratio, WD-0 tickets generalise more often', state: 'holds', ...(withNumbers ? { value: 5, pValue: 0.004 } : {}) },
  ],
  statistics: [
    { name: 'critical pruning ratio k (paper 0.7, tolerance ±0.1)', value: 0.5, role: 'effect' },
    { name: 'sweep seeds that generalised at k = 0.9', value: 0 },
    { name: 'WD-0 dense models that generalised', value: 0, pValue: 0.004, role: 'test' },
  ],
});

describe('the number that decided a verdict', () => {
  it('for a failed verdict is the failing statement\'s, not a passing sub-test\'s', () => {
    const d = decidingNumbers(criticalRatio(true));
    expect(d.decider).toEqual({ name: 'critical ratio within 0.7 ± 0.1', value: 0.5, pValue: undefined });
    expect(formatDecider(d.decider!)).toBe('0.5');
    const html = renderMatrix([criticalRatio(true)], () => 'a');
    expect(html).toContain('title="critical ratio within 0.7 ± 0.1: 0.5">0.5</div>');
    expect(html).not.toContain('0.004');
    // with a p-value of its own, that is what it shows
    const withP = criticalRatio(true);
    withP.statements![0] = { ...withP.statements![0]!, pValue: 0.62 };
    expect(formatDecider(decidingNumbers(withP).decider!)).toBe('p = 0.62');
  });

  it('of an outcome stored before statements kept numbers: the statement\'s statistics line, else none', () => {
    // claims built on statementStatistics write "<name> — <state>" lines
    const lined = { ...criticalRatio(false), statistics: [...criticalRatio(false).statistics, { name: 'critical ratio within 0.7 ± 0.1 — fails', value: 0.5, role: 'test' as const }] };
    expect(decidingNumbers(lined).decider).toEqual({ name: 'critical ratio within 0.7 ± 0.1', value: 0.5, pValue: undefined });
    // no number anywhere for the failing statement: nothing rather than another test's p
    expect(decidingNumbers(criticalRatio(false))).toMatchObject({ decider: null, failing: { id: 'critical-ratio-located' } });
    const html = renderMatrix([criticalRatio(false)], () => 'a');
    expect(html).not.toContain('0.004');
    expect(html).toContain('failed: critical ratio within 0.7 ± 0.1');
  });

  it('for a reproduced claim is its weakest test, and a skipped or error outcome shows none', () => {
    const stats = [{ name: 'W', value: 15, pValue: 0.031, role: 'test' as const }, { name: 'G', value: 2, pValue: 0.2, role: 'test' as const }, { name: 'ratio', value: 13, role: 'effect' as const }];
    expect(decidingNumbers(outcome({ statistics: stats })).decider?.name).toBe('G');
    expect(decidingNumbers(outcome({ statistics: stats })).effect?.name).toBe('ratio');
    expect(decidingNumbers(outcome({ statistics: stats, verdict: 'skipped' }))).toEqual({ decider: null, effect: null, failing: null });
    // one statement (`passed`): its claim's weakest test is the one that failed it
    expect(decidingNumbers(outcome({ statistics: stats, verdict: 'not-reproduced', statements: [{ id: 'assertion', name: 'the assertion', state: 'fails' }] })).decider?.name).toBe('G');
  });
});

describe('stored statements', () => {
  it('keep their value and p-value, and outcomes stored without them still parse', () => {
    const records = statementRecords([
      { id: 'a', name: 'A', state: 'fails', value: 0.5, pValue: 0.62, detail: 'd' },
      { id: 'b', name: 'B', state: 'holds', value: null, detail: '' },
    ]);
    expect(records).toEqual([{ id: 'a', name: 'A', state: 'fails', detail: 'd', value: 0.5, pValue: 0.62 }, { id: 'b', name: 'B', state: 'holds' }]);
    const stored = parseClaimReport(JSON.parse(JSON.stringify(outcome({ statements: records }))), 'f.json');
    expect(stored.statements).toEqual(records);
    const old = parseClaimReport(JSON.parse(JSON.stringify(outcome({ statements: [{ id: 'a', name: 'A', state: 'fails' }] }))), 'old.json');
    expect(old.statements).toEqual([{ id: 'a', name: 'A', state: 'fails' }]);
    expect(() => parseClaimReport({ ...outcome({}), statements: [{ id: 'a', name: 'A', state: 'fails', pValue: 3 }] }, 'bad.json')).toThrow(/statements\.0\.pValue: 3 is invalid/);
    expect(() => parseClaimReport({ ...outcome({}), paper: { section: '', order: 1 } }, 'bad.json')).toThrow(/paper\.section/);
  });
});

describe('reading order', () => {
  it('lists claims in the paper\'s order by section, whatever order the outcomes come in', () => {
    const rows = claimsInPaperOrder(matrixClaims());
    expect(rows.map((r) => r.section)).toEqual(['§3.2', '§3.2', '§3.2', '§4.1', '§4.1', '§4.1', '§4.2', '§4.2', '§5.1', '§5.2', '§5.3', 'App. B.2', 'App. E', 'App. K', 'App. M']);
    expect(rows[0]!.id).toBe('tickets-cut-tau');
    expect(rows.at(-1)!.id).toBe('hyperparameters-lr-wd');
  });

  it('places an outcome without a paper place by its paperRef\'s section, after that section\'s ranked claims', () => {
    expect(paperPlace({ paperRef: '§4.1, Fig. 5a' })).toEqual({ section: '§4.1', order: Infinity });
    expect(paperPlace({ paperRef: 'App. M, Fig. 22' }).section).toBe('App. M');
    expect(paperPlace({ paperRef: 'Appendix B.2' }).section).toBe('App. B.2');
    expect(paperPlace({ paperRef: 'abstract' }).section).toBe('other');
    const ids = claimsInPaperOrder([
      { id: 'z-other', paperRef: 'abstract' },
      { id: 'b-app', paperRef: 'App. E, Fig. 16' },
      { id: 'c-late', paperRef: '§10, Fig. 9' },
      { id: 'a-unranked', paperRef: '§4.1, Fig. 6' },
      { id: 'd-ranked', paperRef: '§4.1', paper: { section: '§4.1', order: 5 } },
    ]).map((r) => r.id);
    expect(ids).toEqual(['d-ranked', 'a-unranked', 'c-late', 'b-app', 'z-other']);
  });

  it('groups settings as the registry orders them, and reads outcomes claim by claim, setting by setting', () => {
    const groups = columnsInOrder(matrixClaims());
    expect(groups.map((g) => g.group)).toEqual(['modular MLP', 'transformer', 'beyond modular']);
    expect(groups.flatMap((g) => g.columns.map((c) => c.setting))).toEqual(MATRIX_SETTINGS.map((s) => s.name));
    const claims = matrixClaims();
    const order = readingOrder(claims).map((i) => `${claims[i]!.id}@${claims[i]!.setting}`);
    expect(order.slice(0, 2)).toEqual(['tickets-cut-tau@mlp-add', 'tickets-cut-tau@mlp-multiply']);
  });
});

describe('the matrix', () => {
  it('counts (claim, setting) pairs, marks all-skipped settings for the toggle, and links each verdict to its section', () => {
    const input = matrixReport();
    const html = renderMatrix(input.claims, (i) => `claim-${i}`);
    const skippedCols = MATRIX_SETTINGS.filter((s) => input.claims.filter((c) => c.setting === s.name).every((c) => c.verdict === 'skipped'));
    expect((html.match(/<th class="set all-skipped"/g) ?? []).length).toBe(skippedCols.length);
    expect(html).toContain(`(${skippedCols.length} of ${MATRIX_SETTINGS.length} settings, 0 of 15 claims)`);
    expect((html.match(/class="verdict v-[a-z-]+" title="[^"]*">/g) ?? []).length).toBeGreaterThanOrEqual(input.claims.length);
    for (let i = 0; i < input.claims.length; i++) expect(html).toContain(`href="#claim-${i}"`);
    expect(html).not.toMatch(/<script/i);
  });

  it('shows several scales side by side and highlights where they decided differently', () => {
    const input = matrixReport();
    const html = renderScaleMatrix(input.byScale!);
    // the sample's polynomial Jaccard claim: not reproduced at ci, reproduced at paper
    expect((html.match(/<td class="cell differ/g) ?? []).length).toBe(1);
    expect(html).toMatch(/\d+ \(claim, setting\) pairs decided alike, 1 differently/);
    expect(html).toContain('title="ci: not reproduced"');
    expect(html).toContain('title="paper: reproduced"');
    // a pair one scale has no outcome for is shown as such
    const partial = renderScaleMatrix([input.byScale![0]!, { scale: 'paper', verdicts: input.byScale![1]!.verdicts.slice(0, 3) }]);
    expect(partial).toContain('title="paper: no outcome"');
  });

  it('Markdown lists pairs in the paper\'s order and calls them pairs', () => {
    const input = matrixReport();
    const md = renderMarkdown(input, layoutFigures(input), null);
    expect(md).toContain(`${input.claims.length} (claim, setting) pairs:`);
    const firstRow = md.split('\n').find((l) => l.startsWith('| ['))!;
    expect(firstRow).toContain('tickets-cut-tau');
    const row = md.split('\n').find((l) => l.startsWith('| [critical-ratio-no-weight-decay]'))!;
    expect(row).toContain('| 0.5 (critical ratio within 0.7 ± 0.1) |');
    expect(row).not.toContain('0.004');
  });
});
