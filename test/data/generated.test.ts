import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { makeParity } from '../../src/tasks/parity.ts';
import { makePolynomial, PolynomialSchema } from '../../src/tasks/polynomial.ts';
import type { VectorExamples } from '../../src/tasks/types.ts';

/** The generated data sets are named by their seed: pinned first values, and nothing else moves them. */
const vec = (e: unknown) => e as VectorExamples;
const head = (a: ArrayLike<number>, n: number) => Array.from(a).slice(0, n);

describe('polynomial regression data (spec §1.6)', () => {
  const cfg = PolynomialSchema.parse({});

  it('golden: the first inputs and targets of seed 0 (changing them orphans every stored polynomial run)', () => {
    const { train, test } = makePolynomial(cfg);
    expect(head(vec(train).x, 4)).toEqual([-0.13977967202663422, -0.3745688498020172, 0.03326895833015442, -0.15972544252872467]);
    expect(head(vec(train).targets, 4)).toEqual([0.006206328980624676, 0.48418503999710083, 0.04887731000781059, 0.2061239629983902]);
    expect(head(vec(test).x, 4)).toEqual([0.12495974451303482, 0.26175346970558167, 0.029114428907632828, 0.1284201294183731]);
    expect(head(vec(test).targets, 4)).toEqual([0.14058353006839752, 1.4061975479125977, 0.23397308588027954, 0.0028984711971133947]);
    expect([train.n, test.n, vec(train).dim]).toEqual([100, 100, 40]);
  });

  it('is deterministic in its seed; the seed, not the sample count, names the stream', () => {
    const a = makePolynomial({ ...cfg, seed: 3 });
    const b = makePolynomial({ ...cfg, seed: 3 });
    expect(vec(b.train).x).toEqual(vec(a.train).x);
    expect(vec(b.test).targets).toEqual(vec(a.test).targets);
    expect(vec(makePolynomial({ ...cfg, seed: 4 }).train).x).not.toEqual(vec(a.train).x);
    // more training samples extend the same stream; the test set and β do not move
    const more = makePolynomial({ ...cfg, seed: 3, nTrain: 150 });
    expect(vec(more.train).x.subarray(0, 100 * 40)).toEqual(vec(a.train).x);
    expect(vec(more.test).targets).toEqual(vec(a.test).targets);
  });

  it('targets are (x·β)²/2 for one β shared by train and test', () => {
    // d = 1: y / x² = β²/2 is one constant over both sets
    const { train, test } = makePolynomial({ d: 1, nTrain: 20, nTest: 20, seed: 1 });
    const ratios = [vec(train), vec(test)].flatMap((ex) => Array.from(ex.targets, (y, i) => y / ex.x[i] ** 2));
    for (const r of ratios) expect(r).toBeCloseTo(ratios[0], 5);
    for (const y of vec(makePolynomial({ ...cfg, seed: 2 }).train).targets) expect(y).toBeGreaterThanOrEqual(0);
  });
});

describe('sparse parity data (spec §1.7)', () => {
  it('golden: the first bits and labels of seed 0', () => {
    const { train, test } = makeParity({ n: 40, k: 3, nTrain: 1000, nTest: 1000, seed: 0 });
    expect(head(vec(train).x, 12)).toEqual([-1, -1, -1, 1, 1, -1, -1, -1, -1, 1, 1, 1]);
    expect(head(vec(train).labels!, 12)).toEqual([0, 1, 0, 0, 1, 1, 1, 1, 1, 0, 0, 0]);
    expect(head(vec(test).labels!, 12)).toEqual([0, 1, 1, 0, 1, 1, 0, 1, 1, 1, 0, 0]);
  });

  it('labels are the parity of the first k bits, one-hot targets agree, and the seed fixes everything', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 0, max: 1000 }), (n, kRaw, seed) => {
        const k = Math.min(n, kRaw);
        const { train, test } = makeParity({ n, k, nTrain: 20, nTest: 7, seed });
        for (const ex of [vec(train), vec(test)]) {
          for (let i = 0; i < ex.n; i++) {
            let prod = 1;
            for (let j = 0; j < n; j++) {
              expect(Math.abs(ex.x[i * n + j])).toBe(1);
              if (j < k) prod *= ex.x[i * n + j];
            }
            expect(ex.labels![i]).toBe(prod > 0 ? 1 : 0);
            expect(ex.targets[i * 2 + ex.labels![i]]).toBe(1);
            expect(ex.targets[i * 2 + 1 - ex.labels![i]]).toBe(0);
          }
        }
        const again = makeParity({ n, k, nTrain: 20, nTest: 7, seed });
        expect(vec(again.train).x).toEqual(vec(train).x);
        expect(vec(again.test).labels).toEqual(vec(test).labels);
      }),
      { numRuns: 30 },
    );
  });
});
