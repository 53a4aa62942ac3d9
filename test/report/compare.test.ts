import { describe, expect, it } from 'vitest';
import { compareWithPrevious } from '../../src/report/compare.ts';
import type { ReportInput, Verdict } from '../../src/report/types.ts';

/** Verdict changes are measured against outcomes of the report's own scale only. */
describe('compareWithPrevious across scales', () => {
  const claim = (id: string, verdict: Verdict, scale: string) => ({
    id, setting: 'mlp-add', verdict, title: id, paperQuote: '', paperRef: '', assertion: '', statistics: [], seedTable: { columns: [], rows: [] }, figures: [], runs: [], scale,
  });
  const ci: ReportInput = { generatedAt: 'now', environment: {}, scale: 'ci', claims: [claim('a', 'reproduced', 'ci')] };

  it('a previous report of another scale is not compared: no change, nothing "no longer present"', () => {
    const smoke: ReportInput = { generatedAt: 'then', environment: {}, scale: 'smoke', claims: [claim('a', 'skipped', 'smoke'), claim('b', 'skipped', 'smoke')] };
    expect(compareWithPrevious(ci, smoke)).toBeNull();
    const quick: ReportInput = { generatedAt: 'then', environment: {}, scale: 'quick', claims: [claim('a', 'not-reproduced', 'quick')] };
    expect(compareWithPrevious(ci, quick)).toBeNull();
  });

  it('in a baseline of mixed scales, only the outcomes of the current scale count', () => {
    const cmp = compareWithPrevious(ci, { generatedAt: 'then', claims: [claim('a', 'not-reproduced', 'ci'), claim('b', 'skipped', 'smoke'), claim('c', 'reproduced', 'quick')], description: 'the outcomes stored at ci scale before this run' })!;
    expect(cmp.byClaim.get('a@mlp-add')).toEqual({ previous: 'not-reproduced', changed: true });
    expect(cmp.removed).toEqual([]);
    expect(cmp.against).toBe('the outcomes stored at ci scale before this run');
  });

  it('a claim without its own scale has its report\'s', () => {
    const prev = { generatedAt: 'then', scale: 'ci', claims: [{ id: 'a', setting: 'mlp-add', verdict: 'error' as const }] };
    expect(compareWithPrevious(ci, prev)?.byClaim.get('a@mlp-add')).toEqual({ previous: 'error', changed: true });
    expect(compareWithPrevious(ci, prev)?.against).toBe('the previous report of then');
  });
});
