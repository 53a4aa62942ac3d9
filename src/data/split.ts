/**
 * The authors' `data_module.gen_train_test` (spec §1.1), reproduced bit-exactly:
 *
 *   pairs = [(i, j) for i in range(p) for j in range(p) (if i <= j when symmetric)]
 *   random.seed(seed); random.shuffle(pairs)
 *   div = int(frac_train * len(pairs)); return pairs[:div], pairs[div:]
 */
import { isPrime } from './primes.ts';
import { PythonRandom } from './python-random.ts';

export type Pair = [number, number];

export interface SplitConfig {
  /** Modulus and vocabulary size (67 in the paper). */
  p: number;
  /** Fraction of the pairs used for training, in (0, 1). */
  fracTrain: number;
  /** Python `random.seed` argument; bigint for seeds beyond 2^53. */
  seed: number | bigint;
  /** Only pairs with a ≤ b (diagonal included), as in the paper. */
  symmetric: boolean;
}

export interface Split {
  train: Pair[];
  test: Pair[];
}

export function validateSplitConfig(cfg: SplitConfig): void {
  const { p, fracTrain, seed, symmetric } = cfg;
  if (typeof p !== 'number' || !isPrime(p)) {
    throw new Error(`p: ${String(p)} is not prime; p must be a prime ≥ 2`);
  }
  if (typeof fracTrain !== 'number' || !(fracTrain > 0 && fracTrain < 1)) {
    throw new Error(`fracTrain: ${String(fracTrain)} is out of range; fracTrain must be a number in (0, 1)`);
  }
  const seedOk =
    (typeof seed === 'number' && Number.isInteger(seed) && seed >= 0) || (typeof seed === 'bigint' && seed >= 0n);
  if (!seedOk) {
    throw new Error(`seed: ${String(seed)} is invalid; seed must be a non-negative integer (number or bigint)`);
  }
  if (typeof symmetric !== 'boolean') {
    throw new Error(`symmetric: ${String(symmetric)} is invalid; symmetric must be true or false`);
  }
}

/** All input pairs in the authors' enumeration order (row-major, a ≤ b if symmetric). */
export function allPairs(p: number, symmetric: boolean): Pair[] {
  const pairs: Pair[] = [];
  for (let i = 0; i < p; i++) {
    for (let j = symmetric ? i : 0; j < p; j++) pairs.push([i, j]);
  }
  return pairs;
}

export function genTrainTest(cfg: SplitConfig): Split {
  validateSplitConfig(cfg);
  const pairs = new PythonRandom(cfg.seed).shuffle(allPairs(cfg.p, cfg.symmetric));
  // Python's int() truncates the same IEEE double product, so floor gives the same count.
  const div = Math.floor(cfg.fracTrain * pairs.length);
  return { train: pairs.slice(0, div), test: pairs.slice(div) };
}
