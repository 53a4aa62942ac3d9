/**
 * CPython's `random.Random` (Mersenne Twister MT19937), bit-exact for the calls the authors' split
 * makes: `random.seed(int)` followed by `random.shuffle(list)`. Matching CPython 3.11 exactly is
 * what lets us reproduce the paper's train/test splits from the run seed alone.
 */

const N = 624;
const M = 397;
const MATRIX_A = 0x9908b0df;
const UPPER_MASK = 0x80000000;
const LOWER_MASK = 0x7fffffff;

/** The 32-bit little-endian words of abs(seed), as CPython's `random_seed` builds the key. */
export function seedToKey(seed: number | bigint): number[] {
  if (typeof seed === 'number' && !Number.isInteger(seed)) {
    throw new Error(`seed: ${seed} is not an integer; seed must be an integer (number or bigint)`);
  }
  let n = BigInt(seed);
  if (n < 0n) n = -n;
  if (n === 0n) return [0];
  const key: number[] = [];
  while (n > 0n) {
    key.push(Number(n & 0xffffffffn));
    n >>= 32n;
  }
  return key;
}

export class PythonRandom {
  private readonly mt = new Uint32Array(N);
  private mti = N + 1;

  constructor(seed: number | bigint = 0) {
    this.seed(seed);
  }

  /** `random.seed(int)`: negative seeds use abs(seed), as in CPython. */
  seed(seed: number | bigint): void {
    this.initByArray(seedToKey(seed));
  }

  private initGenrand(s: number): void {
    const mt = this.mt;
    mt[0] = s >>> 0;
    for (let i = 1; i < N; i++) {
      const prev = mt[i - 1] ^ (mt[i - 1] >>> 30);
      mt[i] = (Math.imul(1812433253, prev) + i) >>> 0;
    }
    this.mti = N;
  }

  private initByArray(key: number[]): void {
    const mt = this.mt;
    this.initGenrand(19650218);
    let i = 1;
    let j = 0;
    for (let k = Math.max(N, key.length); k > 0; k--) {
      const prev = mt[i - 1] ^ (mt[i - 1] >>> 30);
      mt[i] = ((mt[i] ^ Math.imul(prev, 1664525)) + key[j] + j) >>> 0;
      i++;
      j++;
      if (i >= N) {
        mt[0] = mt[N - 1];
        i = 1;
      }
      if (j >= key.length) j = 0;
    }
    for (let k = N - 1; k > 0; k--) {
      const prev = mt[i - 1] ^ (mt[i - 1] >>> 30);
      mt[i] = ((mt[i] ^ Math.imul(prev, 1566083941)) - i) >>> 0;
      i++;
      if (i >= N) {
        mt[0] = mt[N - 1];
        i = 1;
      }
    }
    mt[0] = 0x80000000; // guarantees a non-zero initial state
  }

  private twist(): void {
    const mt = this.mt;
    for (let kk = 0; kk < N; kk++) {
      const y = (mt[kk] & UPPER_MASK) | (mt[(kk + 1) % N] & LOWER_MASK);
      mt[kk] = mt[(kk + M) % N] ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
    }
    this.mti = 0;
  }

  genrandUint32(): number {
    if (this.mti >= N) this.twist();
    let y = this.mt[this.mti++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** `getrandbits(k)` for 0 ≤ k ≤ 32; k = 0 consumes nothing, as in CPython ≥ 3.9. */
  getrandbits(k: number): number {
    if (!Number.isInteger(k) || k < 0 || k > 32) {
      throw new Error(`k: ${k} is out of range; getrandbits supports integers 0 ≤ k ≤ 32`);
    }
    if (k === 0) return 0;
    // `>>> 32` would be a no-op shift in JS, so k = 32 is handled by `>>> 0`.
    return this.genrandUint32() >>> (32 - k);
  }

  /** `_randbelow_with_getrandbits(n)`: rejection sampling on bit_length(n) bits. */
  randbelow(n: number): number {
    // bit_length(n) must fit one 32-bit draw; CPython would draw several words beyond that.
    if (!Number.isInteger(n) || n < 1 || n > 0xffffffff) {
      throw new Error(`n: ${n} is out of range; randbelow supports integers 1 ≤ n < 2^32`);
    }
    const k = bitLength(n);
    let r = this.getrandbits(k);
    while (r >= n) r = this.getrandbits(k);
    return r;
  }

  /** In-place shuffle, the exact CPython 3.11 loop (Fisher–Yates from the end). */
  shuffle<T>(x: T[]): T[] {
    for (let i = x.length - 1; i > 0; i--) {
      const j = this.randbelow(i + 1);
      const t = x[i];
      x[i] = x[j];
      x[j] = t;
    }
    return x;
  }

  /** `random()`: a 53-bit float in [0, 1) built from two draws, as `genrand_res53`. */
  random(): number {
    const a = this.genrandUint32() >>> 5;
    const b = this.genrandUint32() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  }
}

/** Python's `int.bit_length()` for 0 ≤ n < 2^32 (clz32 is exact where log2 can round up). */
function bitLength(n: number): number {
  return 32 - Math.clz32(n);
}
