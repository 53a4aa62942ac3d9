import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { censoredPairToWorst, censoredToWorst, censoringBound, pairedRatios, worstFill } from '../../src/stats/censored.ts';

describe('worstFill / censoredToWorst', () => {
  it('is beyond max + range (higher) or min − range (lower) of ALL arms', () => {
    expect(worstFill([[1, null, 3], [10, 2]], 'higher')).toBeGreaterThan(10 + 9);
    expect(worstFill([[1, null, 3], [10, 2]], 'lower')).toBeLessThan(1 - 9);
    expect(censoringBound([[1, null, 3], [10, 2]], 'higher')).toBe(19);
    expect(censoringBound([[1, null, 3], [10, 2]], 'lower')).toBe(-8);
  });

  it('works for negative data, where max·10 + 1 would be the wrong way', () => {
    const fill = worstFill([[-5, -7, null]], 'higher');
    expect(fill).toBeGreaterThan(-5 + 2);
  });

  it('replaces only nulls, using the other arms too', () => {
    const out = censoredToWorst([1, null, 2], { worse: 'higher', others: [[100]] });
    expect(out[0]).toBe(1);
    expect(out[2]).toBe(2);
    expect(out[1]).toBeGreaterThan(100 + 99);
  });

  it('all censored: any common value (0), so censored pairs tie', () => {
    expect(censoredToWorst([null, null], { worse: 'higher' })).toEqual([0, 0]);
    expect(censoringBound([[null]], 'higher')).toBeNull();
  });

  it('property: the fill is strictly worse than every observed value, by more than the range', () => {
    const arm = fc.array(fc.option(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { nil: null }), { maxLength: 20 });
    fc.assert(
      fc.property(arm, arm, fc.constantFrom('higher', 'lower' as const), (a, b, worse) => {
        const obs = [...a, ...b].filter((v): v is number => v !== null);
        const fill = worstFill([a, b], worse);
        if (!obs.length) return;
        const range = Math.max(...obs) - Math.min(...obs);
        for (const v of obs) expect(Math.abs(fill - v)).toBeGreaterThan(range);
        if (worse === 'higher') expect(fill).toBeGreaterThan(Math.max(...obs));
        else expect(fill).toBeLessThan(Math.min(...obs));
      }),
    );
  });

  it('rejects non-finite numbers and bad options', () => {
    expect(() => worstFill([[1, NaN]], 'higher')).toThrow(/finite number or null/);
    expect(() => worstFill([[1, Infinity]], 'higher')).toThrow(/finite number or null/);
    expect(() => worstFill([[1]], 'up' as never)).toThrow(/worse must be/);
  });
});

describe('censoredPairToWorst', () => {
  it('counts censoring per arm and uses one fill', () => {
    const r = censoredPairToWorst([null, 1, null], [2, null, null], { worse: 'higher' });
    expect(r.censored).toEqual({ x: 1, y: 1, both: 1 });
    expect(r.x[0]).toBe(r.fill);
    expect(r.y[2]).toBe(r.x[2]);
    expect(() => censoredPairToWorst([1], [1, 2], { worse: 'higher' })).toThrow(/same length/);
  });
});

describe('pairedRatios', () => {
  it('divides observed pairs and maps censoring to its limit', () => {
    expect(pairedRatios([2, null, 3, null], [4, 5, null, null], { worse: 'higher' })).toEqual([0.5, Infinity, 0, 1]);
    expect(pairedRatios([2, null, 3, null], [4, 5, null, null], { worse: 'lower' })).toEqual([0.5, 0, Infinity, 1]);
  });

  it('needs positive values and equal lengths', () => {
    expect(() => pairedRatios([0], [1])).toThrow(/numerator\[0\] must be a positive finite number/);
    expect(() => pairedRatios([1], [-1])).toThrow(/denominator\[0\]/);
    expect(() => pairedRatios([1, 2], [1])).toThrow(/same length/);
  });
});
