import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import wilcoxon from '@stdlib/stats-wilcoxon';
import { pairedWilcoxon } from '../../src/stats/paired.ts';

// References: scipy 1.17 (scipy.stats.wilcoxon), and R's wilcox.test for the Hollander & Wolfe data.
describe('pairedWilcoxon: textbook values', () => {
  it('n = 5, all differences negative and distinct: exact one-sided p = 1/32', () => {
    const r = pairedWilcoxon([1, 2, 3, 4, 5], [3, 5, 7, 9, 11], { alternative: 'less' });
    expect(r.method).toBe('exact');
    expect(r.statistic).toBe(0);
    expect(r.pValue).toBe(1 / 32);
    expect(pairedWilcoxon([1, 2, 3, 4, 5], [3, 5, 7, 9, 11], { alternative: 'two-sided' }).pValue).toBe(2 / 32);
    expect(pairedWilcoxon([1, 2, 3, 4, 5], [3, 5, 7, 9, 11], { alternative: 'greater' }).pValue).toBe(1);
  });

  it('n = 5, all differences equal (tied |d|): still exactly 1/32, where @stdlib says 0.018', () => {
    const x = [1, 2, 3, 4, 5];
    const y = [2, 3, 4, 5, 6];
    const r = pairedWilcoxon(x, y, { alternative: 'less' });
    expect(r.method).toBe('exact-conditional');
    expect(r.ties).toBe(true);
    expect(r.pValue).toBe(1 / 32);
    // What @stdlib alone does with ties: the normal approximation (scipy method='approx' agrees).
    expect(wilcoxon(x, y, { alternative: 'less' }).pValue).toBeCloseTo(0.01844421285352491, 12);
  });

  it('a zero difference is dropped: 5 negative + 1 zero gives 1/32', () => {
    const r = pairedWilcoxon([1, 2, 3, 4, 5, 6], [2, 3, 4, 5, 6, 6], { alternative: 'less' });
    expect(r).toMatchObject({ n: 6, nUsed: 5, nZero: 1, method: 'exact-conditional', pValue: 1 / 32 });
  });

  it('Hollander & Wolfe depression scores (R: V = 40, p = 0.03906)', () => {
    const x = [1.83, 0.5, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.3];
    const y = [0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29];
    const two = pairedWilcoxon(x, y, { alternative: 'two-sided' });
    expect(two.statistic).toBe(40);
    expect(two.pValue).toBeCloseTo(0.0390625, 12);
    expect(pairedWilcoxon(x, y, { alternative: 'greater' }).pValue).toBeCloseTo(0.01953125, 12);
    expect(pairedWilcoxon(x, y, { alternative: 'less' }).pValue).toBeCloseTo(0.986328125, 12);
  });

  it('ties, zeros and mixed signs match scipy\'s exact permutation p-values', () => {
    const d = [-1, -1, 2, 3, -3, 0.5, 2, 0];
    const zeros = d.map(() => 0);
    expect(pairedWilcoxon(d, zeros, { alternative: 'two-sided' }).pValue).toBeCloseTo(0.71875, 12);
    expect(pairedWilcoxon(d, zeros, { alternative: 'less' }).pValue).toBeCloseTo(0.671875, 12);
    expect(pairedWilcoxon(d, zeros, { alternative: 'greater' }).pValue).toBeCloseTo(0.359375, 12);
  });

  it('n > 50 uses @stdlib\'s normal approximation (matches scipy method="approx")', () => {
    const x = Array.from({ length: 60 }, (_, i) => i);
    const y = x.map((i) => (i * 37) % 61);
    const two = pairedWilcoxon(x, y, { alternative: 'two-sided' });
    expect(two.method).toBe('normal-approx');
    expect(two.pValue).toBeCloseTo(0.850313147262159, 9);
    expect(pairedWilcoxon(x, y, { alternative: 'less' }).pValue).toBeCloseTo(0.4251565736310795, 9);
    expect(pairedWilcoxon(x, y, { alternative: 'greater' }).pValue).toBeCloseTo(0.5777996571397503, 9);
  });

  it('caps the two-sided p at 1 (@stdlib returns 1.25 here)', () => {
    expect(wilcoxon([1, 2, 6], [2, 4, 3]).pValue).toBeCloseTo(1.25, 12);
    expect(pairedWilcoxon([1, 2, 6], [2, 4, 3], { alternative: 'two-sided' }).pValue).toBe(1);
  });

  it('all pairs tied: p = 1, not an error; a single non-zero pair: p = 1/2 one-sided', () => {
    expect(pairedWilcoxon([1, 2], [1, 2], { alternative: 'less' })).toMatchObject({ nUsed: 0, pValue: 1 });
    expect(pairedWilcoxon([1], [2], { alternative: 'less' }).pValue).toBe(0.5);
    expect(pairedWilcoxon([1], [2], { alternative: 'greater' }).pValue).toBe(1);
  });
});

describe('pairedWilcoxon: direction', () => {
  it("'less' means x tends to be smaller than y", () => {
    const x = [3, 1, 4, 1.5, 5, 9, 2.6, 5.3];
    const y = x.map((v, i) => v + 1 + i / 10);
    expect(pairedWilcoxon(x, y, { alternative: 'less' }).pValue).toBeLessThan(0.01);
    expect(pairedWilcoxon(x, y, { alternative: 'greater' }).pValue).toBeGreaterThan(0.99);
    expect(pairedWilcoxon(y, x, { alternative: 'greater' }).pValue).toBeLessThan(0.01);
  });

  it('one-sided p-values are complementary up to the observed point', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: -20, max: 20 }), fc.integer({ min: -20, max: 20 })), { minLength: 1, maxLength: 12 }), (pairs) => {
        const x = pairs.map((p) => p[0]);
        const y = pairs.map((p) => p[1]);
        const less = pairedWilcoxon(x, y, { alternative: 'less' }).pValue;
        const greater = pairedWilcoxon(x, y, { alternative: 'greater' }).pValue;
        const two = pairedWilcoxon(x, y, { alternative: 'two-sided' }).pValue;
        // P(T ≤ t) + P(T ≥ t) ≥ 1, and two-sided = 2·min, capped.
        expect(less + greater).toBeGreaterThanOrEqual(1 - 1e-12);
        expect(two).toBeCloseTo(Math.min(1, 2 * Math.min(less, greater)), 12);
      }),
    );
  });
});

describe('pairedWilcoxon: censored values', () => {
  it('a censored x (worse = higher) counts as larger than every observed y', () => {
    const y = [10, 20, 30, 40, 50];
    const r = pairedWilcoxon([null, null, null, null, null], y, { alternative: 'greater', censored: 'higher' });
    expect(r.pValue).toBe(1 / 32);
    expect(r.censored).toEqual({ x: 5, y: 0, both: 0 });
    // worse = 'lower': a censored value is below everything.
    expect(pairedWilcoxon([null, null, null, null, null], y, { alternative: 'less', censored: 'lower' }).pValue).toBe(1 / 32);
  });

  it('τ example: the ticket groks sooner in 4 seeds, the dense net never groks in the 5th', () => {
    const tauTicket = [1.5, 2, 1.2, 3, 2.5];
    const tauDense = [4, 5, 3.5, 6, null];
    const r = pairedWilcoxon(tauTicket, tauDense, { alternative: 'less', censored: 'higher' });
    expect(r.pValue).toBe(1 / 32);
  });

  it('two censored values in one pair tie: a zero difference, dropped', () => {
    const r = pairedWilcoxon([null, 1, 2, 3, 4, 5], [null, 2, 3, 4, 5, 6], { alternative: 'less', censored: 'higher' });
    expect(r).toMatchObject({ nZero: 1, nUsed: 5, pValue: 1 / 32, censored: { x: 0, y: 0, both: 1 } });
  });

  it('without a censoring rule a null is an error, not silently dropped', () => {
    expect(() => pairedWilcoxon([1, null], [2, 3], { alternative: 'less' })).toThrow(/x\[1\] is null \(censored\)/);
  });

  const cell = fc.option(fc.integer({ min: -50, max: 50 }), { nil: null, freq: 3 });
  const pairsArb = fc.array(fc.tuple(cell, cell), { minLength: 1, maxLength: 60 });
  for (const worse of ['higher', 'lower'] as const) {
    it(`property (${worse}): any stand-in beyond the bound gives the same p-value as null`, () => {
      fc.assert(
        fc.property(pairsArb, fc.double({ min: 1e-3, max: 1e6, noNaN: true }), fc.constantFrom('less', 'greater', 'two-sided' as const), (pairs, margin, alternative) => {
          const x = pairs.map((p) => p[0]);
          const y = pairs.map((p) => p[1]);
          const obs = [...x, ...y].filter((v): v is number => v !== null);
          const hi = obs.length ? Math.max(...obs) : 0;
          const lo = obs.length ? Math.min(...obs) : 0;
          const V = worse === 'higher' ? hi + (hi - lo) + margin : lo - (hi - lo) - margin;
          const fill = (v: number | null): number => (v === null ? V : v);
          const withNull = pairedWilcoxon(x, y, { alternative, censored: worse });
          const withV = pairedWilcoxon(x.map(fill), y.map(fill), { alternative });
          expect(withV.pValue).toBe(withNull.pValue);
          expect(withV.statistic).toBe(withNull.statistic);
        }),
        { numRuns: 300 },
      );
    });
  }

  it('but a stand-in merely above the maximum is NOT enough for a signed-rank test', () => {
    // d = V − 10 for the censored pair; with V = 10.5 it is the smallest |d|, with a large V the largest.
    const x = [null, 1, 1, 1, 1];
    const y = [10, 9, 7, 5, 3];
    const justAbove = pairedWilcoxon([10.5, 1, 1, 1, 1], y, { alternative: 'less' }).pValue;
    const censored = pairedWilcoxon(x, y, { alternative: 'less', censored: 'higher' }).pValue;
    expect(justAbove).toBe(2 / 32);
    expect(censored).toBe(10 / 32);
  });
});

describe('pairedWilcoxon: errors', () => {
  it('rejects mismatched lengths, empty input, non-finite values, bad alternatives', () => {
    expect(() => pairedWilcoxon([1, 2], [1], { alternative: 'less' })).toThrow(/same length \(got 2 and 1\)/);
    expect(() => pairedWilcoxon([], [], { alternative: 'less' })).toThrow(/at least 1 value/);
    expect(() => pairedWilcoxon([1, NaN], [1, 2], { alternative: 'less' })).toThrow(/x\[1\] must be a finite number/);
    expect(() => pairedWilcoxon([1, 2], [1, Infinity], { alternative: 'less' })).toThrow(/y\[1\] must be a finite number/);
    expect(() => pairedWilcoxon([1, 2], [1, 3], { alternative: 'smaller' as never })).toThrow(/alternative must be one of/);
  });
});
