import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { holm } from '../../src/stats/holm.ts';

describe('holm', () => {
  it('textbook example', () => {
    const adj = holm([0.01, 0.04, 0.03, 0.005]);
    [0.03, 0.06, 0.06, 0.02].forEach((v, i) => expect(adj[i]).toBeCloseTo(v, 12));
  });

  it("R's p.adjust(c(.01,.02,.03,.04,.05), 'holm')", () => {
    const adj = holm([0.01, 0.02, 0.03, 0.04, 0.05]);
    [0.05, 0.08, 0.09, 0.09, 0.09].forEach((v, i) => expect(adj[i]).toBeCloseTo(v, 12));
  });

  it('caps at 1, handles empty and single inputs', () => {
    expect(holm([0.6, 0.7])).toEqual([1, 1]);
    expect(holm([])).toEqual([]);
    expect(holm([0.2])).toEqual([0.2]);
  });

  it('properties: raw ≤ adjusted ≤ min(1, m·raw), monotone in the order of raw p', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 30 }), (p) => {
        const adj = holm(p);
        const m = p.length;
        for (let i = 0; i < m; i++) {
          expect(adj[i]).toBeGreaterThanOrEqual(p[i]);
          expect(adj[i]).toBeLessThanOrEqual(1);
          for (let j = 0; j < m; j++) if (p[i] <= p[j]) expect(adj[i]).toBeLessThanOrEqual(adj[j]);
        }
      }),
    );
  });

  it('rejects values that are not probabilities', () => {
    expect(() => holm([0.1, NaN])).toThrow(/pValues\[1\] must be a probability/);
    expect(() => holm([1.5])).toThrow(/probability/);
  });
});
