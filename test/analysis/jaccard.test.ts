import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import seedrandom from 'seedrandom';
import { changeWindows, expectedRandomJaccard, jaccardDistance, layerJaccard, successiveJaccard } from '../../src/analysis/jaccard.ts';
import { mlpLayout } from '../../src/models/mlp.ts';

const mask = (n: number) => fc.array(fc.boolean(), { minLength: n, maxLength: n }).map((b) => Float32Array.from(b, Number));
const triple = fc.integer({ min: 0, max: 40 }).chain((n) => fc.tuple(mask(n), mask(n), mask(n)));

function randomMask(n: number, q: number, rng: () => number): Float32Array {
  const m = new Float32Array(n);
  for (let i = 0; i < n; i++) m[i] = rng() < q ? 1 : 0;
  return m;
}

describe('jaccardDistance', () => {
  it('hand-computed values', () => {
    expect(jaccardDistance([1, 1, 0, 0], [1, 0, 1, 0])).toBeCloseTo(1 - 1 / 3, 15);
    expect(jaccardDistance([1, 0], [0, 1])).toBe(1);
    expect(jaccardDistance([1, 1, 0], [1, 1, 0])).toBe(0);
    expect(jaccardDistance([0, 0, 0], [0, 0, 0])).toBe(0); // documented convention for 0/0
    expect(jaccardDistance([], [])).toBe(0);
    expect(() => jaccardDistance([1], [1, 0])).toThrow(/lengths/);
  });

  it('is a metric on 0/1 masks with values in [0, 1]', () => {
    fc.assert(
      fc.property(triple, ([x, y, z]) => {
        const dxy = jaccardDistance(x, y);
        expect(dxy).toBeGreaterThanOrEqual(0);
        expect(dxy).toBeLessThanOrEqual(1);
        expect(jaccardDistance(x, x)).toBe(0);
        expect(jaccardDistance(y, x)).toBe(dxy);
        // identity of indiscernibles: distance 0 only for equal masks
        if (dxy === 0) expect(Array.from(x)).toEqual(Array.from(y));
        expect(jaccardDistance(x, z)).toBeLessThanOrEqual(dxy + jaccardDistance(y, z) + 1e-12);
      }),
      { numRuns: 500 },
    );
  });

  it('random independent masks at keep q give 1 − q/(2 − q) (100k entries)', () => {
    expect(expectedRandomJaccard(0.4)).toBeCloseTo(0.75, 15);
    expect(expectedRandomJaccard(1)).toBe(0);
    expect(() => expectedRandomJaccard(0)).toThrow();
    const rng = seedrandom('jaccard-mc');
    for (const q of [0.1, 0.4, 0.8]) {
      const d = jaccardDistance(randomMask(100_000, q, rng), randomMask(100_000, q, rng));
      expect(Math.abs(d - expectedRandomJaccard(q))).toBeLessThan(0.01);
    }
  });
});

describe('layerJaccard', () => {
  const layout = mlpLayout({ p: 5, dEmb: 4, dModel: 3 });

  it('splits by layer and agrees with jaccardDistance on each slice and on the whole', () => {
    const rng = seedrandom('layer-jaccard');
    const a = randomMask(layout.size, 0.4, rng);
    const b = randomMask(layout.size, 0.4, rng);
    const r = layerJaccard(layout, a, b);
    expect(Object.keys(r.perLayer).sort()).toEqual(['W_E', 'W_U', 'W_in', 'W_out']);
    for (const l of layout.layers) {
      const sa = a.subarray(l.offset, l.offset + l.size);
      const sb = b.subarray(l.offset, l.offset + l.size);
      expect(r.perLayer[l.name]).toBe(jaccardDistance(sa, sb));
    }
    expect(r.overall).toBe(jaccardDistance(a, b));
    const same = layerJaccard(layout, a, a);
    expect(same.overall).toBe(0);
    for (const v of Object.values(same.perLayer)) expect(v).toBe(0);
    expect(() => layerJaccard(layout, a, b.subarray(1))).toThrow(/length/);
  });

  it('an emptied layer against itself is 0, against a nonempty one is 1', () => {
    const a = new Float32Array(layout.size).fill(1);
    const wu = layout.layers[0];
    a.fill(0, wu.offset, wu.offset + wu.size);
    const b = a.slice();
    expect(layerJaccard(layout, a, b).perLayer.W_U).toBe(0);
    b[wu.offset] = 1;
    expect(layerJaccard(layout, a, b).perLayer.W_U).toBe(1);
  });
});

describe('successiveJaccard', () => {
  const layout = mlpLayout({ p: 3, dEmb: 2, dModel: 2 });
  const rng = seedrandom('successive');
  const byEpoch = new Map([0, 2000, 4000, 6000, 10000].map((e) => [e, randomMask(layout.size, 0.5, rng)]));

  it('sorts by epoch (not glob order) and pairs each checkpoint with the next', () => {
    // glob-like order: lexicographic file names put 10000 before 2000
    const shuffled = [10000, 0, 2000, 4000, 6000].map((epoch) => ({ epoch, mask: byEpoch.get(epoch)! }));
    const rows = successiveJaccard(layout, shuffled);
    expect(rows.map((r) => [r.epoch, r.next])).toEqual([
      [0, 2000],
      [2000, 4000],
      [4000, 6000],
      [6000, 10000],
    ]);
    for (const r of rows) {
      const expected = layerJaccard(layout, byEpoch.get(r.next)!, byEpoch.get(r.epoch)!);
      expect(r.overall).toBe(expected.overall);
      expect(r.perLayer).toEqual(expected.perLayer);
    }
    expect(shuffled[0].epoch).toBe(10000); // input untouched
  });

  it('fewer than two masks give no rows; duplicate epochs are refused', () => {
    expect(successiveJaccard(layout, [])).toEqual([]);
    expect(successiveJaccard(layout, [{ epoch: 0, mask: byEpoch.get(0)! }])).toEqual([]);
    const m = byEpoch.get(0)!;
    expect(() => successiveJaccard(layout, [{ epoch: 0, mask: m }, { epoch: 0, mask: m }])).toThrow(/duplicate/);
  });
});

describe('changeWindows', () => {
  it('measures δt = 2000 on 1000-epoch snapshots with overlapping windows from δt on', () => {
    const w = changeWindows(15_000, 2000, 1000);
    expect(w[0]).toEqual({ epoch: 2000, next: 4000 });
    expect(w[1]).toEqual({ epoch: 3000, next: 5000 });
    expect(w.at(-1)).toEqual({ epoch: 13_000, next: 15_000 });
    expect(w.length).toBe(12);
  });

  it('is the successive snapshots when δt is the spacing (the paper\'s 2k masks)', () => {
    expect(changeWindows(30_000, 2000, 2000).map((x) => x.epoch)).toEqual(Array.from({ length: 14 }, (_, i) => 2000 * (i + 1)));
    expect(changeWindows(40, 20, 20)).toEqual([{ epoch: 20, next: 40 }]);
    expect(changeWindows(30, 20, 20)).toEqual([]);
  });

  it('refuses a δt the snapshots cannot measure, naming it', () => {
    expect(() => changeWindows(15_000, 1500, 1000)).toThrow(/δt = 1500 epochs is not a multiple of the snapshot spacing 1000/);
    expect(() => changeWindows(15_000, 0, 1000)).toThrow(/δt must be a positive integer/);
  });
});
