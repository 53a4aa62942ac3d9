import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { createHash } from 'node:crypto';
import { allPairs, genTrainTest, type Pair } from '../../src/data/split.ts';
import { makeDataset } from '../../src/tasks/modular.ts';
import { label, TASK_NAMES } from '../../src/tasks/modular.ts';

// Spec §1.1 test-vector table (checked against CPython 3.11 and the authors' notebook).
const VECTORS = [
  { sym: true, frac: 0.4, seed: 0, nTrain: 911, nTest: 1367, train5: [[38, 65], [30, 65], [5, 57], [25, 48], [22, 65]], test3: [[30, 64], [5, 51], [5, 32]], sha: '3772f1f8ec2a328b', ws: 637458941n },
  { sym: true, frac: 0.4, seed: 1, nTrain: 911, nTest: 1367, train5: [[19, 60], [1, 44], [4, 34], [42, 55], [0, 35]], test3: [[21, 51], [4, 49], [19, 36]], sha: '048db19d40d8db51', ws: 646115730n },
  { sym: true, frac: 0.4, seed: 2, nTrain: 911, nTest: 1367, train5: [[39, 65], [7, 9], [11, 32], [21, 55], [21, 61]], test3: [[5, 25], [11, 42], [20, 53]], sha: '64f8b4e6157e87a4', ws: 614084499n },
  { sym: true, frac: 0.5, seed: 0, nTrain: 1139, nTest: 1139, train5: [[38, 65], [30, 65], [5, 57], [25, 48], [22, 65]], test3: [[10, 14], [47, 55], [1, 66]], sha: 'c14116680e0f6c3e', ws: 986763912n },
  { sym: true, frac: 0.5, seed: 1, nTrain: 1139, nTest: 1139, train5: [[19, 60], [1, 44], [4, 34], [42, 55], [0, 35]], test3: [[53, 62], [5, 58], [3, 35]], sha: '8bce0e3694b270c0', ws: 1017185122n },
  { sym: true, frac: 0.5, seed: 2, nTrain: 1139, nTest: 1139, train5: [[39, 65], [7, 9], [11, 32], [21, 55], [21, 61]], test3: [[0, 47], [4, 40], [28, 48]], sha: '9a69c4758357937a', ws: 961817425n },
  { sym: false, frac: 0.4, seed: 0, nTrain: 1795, nTest: 2694, train5: [[50, 31], [12, 15], [60, 29], [18, 35], [28, 23]], test3: [[48, 53], [46, 45], [44, 10]], sha: '94e35cb27289a042', ws: 3582076537n },
];

const sha16 = (pairs: Pair[]) =>
  createHash('sha256').update(pairs.map(([a, b]) => `${a},${b}`).join(';')).digest('hex').slice(0, 16);
const key = ([a, b]: Pair) => a * 100_000 + b;

describe('genTrainTest', () => {
  it.each(VECTORS)('reproduces spec §1.1: sym=$sym frac=$frac seed=$seed', (v) => {
    const { train, test } = genTrainTest({ p: 67, fracTrain: v.frac, seed: v.seed, symmetric: v.sym });
    expect(train.length).toBe(v.nTrain);
    expect(test.length).toBe(v.nTest);
    expect(train.slice(0, 5)).toEqual(v.train5);
    expect(test.slice(0, 3)).toEqual(v.test3);
    expect(sha16(train)).toBe(v.sha);
    const ws = train.reduce((s, [a, b], i) => s + BigInt(i + 1) * BigInt(67 * a + b), 0n);
    expect(ws).toBe(v.ws);
  });

  it('symmetric mode has p(p+1)/2 pairs (2278 for p = 67), diagonal included', () => {
    expect(allPairs(67, true).length).toBe(2278);
    expect(allPairs(67, false).length).toBe(4489);
    expect(allPairs(3, true)).toEqual([[0, 0], [0, 1], [0, 2], [1, 1], [1, 2], [2, 2]]);
  });

  it('a number seed and the same bigint seed give the same split', () => {
    const a = genTrainTest({ p: 31, fracTrain: 0.4, seed: 2 ** 40 + 7, symmetric: true });
    const b = genTrainTest({ p: 31, fracTrain: 0.4, seed: 2n ** 40n + 7n, symmetric: true });
    expect(a).toEqual(b);
  });

  const cfgArb = fc.record({
    p: fc.constantFrom(2, 3, 5, 7, 11, 13, 31, 67),
    fracTrain: fc.double({ min: 0, max: 1, minExcluded: true, maxExcluded: true, noNaN: true }),
    seed: fc.oneof(fc.nat(), fc.bigInt({ min: 0n, max: 2n ** 80n })),
    symmetric: fc.boolean(),
  });

  it('is a partition of all pairs with floor(frac·N) train pairs', () => {
    fc.assert(
      fc.property(cfgArb, (cfg) => {
        const { train, test } = genTrainTest(cfg);
        const all = allPairs(cfg.p, cfg.symmetric);
        const n = cfg.symmetric ? (cfg.p * (cfg.p + 1)) / 2 : cfg.p * cfg.p;
        expect(all.length).toBe(n);
        expect(train.length).toBe(Math.floor(cfg.fracTrain * n));
        expect(train.length + test.length).toBe(n);
        const seen = new Set([...train, ...test].map(key));
        expect(seen.size).toBe(n); // no duplicates …
        for (const pr of all) expect(seen.has(key(pr))).toBe(true); // … and nothing missing
      }),
    );
  });

  it('same seed ⇒ same split', () => {
    fc.assert(
      fc.property(cfgArb, (cfg) => {
        expect(genTrainTest(cfg)).toEqual(genTrainTest({ ...cfg }));
      }),
      { numRuns: 50 },
    );
  });

  it('validates its inputs with errors that name the field', () => {
    const ok = { p: 67, fracTrain: 0.4, seed: 0, symmetric: true };
    expect(() => genTrainTest({ ...ok, p: 66 })).toThrow('p: 66 is not prime; p must be a prime ≥ 2');
    expect(() => genTrainTest({ ...ok, p: 1 })).toThrow(/^p: 1 is not prime/);
    expect(() => genTrainTest({ ...ok, p: 67.5 })).toThrow(/^p: 67.5 is not prime/);
    for (const f of [0, 1, -0.1, 1.5, NaN]) {
      expect(() => genTrainTest({ ...ok, fracTrain: f })).toThrow(
        `fracTrain: ${f} is out of range; fracTrain must be a number in (0, 1)`,
      );
    }
    for (const s of [-1, 1.5, -3n, NaN]) {
      expect(() => genTrainTest({ ...ok, seed: s })).toThrow(/^seed: .* must be a non-negative integer/);
    }
  });
});

describe('makeDataset', () => {
  it('holds the split in order with labels of the task', () => {
    const cfg = { p: 67, fracTrain: 0.4, seed: 0, symmetric: true };
    const ds = makeDataset({ ...cfg, task: 'subtract' });
    const { train, test } = genTrainTest(cfg);
    expect(ds.p).toBe(67);
    expect(ds.task).toBe('subtract');
    expect(ds.trainA).toBeInstanceOf(Int32Array);
    expect(Array.from(ds.trainA)).toEqual(train.map(([a]) => a));
    expect(Array.from(ds.trainB)).toEqual(train.map(([, b]) => b));
    expect(Array.from(ds.trainY)).toEqual(train.map(([a, b]) => label('subtract', a, b, 67)));
    expect(Array.from(ds.testA)).toEqual(test.map(([a]) => a));
    expect(Array.from(ds.testB)).toEqual(test.map(([, b]) => b));
    expect(Array.from(ds.testY)).toEqual(test.map(([a, b]) => label('subtract', a, b, 67)));
    expect([ds.trainA[0], ds.trainB[0], ds.trainY[0]]).toEqual([38, 65, 40]);
  });

  it('labels lie in [0, p) for every task', () => {
    fc.assert(
      fc.property(fc.constantFrom(...TASK_NAMES), fc.constantFrom(5, 67, 97), fc.nat(), (task, p, seed) => {
        const ds = makeDataset({ p, fracTrain: 0.3, seed, symmetric: false, task });
        for (const y of [...ds.trainY, ...ds.testY]) expect(y >= 0 && y < p).toBe(true);
      }),
      { numRuns: 40 },
    );
  });

  it('rejects an unknown task before doing any work', () => {
    expect(() => makeDataset({ p: 67, fracTrain: 0.4, seed: 0, symmetric: true, task: 'foo' as never })).toThrow(
      /^task: "foo" is not one of add, subtract, subtract_yx, multiply/,
    );
  });
});
