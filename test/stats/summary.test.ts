import { describe, expect, it } from 'vitest';
import { bootstrapCI, mean, median, quantile, std } from '../../src/stats/summary.ts';

describe('summary statistics', () => {
  it('median / quantile (type 7, as numpy.quantile)', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(quantile([1, 2, 3, 4, 10], 0.3)).toBeCloseTo(2.2, 12);
    expect(quantile([10, 1, 2, 3, 4], 0)).toBe(1);
    expect(quantile([10, 1, 2, 3, 4], 0.25)).toBe(2);
    expect(quantile([10, 1, 2, 3, 4], 1)).toBe(10);
  });

  it('medians with Infinity (censored ratios) work', () => {
    expect(median([1, Infinity, 2])).toBe(2);
    expect(median([1, Infinity])).toBe(Infinity);
    expect(median([Infinity, 5, Infinity, Infinity])).toBe(Infinity);
    expect(median([0, -Infinity, 3])).toBe(0);
    expect(quantile([1, 2, Infinity, Infinity], 0.9)).toBe(Infinity);
  });

  it('mean and sample std', () => {
    expect(mean([1, 2, 3, 4])).toBe(2.5);
    expect(std([2, 4, 4, 4, 5, 5, 7, 9])).toBeCloseTo(2.138089935299395, 12);
  });

  it('errors', () => {
    expect(() => median([])).toThrow(/at least 1 value/);
    expect(() => std([1])).toThrow(/at least 2 values/);
    expect(() => mean([1, NaN])).toThrow(/xs\[1\] must be a number/);
    expect(() => quantile([1], 2)).toThrow(/q must be in/);
  });
});

describe('bootstrapCI', () => {
  const xs = [2.1, 3.4, 1.9, 5.0, 4.2, 3.3, 2.8];
  it('is deterministic for a seed and depends on it', () => {
    const a = bootstrapCI(xs, median, { B: 500, seed: 42 });
    const b = bootstrapCI(xs, median, { B: 500, seed: 42 });
    expect(a).toEqual(b);
    // The median CI sits on data points, so compare seeds on the mean, whose CI is continuous.
    const m42 = bootstrapCI(xs, mean, { B: 500, seed: 42 });
    const m43 = bootstrapCI(xs, mean, { B: 500, seed: 43 });
    expect([m43.lo, m43.hi]).not.toEqual([m42.lo, m42.hi]);
    expect(a.estimate).toBe(3.3);
    expect(a.lo).toBeLessThanOrEqual(a.estimate);
    expect(a.hi).toBeGreaterThanOrEqual(a.estimate);
    expect(a.lo).toBeGreaterThanOrEqual(1.9);
    expect(a.hi).toBeLessThanOrEqual(5.0);
  });

  it('covers the mean of a large sample', () => {
    const big = Array.from({ length: 200 }, (_, i) => (i * 7919) % 101); // mean 50.x
    const r = bootstrapCI(big, mean, { B: 1000, seed: 'x' });
    expect(r.lo).toBeLessThan(mean(big));
    expect(r.hi).toBeGreaterThan(mean(big));
    expect(r.hi - r.lo).toBeLessThan(15);
  });

  it('works on data with Infinity (median of censored ratios)', () => {
    const r = bootstrapCI([0.5, 0.4, Infinity, 0.6, 0.3], median, { B: 300, seed: 1 });
    expect(r.estimate).toBe(0.5);
    expect(Number.isNaN(r.lo)).toBe(false);
    expect(r.hi).toBe(Infinity);
  });

  it('errors', () => {
    expect(() => bootstrapCI([], median)).toThrow(/at least 1 value/);
    expect(() => bootstrapCI([1, 2], median, { B: 0 })).toThrow(/B must be a positive integer/);
    expect(() => bootstrapCI([1, 2], median, { level: 1 })).toThrow(/level/);
    expect(() => bootstrapCI([1, 2], () => NaN, { B: 2 })).toThrow(/stat returned NaN/);
  });
});
