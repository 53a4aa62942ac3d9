import { z } from 'zod';
import { isPrime } from '../data/primes.ts';
import { genTrainTest, type Pair, type SplitConfig } from '../data/split.ts';
import { registerTask } from './registry.ts';
import type { Split, TokenExamples } from './types.ts';

/**
 * Label functions label = f(a, b) mod p of the authors' configs (spec §1.2), with x = a, y = b.
 *
 * Left out on purpose:
 * - `rand`: the authors draw the label table with an unseeded `np.random.randint`, so a base run and
 *   its ticket see different tables; there is nothing reproducible to port.
 * - `only_add` (x + y without mod): it switches the authors' code to a different model with 2p
 *   outputs (`OnlyMLP_onlyadd`), which this project does not implement.
 *
 * Arithmetic is plain doubles: the largest intermediate is x·y² < p³, exact while p³ < 2^53
 * (p ≤ 208 063), far beyond any modulus whose p² pairs fit in memory.
 */

export const TASK_NAMES = [
  'add',
  'subtract',
  'subtract_yx',
  'multiply',
  'divide',
  'x2y2',
  'x2xyy2',
  'x2xyy2x',
  'x3xy',
  'x3xy2y',
  'x2xyy2x2',
  'x2xyy2y2',
  'x22xyy2',
  'x22xyy2y',
] as const;

export type TaskName = (typeof TASK_NAMES)[number];

/** Python's `v % p` for p > 0: non-negative (and never -0), unlike JS `%`. */
export function mod(v: number, p: number): number {
  return ((v % p) + p) % p;
}

/** Each formula before the final `mod p`. */
const FORMULAS: Record<TaskName, (x: number, y: number) => number> = {
  add: (x, y) => x + y,
  // master/arxiv form; the transfer/slth configs use (y − x), see `subtract_yx`.
  subtract: (x, y) => x - y,
  subtract_yx: (x, y) => y - x,
  multiply: (x, y) => x * y,
  // Python `x // (y + 1)`: floor division, not a modular inverse.
  divide: (x, y) => Math.floor(x / (y + 1)),
  x2y2: (x, y) => x * x + y * y,
  x2xyy2: (x, y) => x * x + x * y + y * y,
  x2xyy2x: (x, y) => x * x + x * y + y * y + x,
  x3xy: (x, y) => x * x * x + x * y,
  // The name says x³ but the authors' code is `x**2 + x*y**2 + y`; we follow the code.
  x3xy2y: (x, y) => x * x + x * y * y + y,
  x2xyy2x2: (x, y) => 2 * x * x + x * y + y * y,
  x2xyy2y2: (x, y) => x * x + x * y + 2 * y * y,
  x22xyy2: (x, y) => x * x + 2 * x * y + y * y,
  x22xyy2y: (x, y) => x * x + 2 * x * y + y * y + 2 * y,
};

/**
 * f(a, b) = f(b, a) for every pair (test/tasks checks this against the formulas). A task that is
 * not trains on ordered pairs: with the authors' pairs a ≤ b the order is implied and the task is
 * a different one (spec §1.2: their (y − x) never wraps).
 */
export const COMMUTATIVE: Record<TaskName, boolean> = {
  add: true, subtract: false, subtract_yx: false, multiply: true, divide: false, x2y2: true, x2xyy2: true,
  x2xyy2x: false, x3xy: false, x3xy2y: false, x2xyy2x2: false, x2xyy2y2: false, x22xyy2: true, x22xyy2y: false,
};

const FORMULA_TEXT: Record<TaskName, string> = {
  add: 'a + b', subtract: 'a − b', subtract_yx: 'b − a', multiply: 'a·b', divide: 'a // (b + 1)', x2y2: 'a² + b²',
  x2xyy2: 'a² + ab + b²', x2xyy2x: 'a² + ab + b² + a', x3xy: 'a³ + ab', x3xy2y: 'a² + ab² + b', x2xyy2x2: '2a² + ab + b²',
  x2xyy2y2: 'a² + ab + 2b²', x22xyy2: 'a² + 2ab + b²', x22xyy2y: 'a² + 2ab + b² + 2b',
};

export function isTaskName(s: string): s is TaskName {
  return (TASK_NAMES as readonly string[]).includes(s);
}

/** Narrows an untyped name, with an error that lists the allowed values. */
export function parseTaskName(s: string): TaskName {
  if (!isTaskName(s)) {
    throw new Error(`task: ${JSON.stringify(s)} is not one of ${TASK_NAMES.join(', ')}`);
  }
  return s;
}

/** The label of the pair (a, b) for `task` modulo p, in [0, p). */
export function label(task: TaskName, a: number, b: number, p: number): number {
  // Checked again at runtime: names may come from untyped JSON or CLI input.
  return mod(FORMULAS[parseTaskName(task)](a, b), p);
}

export interface DatasetConfig extends SplitConfig {
  task: TaskName;
}

/** One split as flat columns; row i is the i-th pair of `genTrainTest` (shuffled order). */
export interface Dataset {
  trainA: Int32Array;
  trainB: Int32Array;
  trainY: Int32Array;
  testA: Int32Array;
  testB: Int32Array;
  testY: Int32Array;
  p: number;
  task: TaskName;
}

export function makeDataset(cfg: DatasetConfig): Dataset {
  const task = parseTaskName(cfg.task);
  const { train, test } = genTrainTest(cfg);
  const columns = (pairs: Pair[]) => {
    const a = new Int32Array(pairs.length);
    const b = new Int32Array(pairs.length);
    const y = new Int32Array(pairs.length);
    pairs.forEach(([x, z], i) => {
      a[i] = x;
      b[i] = z;
      y[i] = label(task, x, z, cfg.p);
    });
    return { a, b, y };
  };
  const tr = columns(train);
  const te = columns(test);
  return { trainA: tr.a, trainB: tr.b, trainY: tr.y, testA: te.a, testB: te.b, testY: te.y, p: cfg.p, task };
}

const tokenExamples = (a: Int32Array, b: Int32Array, y: Int32Array, p: number): TokenExamples => ({ kind: 'tokens', n: a.length, vocab: p, tokens: [a, b], labels: y });

/** A dataset as the (train, test) examples every model and loss reads. */
export function modularSplit(d: Dataset): Split {
  return { train: tokenExamples(d.trainA, d.trainB, d.trainY, d.p), test: tokenExamples(d.testA, d.testB, d.testY, d.p) };
}

const int = (min: number) => z.number().int().min(min);

/** The data group of a modular task; pairs a ≤ b by default only where the operation commutes. */
export function modularSchema(commutative: boolean) {
  return z.strictObject({
    p: int(2).refine(isPrime, { message: 'must be a prime' }).default(67),
    fracTrain: z.number().gt(0).lt(1).default(0.4),
    /** The authors' pairs a ≤ b, diagonal included (2278 for p = 67; spec §1.1). */
    symmetric: z.boolean().default(commutative),
    /** Seeds the CPython-compatible split. */
    seed: int(0).default(0),
  });
}
export type ModularConfig = z.output<ReturnType<typeof modularSchema>>;

for (const name of TASK_NAMES) {
  const commutative = COMMUTATIVE[name];
  registerTask<ModularConfig>({
    name,
    description: `(${FORMULA_TEXT[name]}) mod p over ${commutative ? 'the pairs a ≤ b' : 'ordered pairs (a, b)'}`,
    paperRef: name === 'add' ? '§3, Fig. 1, 2a; spec §1.1' : 'Fig. 2c; spec §1.2',
    source: import.meta.url,
    schema: modularSchema(commutative),
    loss: 'crossEntropy',
    milestone: { metric: 'accuracy', threshold: 0.95 },
    defaultModel: commutative ? 'mlp' : 'transformer',
    shape: (cfg) => ({ inputKind: 'tokens', vocab: cfg.p, positions: 2, outputSize: cfg.p, commutative }),
    check: (cfg) =>
      !commutative && cfg.symmetric
        ? [`data.symmetric: true is invalid (${name} is not commutative, so it trains on ordered pairs (a, b); pairs a ≤ b would make it another task)`]
        : [],
    size: (cfg) => {
      // as genTrainTest: p² ordered pairs or p(p+1)/2 pairs a ≤ b, the first ⌊frac·n⌋ for training
      const pairs = cfg.symmetric ? (cfg.p * (cfg.p + 1)) / 2 : cfg.p * cfg.p;
      const train = Math.floor(cfg.fracTrain * pairs);
      return { train, test: pairs - train };
    },
    make: (cfg) => modularSplit(makeDataset({ ...cfg, task: name })),
  });
}
