import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { isPrime } from '../../src/data/primes.ts';

describe('isPrime', () => {
  it('knows the small primes', () => {
    const primes = Array.from({ length: 100 }, (_, n) => n).filter(isPrime);
    expect(primes).toEqual([
      2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97,
    ]);
  });

  it('rejects non-integers, negatives and composites', () => {
    for (const n of [-7, 0, 1, 2.5, NaN, Infinity, 66, 97 * 89, 7919 * 7919]) expect(isPrime(n)).toBe(false);
    expect(isPrime(7919)).toBe(true);
    expect(isPrime(2147483647)).toBe(true);
  });

  it('agrees with a naive check', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 20000 }), (n) => {
        let naive = n >= 2;
        for (let d = 2; d < n && naive; d++) if (n % d === 0) naive = false;
        expect(isPrime(n)).toBe(naive);
      }),
    );
  });
});
