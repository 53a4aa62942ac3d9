import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { createHash } from 'node:crypto';
import { COMMUTATIVE, TASK_NAMES, label, mod, parseTaskName, isTaskName, type TaskName } from '../../src/tasks/modular.ts';

/*
 * sha256[:16] of the p = 67 label table (row-major over (x, y), labels joined by ","), computed
 * with CPython using the authors' formulas:
 *
 * python3 - <<'PY'
 * import hashlib
 * p = 67
 * F = {'add': lambda x, y: (x + y) % p, 'subtract': lambda x, y: (x - y) % p,
 *      'subtract_yx': lambda x, y: (y - x) % p, 'multiply': lambda x, y: (x * y) % p,
 *      'divide': lambda x, y: (x // (y + 1)) % p, 'x2y2': lambda x, y: (x**2 + y**2) % p,
 *      'x2xyy2': lambda x, y: (x**2 + x*y + y**2) % p, 'x2xyy2x': lambda x, y: (x**2 + x*y + y**2 + x) % p,
 *      'x3xy': lambda x, y: (x**3 + x*y) % p, 'x3xy2y': lambda x, y: (x**2 + x*y**2 + y) % p,
 *      'x2xyy2x2': lambda x, y: (2*x**2 + x*y + y**2) % p, 'x2xyy2y2': lambda x, y: (x**2 + x*y + 2*y**2) % p,
 *      'x22xyy2': lambda x, y: (x**2 + 2*x*y + y**2) % p, 'x22xyy2y': lambda x, y: (x**2 + 2*x*y + y**2 + 2*y) % p}
 * for name, f in F.items():
 *     labels = [f(x, y) for x in range(p) for y in range(p)]
 *     print(name, hashlib.sha256(",".join(map(str, labels)).encode()).hexdigest()[:16])
 * PY
 */
const TABLE_SHA: Record<TaskName, string> = {
  add: '139412a1234c07d6',
  subtract: '66f8ac0d9268e8e9',
  subtract_yx: '63fd1483b0bdd1df',
  multiply: '7428b32e602d0dc3',
  divide: 'c74b13ea399a8355',
  x2y2: 'cdbf6ed32d703442',
  x2xyy2: '7d371b1fe7342f44',
  x2xyy2x: '181b0a72c266c9c4',
  x3xy: 'e33ea6541e6dccda',
  x3xy2y: 'a94f1af8cf22292f',
  x2xyy2x2: 'cdffb17677078730',
  x2xyy2y2: '5ebf6131eb1bd163',
  x22xyy2: 'a2370effa44270c6',
  x22xyy2y: '65933a664df2a59c',
};

describe('tasks', () => {
  it('lists every supported task exactly once (rand and only_add are excluded)', () => {
    expect(new Set(TASK_NAMES).size).toBe(TASK_NAMES.length);
    expect([...TASK_NAMES].sort()).toEqual(Object.keys(TABLE_SHA).sort());
    expect(isTaskName('rand')).toBe(false);
    expect(isTaskName('only_add')).toBe(false);
  });

  it.each(TASK_NAMES)('%s matches the CPython label table for p = 67', (task) => {
    const labels: number[] = [];
    for (let x = 0; x < 67; x++) for (let y = 0; y < 67; y++) labels.push(label(task, x, y, 67));
    const sha = createHash('sha256').update(labels.join(',')).digest('hex').slice(0, 16);
    expect(sha).toBe(TABLE_SHA[task]);
  });

  it('spot values', () => {
    expect(label('add', 60, 10, 67)).toBe(3);
    expect(label('subtract', 3, 5, 67)).toBe(65); // (x − y) wraps to non-negative
    expect(label('subtract_yx', 3, 5, 67)).toBe(2);
    expect(label('divide', 10, 2, 67)).toBe(3); // 10 // 3, not a modular inverse
    expect(label('x3xy2y', 2, 3, 67)).toBe((4 + 18 + 3) % 67); // x² + x·y² + y, as in the code
    expect(label('x3xy', 66, 66, 67)).toBe(mod(66 ** 3 + 66 * 66, 67));
  });

  it('mod is non-negative', () => {
    expect(mod(-1, 67)).toBe(66);
    expect(mod(-67, 67)).toBe(0);
    expect(mod(134, 67)).toBe(0);
  });

  it('labels are integers in [0, p)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...TASK_NAMES),
        fc.constantFrom(2, 3, 67, 97, 997),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (task, p, u, v) => {
          const y = label(task, Math.floor(u * p), Math.floor(v * p), p);
          expect(Number.isInteger(y) && y >= 0 && y < p).toBe(true);
        },
      ),
    );
  });

  it('rejects unknown task names with the list of allowed values', () => {
    expect(() => parseTaskName('foo')).toThrow(`task: "foo" is not one of ${TASK_NAMES.join(', ')}`);
    expect(() => parseTaskName('foo')).toThrow(/^task: "foo" is not one of add, subtract, /);
    expect(() => label('toString' as TaskName, 1, 2, 67)).toThrow(/task: "toString" is not one of/);
    expect(parseTaskName('x2y2')).toBe('x2y2');
  });
});

describe('commutativity', () => {
  it.each(TASK_NAMES)('%s declares whether f(a, b) = f(b, a) for every pair, mod 67', (task) => {
    let commutes = true;
    for (let a = 0; a < 67 && commutes; a++) for (let b = 0; b < 67; b++) if (label(task, a, b, 67) !== label(task, b, a, 67)) commutes = false;
    expect(COMMUTATIVE[task]).toBe(commutes);
  });
});
