import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import seedrandom from 'seedrandom';
import { normRatios, scaleTheta } from '../../src/analysis/norm-match.ts';
import type { Layout } from '../../src/models/layout.ts';
import { mlpLayout, PAPER_DIMS } from '../../src/models/mlp.ts';
import { initTheta } from '../../src/models/init.ts';

/** Global norms over the whole vector, in float64, independent of the module under test. */
function globalNorms(theta: ArrayLike<number>, mask?: ArrayLike<number>) {
  const w = Array.from(theta, (v, i) => v * (mask ? mask[i] : 1));
  const s = w.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  const l2 = s === 0 ? 0 : s * Math.sqrt(w.reduce((acc, v) => acc + (v / s) ** 2, 0));
  return { l1: w.reduce((acc, v) => acc + Math.abs(v), 0), l2 };
}

const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-300);

const caseArb = fc
  .record({ p: fc.integer({ min: 2, max: 7 }), dEmb: fc.integer({ min: 1, max: 6 }), dModel: fc.integer({ min: 1, max: 5 }) })
  .chain((dims) => {
    const layout = mlpLayout(dims);
    const n = layout.size;
    return fc.record({
      layout: fc.constant(layout),
      theta: fc
        .array(fc.double({ min: -3, max: 3, noNaN: true }), { minLength: n, maxLength: n })
        // θ·r on near-subnormal weights rounds to a few bits, so no norm could match there
        .map((v) => Float64Array.from(v, (x) => (Math.abs(x) < 1e-100 ? 0 : x)))
        .filter((t) => t.some((v) => v !== 0)),
      mask: fc.array(fc.boolean(), { minLength: n, maxLength: n }).map((b) => Float32Array.from(b, Number)),
    });
  });

describe('normRatios / scaleTheta', () => {
  it('θ0·r₁ has the ticket’s global L1 norm and θ0·r₂ its global L2 norm (float64, rel 1e-9)', () => {
    fc.assert(
      fc.property(caseArb, ({ layout, theta, mask }) => {
        const r = normRatios(layout, theta, mask);
        const ticket = globalNorms(theta, mask);
        const s1 = globalNorms(scaleTheta(theta, r.r1Global));
        const s2 = globalNorms(scaleTheta(theta, r.r2Global));
        if (ticket.l1 === 0) {
          expect(s1.l1).toBe(0);
          expect(s2.l2).toBe(0);
        } else {
          expect(rel(s1.l1, ticket.l1)).toBeLessThan(1e-9);
          expect(rel(s2.l2, ticket.l2)).toBeLessThan(1e-9);
        }
        expect(r.r1Global).toBe(r.r1Code);
        for (const v of Object.values(r)) {
          expect(v).toBeGreaterThanOrEqual(0);
          expect(v).toBeLessThanOrEqual(1);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('scaleTheta returns a new array of the same type, keeps zeros at zero, leaves the input alone', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.constant(0), fc.double({ min: -5, max: 5, noNaN: true })), { maxLength: 50 }),
        fc.double({ min: 0, max: 2, noNaN: true }),
        (xs, r) => {
          const t32 = Float32Array.from(xs);
          const before = t32.slice();
          const out = scaleTheta(t32, r);
          expect(out).toBeInstanceOf(Float32Array);
          expect(out).not.toBe(t32);
          expect(t32).toEqual(before);
          out.forEach((v, i) => {
            if (t32[i] === 0) expect(v === 0).toBe(true); // ±0 both count as pruned
            expect(v).toBe(Math.fround(t32[i] * r));
          });
          expect(scaleTheta(Float64Array.from(xs), r)).toBeInstanceOf(Float64Array);
        },
      ),
    );
  });

  it('code L2 ratio is the ratio of summed per-layer Frobenius norms (hand example)', () => {
    const layout = mlpLayout({ p: 2, dEmb: 1, dModel: 1 }); // W_U 1×2, W_E 2×1, W_in 1×1, W_out 1×1
    const theta = Float64Array.from([3, 4, 1, 0, 2, 5]);
    const mask = Float32Array.from([1, 0, 1, 1, 0, 1]);
    const r = normRatios(layout, theta, mask);
    expect(r.r1Global).toBeCloseTo((3 + 1 + 5) / (3 + 4 + 1 + 2 + 5), 15);
    expect(r.r2Global).toBeCloseTo(Math.sqrt(9 + 1 + 25) / Math.sqrt(9 + 16 + 1 + 4 + 25), 15);
    expect(r.r2Code).toBeCloseTo((3 + 1 + 0 + 5) / (5 + 1 + 2 + 5), 15);
    expect(r.r2Code).not.toBeCloseTo(r.r2Global, 3); // the spec §5 discrepancy is real
  });

  it('ratios do not depend on the scale of θ0, even where squares would under/overflow', () => {
    const layout = mlpLayout({ p: 3, dEmb: 2, dModel: 2 });
    const rng = seedrandom('norm-match-scale');
    const theta = Float64Array.from({ length: layout.size }, () => rng() - 0.5);
    const mask = Float32Array.from({ length: layout.size }, () => (rng() < 0.4 ? 1 : 0));
    const ref = normRatios(layout, theta, mask);
    for (const c of [1e-200, 1e200]) {
      const r = normRatios(layout, scaleTheta(theta, c), mask);
      for (const k of ['r1Global', 'r2Global', 'r1Code', 'r2Code'] as const) expect(rel(r[k], ref[k])).toBeLessThan(1e-12);
    }
  });

  it('refuses an all-zero θ0 and wrong lengths', () => {
    const layout: Layout = mlpLayout({ p: 2, dEmb: 1, dModel: 1 });
    const ones = new Float32Array(layout.size).fill(1);
    expect(() => normRatios(layout, new Float32Array(layout.size), ones)).toThrow(/all zero/);
    expect(() => normRatios(layout, ones.subarray(1), ones)).toThrow(/length/);
    expect(() => normRatios(layout, ones, ones.subarray(1))).toThrow(/length/);
  });

  it('paper sizes, random mask at keep 0.4 on Gaussian θ0: r₁ ≈ 0.4, r₂ ≈ √0.4', () => {
    const layout = mlpLayout({ p: 67, ...PAPER_DIMS });
    expect(layout.size).toBe(115_000);
    const theta0 = initTheta(layout, 0);
    const rng = seedrandom('norm-match-keep-0.4');
    const mask = Float32Array.from({ length: layout.size }, () => (rng() < 0.4 ? 1 : 0));
    const r = normRatios(layout, theta0, mask);
    expect(Math.abs(r.r1Global - 0.4)).toBeLessThan(0.02);
    expect(Math.abs(r.r1Code - 0.4)).toBeLessThan(0.02);
    expect(Math.abs(r.r2Global - Math.sqrt(0.4))).toBeLessThan(0.02);
    expect(Math.abs(r.r2Code - Math.sqrt(0.4))).toBeLessThan(0.02);
    // θ is Float32 in training: the rescaled model still matches the ticket to float32 precision
    const ticket = globalNorms(theta0, mask);
    expect(rel(globalNorms(scaleTheta(theta0, r.r1Global)).l1, ticket.l1)).toBeLessThan(1e-6);
    expect(rel(globalNorms(scaleTheta(theta0, r.r2Global)).l2, ticket.l2)).toBeLessThan(1e-6);
  });
});
