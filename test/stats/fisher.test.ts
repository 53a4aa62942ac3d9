import { describe, expect, it } from 'vitest';
import { fisherExact2x2, fisherFromCounts, hypergeometricPmf } from '../../src/stats/fisher.ts';

// References: scipy.stats.fisher_exact (1.17) and Fisher's lady tasting tea (17/70).
describe('fisherExact2x2', () => {
  it('lady tasting tea [[3,1],[1,3]]: one-sided p = 17/70 = 0.2429', () => {
    expect(fisherExact2x2(3, 1, 1, 3, 'greater').pValue).toBeCloseTo(17 / 70, 12);
    expect(fisherExact2x2(3, 1, 1, 3, 'two-sided').pValue).toBeCloseTo(34 / 70, 12);
    expect(fisherExact2x2(3, 1, 1, 3, 'less').pValue).toBeCloseTo(0.9857142857142858, 12);
    expect(fisherExact2x2(3, 1, 1, 3).oddsRatio).toBe(9);
  });

  it('matches scipy on other tables', () => {
    expect(fisherExact2x2(8, 2, 1, 5, 'two-sided').pValue).toBeCloseTo(0.034965034965034975, 12);
    expect(fisherExact2x2(8, 2, 1, 5, 'greater').pValue).toBeCloseTo(0.024475524475524483, 12);
    expect(fisherExact2x2(1, 9, 11, 3, 'less').pValue).toBeCloseTo(0.0013797280926100418, 12);
    expect(fisherExact2x2(1, 9, 11, 3, 'two-sided').pValue).toBeCloseTo(0.0027594561852200836, 12);
    expect(fisherExact2x2(0, 5, 5, 0, 'two-sided').pValue).toBeCloseTo(0.007936507936507938, 12);
  });

  it('pmf sums to 1 over the support', () => {
    let s = 0;
    for (let k = 0; k <= 7; k++) s += hypergeometricPmf(k, 20, 7, 9);
    expect(s).toBeCloseTo(1, 12);
  });

  it("fisherFromCounts: 'greater' = arm 1 succeeds more often", () => {
    // 5/5 tickets grok vs 0/5 dense: p = 1/C(10,5) = 1/252.
    expect(fisherFromCounts(5, 5, 0, 5, 'greater').pValue).toBeCloseTo(1 / 252, 12);
    expect(fisherFromCounts(5, 5, 0, 5, 'less').pValue).toBe(1);
  });

  it('rejects bad input', () => {
    expect(() => fisherExact2x2(0, 0, 0, 0)).toThrow(/empty/);
    expect(() => fisherExact2x2(-1, 0, 0, 1)).toThrow(/a must be a non-negative integer/);
    expect(() => fisherFromCounts(6, 5, 0, 5)).toThrow(/cannot exceed trials/);
    expect(() => fisherExact2x2(1, 1, 1, 1, 'up' as never)).toThrow(/alternative/);
  });
});
