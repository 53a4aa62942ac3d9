import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assertMask, globalMask, pruneCount } from '../../src/prune/mask.ts';
import { magnitudeMask } from '../../src/prune/magnitude.ts';

const distinctScores = fc.uniqueArray(fc.double({ min: -100, max: 100, noNaN: true }), { minLength: 1, maxLength: 300 });
const keep = fc.double({ min: 0.001, max: 1, noNaN: true });
const kept = (m: Float32Array) => m.reduce((a, b) => a + b, 0);

describe('global mask (authors\' rule, spec §4.2)', () => {
  it('keeps exactly N − ⌊(1 − q)N⌋ weights when scores have no ties', () => {
    fc.assert(fc.property(distinctScores, keep, (s, q) => {
      expect(kept(globalMask(s, q))).toBe(s.length - (pruneCount(q, s.length) >= 1 ? pruneCount(q, s.length) : 0));
    }));
  });

  it('over-prunes ties at the threshold (score <= threshold), like torch.kthvalue + <=', () => {
    expect(Array.from(globalMask([1, 2, 2, 2, 3], 0.6))).toEqual([0, 0, 0, 0, 1]);
  });

  it('reproduces the float64 prune count of the paper MLP (spec §4.2)', () => {
    expect(pruneCount(0.4, 115_000)).toBe(69_000);
    expect(pruneCount(0.9, 115_000)).toBe(11_499);
    expect(pruneCount(0.19, 115_000)).toBe(93_150);
  });

  it('masks are nested as the keep fraction grows', () => {
    fc.assert(fc.property(distinctScores, keep, keep, (s, a, b) => {
      const [lo, hi] = a < b ? [a, b] : [b, a];
      const small = globalMask(s, lo);
      const big = globalMask(s, hi);
      small.forEach((v, i) => expect(v <= big[i]).toBe(true));
    }));
  });

  it('keeps the largest magnitudes', () => {
    const m = magnitudeMask(Float32Array.from([0.1, -5, 0.2, 3, -0.05]), 0.4);
    expect(Array.from(m)).toEqual([0, 1, 0, 1, 0]);
  });

  it('rejects keep fractions outside (0, 1] naming the field', () => {
    for (const q of [0, -0.1, 1.01, Number.NaN]) expect(() => globalMask([1, 2], q)).toThrow(/keepFraction: .* must be in \(0, 1\]/);
  });

  it('fails on a layer pruned to nothing and on non-binary masks', () => {
    const layers = [{ name: 'a', offset: 0, size: 2 }, { name: 'b', offset: 2, size: 2 }];
    expect(() => assertMask(Float32Array.from([1, 1, 0, 0]), layers)).toThrow(/prunes layer b entirely/);
    expect(() => assertMask(Float32Array.from([1, 0.5, 1, 1]), layers)).toThrow(/only 0 and 1/);
  });
});
