import { describe, expect, it } from 'vitest';
import { binomialTest, correlationTest, pairedTTest } from '../../src/stats/paired.ts';

// References computed with scipy 1.17 (ttest_rel, binomtest, pearsonr).
const X = [1.83, 0.5, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.3];
const Y = [0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29];

describe('pairedTTest', () => {
  it('on differences matches scipy.stats.ttest_rel', () => {
    const two = pairedTTest(X, Y, { alternative: 'two-sided' });
    expect(two.statistic).toBeCloseTo(3.0353754156485917, 10);
    expect(two.pValue).toBeCloseTo(0.016176627434908088, 10);
    expect(two.df).toBe(8);
    expect(two.ci[0]).toBeCloseTo(0.10377871227216856, 8);
    expect(two.ci[1]).toBeCloseTo(0.7599990655056093, 8);
    expect(pairedTTest(X, Y, { alternative: 'greater' }).pValue).toBeCloseTo(0.008088313717454044, 10);
    expect(pairedTTest(X, Y, { alternative: 'less' }).pValue).toBeCloseTo(0.991911686282546, 10);
  });

  it('on log ratios matches ttest_rel(log x, log y)', () => {
    const r = pairedTTest(X, Y, { alternative: 'greater', scale: 'log-ratio' });
    expect(r.statistic).toBeCloseTo(2.4398718443141156, 10);
    expect(r.pValue).toBeCloseTo(0.020286308680551687, 10);
    expect(r.ratio!.estimate).toBeCloseTo(Math.exp(r.estimate), 12);
    expect(r.ratio!.ci[1]).toBe(Infinity);
  });

  it("'less' means x tends to be smaller than y", () => {
    expect(pairedTTest(Y, X, { alternative: 'less' }).pValue).toBeCloseTo(0.008088313717454044, 10);
  });

  it('rejects bad input with clear messages', () => {
    expect(() => pairedTTest([1, 2], [1], { alternative: 'less' })).toThrow(/same length/);
    expect(() => pairedTTest([1], [2], { alternative: 'less' })).toThrow(/at least 2 values/);
    expect(() => pairedTTest([1, 2], [0, 1], { alternative: 'less' })).toThrow(/all differences are equal/);
    expect(() => pairedTTest([1, 0], [1, 2], { alternative: 'less', scale: 'log-ratio' })).toThrow(/positive values/);
    expect(() => pairedTTest([1, null as unknown as number], [1, 2], { alternative: 'less' })).toThrow(/null \(censored\)/);
  });
});

describe('binomialTest', () => {
  it('matches scipy.stats.binomtest', () => {
    expect(binomialTest(3, 10).pValue).toBeCloseTo(0.34375, 12);
    expect(binomialTest(9, 10, 0.5, 'greater').pValue).toBeCloseTo(11 / 1024, 12);
    expect(binomialTest(2, 20, 0.3, 'two-sided').pValue).toBeCloseTo(0.05262794872972706, 10);
    expect(binomialTest(10, 20, 0.3, 'two-sided').pValue).toBeCloseTo(0.08344502962981207, 10);
    expect(binomialTest(2, 20, 0.3, 'less').pValue).toBeCloseTo(0.03548313229846864, 10);
    expect(binomialTest(10, 20, 0.3, 'greater').pValue).toBeCloseTo(0.04796189733134342, 10);
    const ci = binomialTest(3, 10).ci; // Clopper–Pearson
    expect(ci[0]).toBeCloseTo(0.06673951117773447, 8);
    expect(ci[1]).toBeCloseTo(0.652452850060008, 8);
  });

  it('all 5 seeds succeed: one-sided p = 1/32', () => {
    expect(binomialTest(5, 5, 0.5, 'greater').pValue).toBe(1 / 32);
  });

  it('rejects bad input', () => {
    expect(() => binomialTest(3, 0)).toThrow(/n must be at least 1/);
    expect(() => binomialTest(6, 5)).toThrow(/cannot exceed n/);
    expect(() => binomialTest(1.5, 5)).toThrow(/non-negative integer/);
    expect(() => binomialTest(1, 5, 1.2)).toThrow(/probability/);
  });
});

describe('correlationTest', () => {
  const cx = [1, 2, 3, 4, 5, 6, 7, 8];
  const cy = [3, 1, 4, 1, 5, 9, 2, 6];
  it('matches scipy.stats.pearsonr', () => {
    const r = correlationTest(cx, cy);
    expect(r.r).toBeCloseTo(0.47745526055942267, 12);
    expect(r.pValue).toBeCloseTo(0.23151983207369461, 10);
    expect(r.ci[0]).toBeCloseTo(-0.3424272447378909, 8);
    expect(r.ci[1]).toBeCloseTo(0.8845286908297014, 8);
    expect(correlationTest(cx, cy, 'greater').pValue).toBeCloseTo(0.11575991603684731, 10);
    expect(correlationTest(cx, cy, 'less').pValue).toBeCloseTo(0.8842400839631527, 10);
  });

  it('its interval is the two-sided Fisher-z 95 % one whatever the alternative (the one-sided bound stays in ci)', () => {
    // tanh(atanh(r) ± 1.959964 / √(n − 3)) by hand, r and n as above
    const z = Math.atanh(0.47745526055942267);
    const half = 1.959963984540054 / Math.sqrt(cx.length - 3);
    for (const alt of ['two-sided', 'greater', 'less'] as const) {
      const r = correlationTest(cx, cy, alt);
      expect(r.interval.lo).toBeCloseTo(Math.tanh(z - half), 10);
      expect(r.interval.hi).toBeCloseTo(Math.tanh(z + half), 10);
      expect(r.interval).toMatchObject({ level: 0.95, method: expect.stringMatching(/Fisher z.*two-sided, n = 8/) });
    }
    expect(correlationTest(cx, cy, 'greater').ci[1]).toBe(1);
  });

  it('rejects bad input', () => {
    expect(() => correlationTest([1, 2, 3], [1, 2, 3])).toThrow(/at least 4 values/);
    expect(() => correlationTest([1, 2, 3, 4], [1, 2, 3])).toThrow(/same length/);
    expect(() => correlationTest([1, 1, 1, 1], [1, 2, 3, 4])).toThrow(/x is constant/);
  });
});
