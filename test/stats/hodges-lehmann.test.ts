import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import seedrandom from 'seedrandom';
import { hodgesLehmann, pairedRatioEffect, pairedShift, signRankOrder, walshAverages } from '../../src/stats/hodges-lehmann.ts';
import { exactSignRankP } from '../../src/stats/signrank.ts';

const finite = fc.double({ min: -1e3, max: 1e3, noNaN: true, noDefaultInfinity: true });

describe('hodgesLehmann: exact values', () => {
  it('a hand-checked case of 5 pairs: median of the 15 Walsh averages, the interval [min, max] at 93.75 %', () => {
    // Walsh averages of 1, 2, 3, 4, 10: 1 1.5 2 2 2.5 2.5 3 3 3.5 4 5.5 6 6.5 7 10 — the 8th is 3
    expect(walshAverages([1, 2, 3, 4, 10])).toEqual([1, 1.5, 2, 2, 2.5, 2.5, 3, 3, 3.5, 4, 5.5, 6, 6.5, 7, 10]);
    const r = hodgesLehmann([4, 1, 10, 3, 2]);
    expect(r.estimate).toBe(3);
    // with 5 pairs no sign pattern is rarer than 1/32, so 95 % is out of reach: 1 − 2/32 is the best there is
    expect(r.interval).toEqual({ lo: 1, hi: 10, level: 0.9375, method: expect.stringContaining('Hodges–Lehmann') });
  });

  it("matches R's wilcox.test(x, y, paired = TRUE, conf.int = TRUE) on its own example data (0.46, 0.010–0.786)", () => {
    // R's ?wilcox.test depression data (Hollander & Wolfe); R prints pseudo-median 0.46, 95 % CI 0.010 0.786
    const x = [1.83, 0.5, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.3];
    const y = [0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29];
    const r = hodgesLehmann(x.map((v, i) => v - y[i]));
    expect(r.estimate).toBeCloseTo(0.46, 12);
    expect(r.interval!.lo).toBeCloseTo(0.01, 12);
    expect(r.interval!.hi).toBeCloseTo(0.786, 12);
    expect(r.interval!.level).toBe(0.95);
    expect(r.coverage).toBeCloseTo(1 - 2 * (10 / 512), 12); // P(T+ ≤ 5) = 10/512 for n = 9
  });

  it('the reached level for few pairs: 50 %, 75 %, 87.5 %, 93.75 %, then ≥ 95 % from 6 pairs', () => {
    expect([2, 3, 4, 5].map((n) => signRankOrder(n, 0.95).level)).toEqual([0.5, 0.75, 0.875, 0.9375]);
    for (let n = 6; n <= 30; n++) expect(signRankOrder(n, 0.95).level).toBeGreaterThanOrEqual(0.95);
  });

  it('one pair: an estimate, no interval (none of positive level exists)', () => {
    expect(hodgesLehmann([2.5])).toMatchObject({ estimate: 2.5, interval: null });
  });

  it('bad input names the argument', () => {
    expect(() => hodgesLehmann([])).toThrow(/at least 1 pair/);
    expect(() => hodgesLehmann([1, Number.NaN])).toThrow(/difference \[1\] must be a finite number/);
    expect(() => hodgesLehmann([1, 2], { level: 1 })).toThrow(/level must be in \(0, 1\)/);
    expect(() => hodgesLehmann([{ value: 1, open: 'sideways' as never }, { value: 2 }])).toThrow(/open must be/);
  });
});

describe('hodgesLehmann: properties', () => {
  it('the interval contains the estimate, censored or not', () => {
    const diff = fc.record({ value: finite, open: fc.constantFrom('none', 'above', 'below', 'both') as fc.Arbitrary<'none' | 'above' | 'below' | 'both'> });
    fc.assert(fc.property(fc.array(diff, { minLength: 2, maxLength: 12 }), (d) => {
      const r = hodgesLehmann(d);
      const { lo, hi } = r.interval!;
      expect(lo === null || lo <= r.estimate).toBe(true);
      expect(hi === null || r.estimate <= hi).toBe(true);
    }));
  });

  it('the order of the seeds does not matter', () => {
    fc.assert(fc.property(fc.array(finite, { minLength: 1, maxLength: 12 }).chain((d) => fc.tuple(fc.constant(d), fc.shuffledSubarray(d, { minLength: d.length, maxLength: d.length }))), ([d, shuffled]) => {
      expect(hodgesLehmann(shuffled)).toEqual(hodgesLehmann(d));
    }));
  });

  it('the interval is the set of shifts the exact two-sided signed-rank test does not reject', () => {
    fc.assert(fc.property(fc.uniqueArray(fc.integer({ min: -50, max: 50 }), { minLength: 6, maxLength: 10 }), (ints) => {
      const d = ints.map((v) => v + 0.1 * Math.sqrt(Math.abs(v) + 2)); // no tied |d − shift| at the probes
      const r = hodgesLehmann(d);
      const alpha = 1 - r.coverage!;
      const eps = 1e-7;
      const p = (shift: number) => exactSignRankP(d.map((v) => v - shift), 'two-sided').pValue;
      expect(p(r.interval!.lo! + eps)).toBeGreaterThan(alpha + 1e-12);
      expect(p(r.interval!.hi! - eps)).toBeGreaterThan(alpha + 1e-12);
      expect(p(r.interval!.lo! - eps)).toBeLessThanOrEqual(alpha + 1e-12);
      expect(p(r.interval!.hi! + eps)).toBeLessThanOrEqual(alpha + 1e-12);
    }), { numRuns: 40 });
  });

  it('moving a censored difference the way it is open moves only that end of the interval, which stays inside the open side', () => {
    fc.assert(fc.property(fc.array(finite, { minLength: 6, maxLength: 10 }), fc.nat(), fc.double({ min: 0, max: 1e4, noNaN: true }), (d, j, push) => {
      const i = j % d.length;
      const open = d.map((v, k) => ({ value: v, open: k === i ? ('above' as const) : ('none' as const) }));
      const r = hodgesLehmann(open);
      const moved = hodgesLehmann(d.map((v, k) => (k === i ? v + push : v)));
      // the truth may lie anywhere above the bound: the censored interval covers every such interval's upper end
      expect(r.interval!.hi === null || moved.interval!.hi! <= r.interval!.hi).toBe(true);
      expect(moved.interval!.lo!).toBeGreaterThanOrEqual(r.interval!.lo!);
    }));
  });
});

describe('hodgesLehmann: coverage on simulated data', () => {
  it.each([
    [5, 'normal'],
    [8, 'normal'],
    [10, 'laplace'],
  ])('n = %i (%s shifts): the interval covers the true centre about as often as its exact coverage says', (n, dist) => {
    const rng = seedrandom(`hl-coverage-${n}-${dist}`);
    const gauss = () => Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
    const laplace = () => (rng() < 0.5 ? -1 : 1) * -Math.log(1 - rng());
    const centre = 1.7;
    const trials = 3000;
    let covered = 0;
    let coverage = 0;
    for (let t = 0; t < trials; t++) {
      const d = Array.from({ length: n }, () => centre + (dist === 'normal' ? gauss() : laplace()));
      const r = hodgesLehmann(d);
      coverage = r.coverage!;
      if (r.interval!.lo! <= centre && centre <= r.interval!.hi!) covered++;
    }
    const se = Math.sqrt((coverage * (1 - coverage)) / trials);
    expect(Math.abs(covered / trials - coverage)).toBeLessThan(4 * se);
    expect(coverage).toBeGreaterThan(0.93); // near 95 %: 93.75 % at n = 5, above 95 % from n = 6
  });
});

describe('pairedRatioEffect', () => {
  const obs = (value: number) => ({ value });
  const cen = (bound: number | null) => ({ censored: true as const, bound });

  it('back-transforms the log-scale estimate and interval to ratios', () => {
    const num = [40, 30, 90, 50, 20].map(obs);
    const den = [1, 1, 2, 1, 1].map(obs);
    const r = pairedRatioEffect(num, den);
    const logs = hodgesLehmann([40, 30, 45, 50, 20].map(Math.log));
    expect(r.estimate).toBeCloseTo(Math.exp(logs.estimate), 12);
    expect(r.interval!.lo).toBeCloseTo(20, 9);
    expect(r.interval!.hi).toBeCloseTo(50, 9);
    expect(r.interval!.level).toBe(0.9375);
  });

  it('a censored denominator (a ticket that never generalised) keeps its pair and opens the lower end', () => {
    const r = pairedRatioEffect([40, 30, 45, 50, 20].map(obs), [obs(1), obs(1), obs(1), obs(1), cen(2)]);
    expect(r.n).toBe(5);
    expect(r.censored).toBe(1);
    expect(r.interval!.lo).toBeNull();
    expect(r.interval!.hi).toBeCloseTo(50, 9);
  });

  it('a censored numerator opens the upper end; both censored, or no bound, opens both', () => {
    const up = pairedRatioEffect([cen(100), obs(3), obs(4), obs(5), obs(6)], [1, 1, 1, 1, 1].map(obs)).interval!;
    expect(up.lo).toBeCloseTo(3, 12);
    expect(up.hi).toBeNull();
    const both = pairedRatioEffect([cen(100), obs(3), obs(4), obs(5), obs(6)], [cen(100), obs(1), obs(1), obs(1), obs(1)]);
    expect(both.interval).toMatchObject({ lo: null, hi: null });
    expect(pairedRatioEffect([cen(null), obs(3)], [obs(1), obs(1)]).censored).toBe(1);
  });

  it('bad input names the argument', () => {
    expect(() => pairedRatioEffect([obs(1)], [])).toThrow(/same length/);
    expect(() => pairedRatioEffect([obs(0)], [obs(1)])).toThrow(/numerator\[0\] must be a positive finite number/);
    expect(() => pairedRatioEffect([obs(1)], [cen(-1)])).toThrow(/denominator\[0\]/);
  });
});

describe('pairedShift: x − y per seed, uncensored', () => {
  it("matches R's wilcox.test(x, y, paired = TRUE, conf.int = TRUE) on its example data, and names the differences", () => {
    const x = [1.83, 0.5, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.3];
    const y = [0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29];
    const r = pairedShift(x, y);
    expect(r.estimate).toBeCloseTo(0.46, 12);
    expect(r.interval).toMatchObject({ level: 0.95, method: expect.stringMatching(/Hodges–Lehmann.*paired differences/) });
    expect(r.interval!.lo).toBeCloseTo(0.01, 12);
    expect(r.interval!.hi).toBeCloseTo(0.786, 12);
  });

  it('5 seeds: the interval reaches 93.75 %, and shifting x by c shifts estimate and interval by c', () => {
    fc.assert(fc.property(fc.array(finite, { minLength: 5, maxLength: 5 }), fc.array(finite, { minLength: 5, maxLength: 5 }), fc.integer({ min: -100, max: 100 }), (x, y, c) => {
      const a = pairedShift(x, y);
      const b = pairedShift(x.map((v) => v + c), y);
      expect(a.interval!.level).toBe(0.9375);
      expect(b.estimate).toBeCloseTo(a.estimate + c, 6);
      expect(b.interval!.lo!).toBeCloseTo(a.interval!.lo! + c, 6);
      expect(b.interval!.hi!).toBeCloseTo(a.interval!.hi! + c, 6);
    }));
  });

  it('bad input names the argument', () => {
    expect(() => pairedShift([1, 2], [1])).toThrow(/pairedShift: x and y must have the same length, one value per seed \(got 2 and 1\)/);
    expect(() => pairedShift([1, 2], [1, Number.NaN])).toThrow(/pairedShift: y\[1\] must be a finite number/);
    expect(() => pairedShift([], [])).toThrow(/at least 1 pair/);
  });
});
