import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { genTrainTest, type Pair } from '../../src/data/split.ts';

/*
 * fixtures/split-golden.json holds full CPython splits. Regenerate with
 * `python3 gen.py > fixtures/split-golden.json`, gen.py being:
 *
 * import json, random, sys
 * def gen_train_test(frac_train, num, seed=0, is_symmetric_input=False):  # the authors' data_module.gen_train_test
 *     if is_symmetric_input:
 *         pairs = [(i, j) for i in range(num) for j in range(num) if i <= j]
 *     else:
 *         pairs = [(i, j) for i in range(num) for j in range(num)]
 *     random.seed(seed)
 *     random.shuffle(pairs)
 *     div = int(frac_train * len(pairs))
 *     return pairs[:div], pairs[div:]
 * combos = [(67, 0.4, 0, True), (67, 0.5, 2**40 + 7, True), (67, 0.4, 3, False), (31, 0.3, 2**64 + 123, False), (97, 0.25, 123456789, True)]
 * cases = []
 * for p, frac, seed, sym in combos:
 *     train, test = gen_train_test(frac, p, seed, sym)
 *     cases.append({"p": p, "fracTrain": frac, "seed": str(seed), "symmetric": sym,
 *                   "train": [list(t) for t in train], "test": [list(t) for t in test]})
 * out = {"generator": "CPython %d.%d.%d random.seed + random.shuffle via the authors' gen_train_test; seed is a decimal string (may exceed 2^53); regenerate with the script in test/data/split-golden.test.ts" % sys.version_info[:3], "cases": cases}
 * json.dump(out, sys.stdout, separators=(",", ":"))
 */
interface GoldenCase {
  p: number;
  fracTrain: number;
  seed: string; // decimal: may exceed 2^53
  symmetric: boolean;
  train: Pair[];
  test: Pair[];
}

const fixture = JSON.parse(
  readFileSync(new URL('../../fixtures/split-golden.json', import.meta.url), 'utf8'),
) as { generator: string; cases: GoldenCase[] };

describe('genTrainTest vs CPython fixture', () => {
  it('covers a seed ≥ 2^32', () => {
    expect(fixture.cases.some((c) => BigInt(c.seed) >= 2n ** 32n)).toBe(true);
  });

  it.each(fixture.cases)('p=$p frac=$fracTrain seed=$seed symmetric=$symmetric', (c) => {
    const split = genTrainTest({ p: c.p, fracTrain: c.fracTrain, seed: BigInt(c.seed), symmetric: c.symmetric });
    expect(split.train).toEqual(c.train);
    expect(split.test).toEqual(c.test);
  });
});
