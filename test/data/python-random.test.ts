import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { PythonRandom, seedToKey } from '../../src/data/python-random.ts';

/*
 * Golden values from CPython 3.11.7. Regenerate with:
 *
 * python3 - <<'PY'
 * import random
 * for s in [2**32 - 1, 2**32, 2**40 + 7, -(2**40 + 7), 2**53, 2**53 + 1, 2**64 + 123, 2**100 + 5, -5]:
 *     r = random.Random(s)
 *     u = [r.getrandbits(32) for _ in range(5)]
 *     f = r.random()
 *     bits = [r.getrandbits(k) for k in (1, 7, 31, 32)]
 *     below = [r.randrange(n) for n in (1, 2, 3, 67, 1000, 2**31 + 1)]
 *     x = list(range(12)); r.shuffle(x)
 *     print(f"  {{ seed: {s}n, u32: {u}, random: {f!r}, bits: {bits}, below: {below}, shuffled: {x} }},")
 * PY
 *
 * (randrange(n) is _randbelow(n) in 3.11; getrandbits(32) is one genrand_uint32.)
 */
const GOLDEN = [
  { seed: 4294967295n, u32: [2728839433, 2661025012, 872737089, 924893097, 2608619700], random: 0.5223978630552852, bits: [1, 43, 2065029503, 1636881668], below: [0, 1, 1, 52, 65, 931911147], shuffled: [3, 6, 4, 10, 0, 11, 1, 5, 8, 7, 2, 9] },
  { seed: 4294967296n, u32: [485306839, 1508871100, 1794561286, 4014597330, 71624475], random: 0.022821848181795, bits: [1, 103, 1637097904, 1423829729], below: [0, 0, 0, 9, 838, 1860411164], shuffled: [9, 4, 11, 2, 0, 1, 3, 7, 6, 10, 5, 8] },
  { seed: 1099511627783n, u32: [2635837658, 3209733218, 3500038837, 4028389051, 4058793509], random: 0.6395236445247433, bits: [1, 60, 538684355, 4072201453], below: [0, 1, 2, 46, 402, 1902582600], shuffled: [8, 9, 0, 6, 4, 10, 1, 2, 11, 3, 5, 7] },
  { seed: -1099511627783n, u32: [2635837658, 3209733218, 3500038837, 4028389051, 4058793509], random: 0.6395236445247433, bits: [1, 60, 538684355, 4072201453], below: [0, 1, 2, 46, 402, 1902582600], shuffled: [8, 9, 0, 6, 4, 10, 1, 2, 11, 3, 5, 7] },
  { seed: 9007199254740992n, u32: [2975893306, 2115941521, 4292708235, 2583359648, 3664879507], random: 0.8119024915271341, bits: [0, 76, 432749651, 1897618224], below: [0, 0, 0, 6, 285, 1779546507], shuffled: [0, 9, 6, 11, 1, 8, 4, 3, 10, 2, 7, 5] },
  { seed: 9007199254740993n, u32: [1512486810, 1330909561, 1448587154, 2377310546, 507670485], random: 0.39378307117864864, bits: [0, 21, 807380129, 875606671], below: [0, 0, 1, 16, 780, 836586193], shuffled: [3, 5, 11, 6, 8, 4, 1, 2, 9, 0, 7, 10] },
  { seed: 18446744073709551739n, u32: [3192156344, 1966922801, 3919980202, 2957008751, 134358251], random: 0.013128470919398172, bits: [1, 91, 912442694, 4196557398], below: [0, 0, 1, 37, 828, 458281074], shuffled: [7, 0, 6, 11, 8, 2, 4, 1, 9, 3, 10, 5] },
  { seed: 1267650600228229401496703205381n, u32: [3020866642, 2006762751, 4231381179, 1936651767, 131561901], random: 0.7507928976078438, bits: [1, 49, 992303786, 2678084775], below: [0, 0, 1, 16, 793, 1513391959], shuffled: [7, 9, 11, 6, 8, 10, 3, 5, 1, 2, 4, 0] },
  { seed: -5n, u32: [2675342405, 1097127993, 3185950873, 1539898300, 3415330359], random: 0.6904468457583358, bits: [1, 94, 1400227407, 3961355680], below: [0, 1, 0, 6, 922, 673671309], shuffled: [8, 2, 10, 11, 9, 0, 4, 6, 3, 7, 5, 1] },
];

function replay(r: PythonRandom) {
  const u32 = Array.from({ length: 5 }, () => r.genrandUint32());
  const random = r.random();
  const bits = [1, 7, 31, 32].map((k) => r.getrandbits(k));
  const below = [1, 2, 3, 67, 1000, 2 ** 31 + 1].map((n) => r.randbelow(n));
  const shuffled = r.shuffle(Array.from({ length: 12 }, (_, i) => i));
  return { u32, random, bits, below, shuffled };
}

describe('PythonRandom (CPython MT19937)', () => {
  it('seed 0 gives the reference first five genrand_uint32', () => {
    const r = new PythonRandom(0);
    expect(Array.from({ length: 5 }, () => r.genrandUint32())).toEqual([
      3626764237, 1654615998, 3255389356, 3823568514, 1806341205,
    ]);
  });

  it.each(GOLDEN)('matches CPython for bigint seed $seed', ({ seed, ...expected }) => {
    expect(replay(new PythonRandom(seed))).toEqual(expected);
  });

  it.each(GOLDEN.filter((g) => g.seed >= -(2n ** 53n) && g.seed <= 2n ** 53n))(
    'number seed $seed equals its bigint seed',
    ({ seed, ...expected }) => {
      expect(replay(new PythonRandom(Number(seed)))).toEqual(expected);
    },
  );

  it('builds the key from little-endian 32-bit words of abs(seed)', () => {
    expect(seedToKey(0)).toEqual([0]);
    expect(seedToKey(2 ** 32)).toEqual([0, 1]);
    expect(seedToKey(-(2n ** 40n + 7n))).toEqual([7, 256]);
    expect(() => seedToKey(1.5)).toThrow(/seed: 1\.5 is not an integer/);
  });

  it('re-seeding restarts the stream', () => {
    const r = new PythonRandom(7);
    const first = r.genrandUint32();
    r.genrandUint32();
    r.seed(7);
    expect(r.genrandUint32()).toBe(first);
  });

  it('shuffle is a permutation', () => {
    fc.assert(
      fc.property(fc.array(fc.integer()), fc.bigInt({ min: 0n, max: 2n ** 70n }), (xs, seed) => {
        const out = new PythonRandom(seed).shuffle([...xs]);
        expect([...out].sort((a, b) => a - b)).toEqual([...xs].sort((a, b) => a - b));
      }),
    );
  });

  it('randbelow stays in [0, n), getrandbits in [0, 2^k)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 32 - 1 }), fc.integer({ min: 0, max: 32 }), fc.nat(), (n, k, seed) => {
        const r = new PythonRandom(seed);
        const v = r.randbelow(n);
        expect(Number.isInteger(v) && v >= 0 && v < n).toBe(true);
        const b = r.getrandbits(k);
        expect(Number.isInteger(b) && b >= 0 && b < 2 ** k).toBe(true);
      }),
    );
  });

  it('random() lies in [0, 1)', () => {
    const r = new PythonRandom(3);
    for (let i = 0; i < 1000; i++) {
      const x = r.random();
      expect(x >= 0 && x < 1).toBe(true);
    }
  });

  it('rejects out-of-range arguments', () => {
    const r = new PythonRandom(0);
    expect(() => r.getrandbits(33)).toThrow(/k: 33/);
    expect(() => r.randbelow(0)).toThrow(/n: 0/);
    expect(() => r.randbelow(2 ** 32)).toThrow(/n: 4294967296/);
    expect(r.randbelow(2 ** 32 - 1)).toBeLessThan(2 ** 32 - 1);
  });
});
