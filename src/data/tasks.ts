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
