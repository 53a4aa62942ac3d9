import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import wilcoxon from '@stdlib/stats-wilcoxon';
import { exactSignRankP, midranks, signRankDistribution } from '../../src/stats/signrank.ts';

/** Brute force over all 2^n sign patterns, independent of the DP. */
function bruteForce(d: number[], alternative: 'less' | 'greater' | 'two-sided'): number {
  const nz = d.filter((v) => v !== 0);
  const abs = nz.map(Math.abs);
  const rank = abs.map((a) => abs.filter((b) => b < a).length + (abs.filter((b) => b === a).length + 1) / 2);
  const tObs = nz.reduce((s, v, i) => s + (v > 0 ? rank[i] : 0), 0);
  let le = 0;
  let ge = 0;
  const total = 2 ** nz.length;
  for (let mask = 0; mask < total; mask++) {
    let t = 0;
    for (let i = 0; i < nz.length; i++) if (mask & (1 << i)) t += rank[i];
    if (t <= tObs + 1e-9) le++;
    if (t >= tObs - 1e-9) ge++;
  }
  const less = le / total;
  const greater = ge / total;
  return alternative === 'less' ? less : alternative === 'greater' ? greater : Math.min(1, 2 * Math.min(less, greater));
}

describe('midranks', () => {
  it('averages tied ranks', () => {
    expect(midranks([10, 20, 20, 5, 20])).toEqual([2, 4, 4, 1, 4]);
    expect(midranks([])).toEqual([]);
  });
});

describe('signRankDistribution', () => {
  it('n = 3 without ties: the classic table 1,1,1,2,1,1,1 / 8 over T = 0..6', () => {
    const p = signRankDistribution([1, 2, 3]);
    // Doubled statistic: only even entries are populated.
    expect(Array.from(p).filter((_, s) => s % 2 === 0).map((v) => v * 8)).toEqual([1, 1, 1, 2, 1, 1, 1]);
    expect(Array.from(p).reduce((a, b) => a + b, 0)).toBe(1);
  });
});

describe('exactSignRankP', () => {
  const alt = fc.constantFrom('less', 'greater', 'two-sided' as const);
  it('matches brute-force enumeration with ties and zeros', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -4, max: 4 }), { minLength: 1, maxLength: 12 }), alt, (d, a) => {
        expect(exactSignRankP(d, a).pValue).toBeCloseTo(bruteForce(d, a), 12);
      }),
    );
  });

  it('matches @stdlib\'s exact table when there are no ties or zeros', () => {
    const distinct = fc.uniqueArray(fc.integer({ min: 1, max: 1000 }), { minLength: 2, maxLength: 20 });
    fc.assert(
      fc.property(distinct, fc.array(fc.boolean(), { minLength: 20, maxLength: 20 }), alt, (abs, signs, a) => {
        const d = abs.map((v, i) => (signs[i] ? v : -v));
        const ref = Math.min(1, wilcoxon(d, { alternative: a }).pValue);
        expect(exactSignRankP(d, a).pValue).toBeCloseTo(ref, 12);
      }),
    );
  });
});
