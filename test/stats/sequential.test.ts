import seedrandom from 'seedrandom';
import { describe, expect, it } from 'vitest';
import { binomialTest } from '../../src/stats/paired.ts';
import { checkDesign, deadLooks, describeDesign, describeLooks, lookAlphas, runSequential, signRankMinP, type SequentialDesign } from '../../src/stats/sequential.ts';
import { exactSignRankP } from '../../src/stats/signrank.ts';

/**
 * The sequential design keeps its error rate under the null for the tests the claims use, and a
 * clear effect stops at the first look. Each error-rate check also runs the naive design (every
 * look at the full α) on the same worlds and shows it over α, so the check can fail.
 */

const pocock: SequentialDesign = { looks: [6, 9, 12], alpha: 0.05, spending: 'pocock' };
const bonferroni: SequentialDesign = { looks: [6, 9, 12], alpha: 0.05, spending: 'bonferroni' };
function normal(rng: () => number): number {
  // Box–Muller; 1 − u keeps the log finite
  return Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
}

/** One world's sequential signed-rank procedure on `diffs`, at the given per-look levels. */
const signRankRejects = (design: SequentialDesign, diffs: number[], alphas = lookAlphas(design)) =>
  runSequential(design, (n, _a, k) => {
    const p = exactSignRankP(diffs.slice(0, n), 'greater').pValue;
    return { p, rejected: p <= alphas[k] };
  });

describe('lookAlphas', () => {
  it('splits α over the looks, Pocock-type spending more at the first', () => {
    for (const d of [pocock, bonferroni, { looks: [5, 8, 12], alpha: 0.1, spending: 'pocock' as const }]) {
      const a = lookAlphas(d);
      expect(a).toHaveLength(d.looks.length);
      expect(a.reduce((x, y) => x + y, 0)).toBeCloseTo(d.alpha, 12);
      for (const x of a) expect(x).toBeGreaterThan(0);
    }
    for (const a of lookAlphas(bonferroni)) expect(a).toBeCloseTo(0.05 / 3, 15);
    const [a1, a2, a3] = lookAlphas(pocock);
    // α·ln(1 + (e − 1)·t) at t = 1/2, 3/4, 1
    expect(a1).toBeCloseTo(0.05 * Math.log(1 + (Math.E - 1) / 2), 12);
    expect(a1).toBeGreaterThan(a2);
    expect(a3).toBeGreaterThan(0);
  });

  it('names the looks at which an exact signed-rank test can never reject', () => {
    // 2⁻⁵ = 0.031 > 0.05 / 3: five seeds cannot decide under a three-way Bonferroni split
    expect(deadLooks({ looks: [5, 8, 12], alpha: 0.05, spending: 'bonferroni' }, signRankMinP)).toEqual([5]);
    expect(deadLooks(pocock, signRankMinP)).toEqual([]);
  });

  it('a bad design is refused naming the field, the value and what is allowed', () => {
    expect(() => checkDesign({ looks: [5, 5], alpha: 0.05, spending: 'pocock' }, 'claim "x"')).toThrow(/claim "x": looks must be strictly increasing \(got 5, 5/);
    expect(() => checkDesign({ looks: [], alpha: 0.05, spending: 'pocock' }, 'c')).toThrow(/looks must be a non-empty list/);
    expect(() => checkDesign({ looks: [5, 2.5], alpha: 0.05, spending: 'pocock' }, 'c')).toThrow(/positive integer \(got \[5,2\.5\]\)/);
    expect(() => checkDesign({ looks: [5], alpha: 1.5, spending: 'pocock' }, 'c')).toThrow(/alpha must be a number in \(0, 1\) \(got 1\.5\)/);
    expect(() => checkDesign({ looks: [5], alpha: 0.05, spending: 'obf' }, 'c')).toThrow(/spending must be one of bonferroni, pocock \(got "obf"\)/);
    expect(() => checkDesign({ looks: [5], alpha: 0.05, spending: 'pocock', seeds: 3 }, 'c')).toThrow(/unknown field seeds/);
    expect(checkDesign(pocock, 'c')).toEqual(pocock);
  });
});

describe('the whole procedure keeps its error rate under the null', () => {
  it('exactly, for the signed-rank test: every sign and rank order of 6 pairs, looks at 3, 5, 6', () => {
    // Under H0 with continuous symmetric differences the signs are fair coins independent of the
    // order of |d|, which is a uniform permutation: enumerate all 2⁶ × 6! worlds.
    const design: SequentialDesign = { looks: [3, 5, 6], alpha: 0.25, spending: 'pocock' };
    const alphas = lookAlphas(design);
    const perms: number[][] = [];
    const permute = (prefix: number[], rest: number[]) => {
      if (!rest.length) perms.push(prefix);
      rest.forEach((r, i) => permute([...prefix, r], [...rest.slice(0, i), ...rest.slice(i + 1)]));
    };
    permute([], [1, 2, 3, 4, 5, 6]);
    const pCache = new Map<string, number>();
    const p = (d: number[]) => {
      const key = d.join(',');
      let v = pCache.get(key);
      if (v === undefined) pCache.set(key, (v = exactSignRankP(d, 'greater').pValue));
      return v;
    };
    let rejected = 0;
    let naive = 0;
    for (const perm of perms) {
      for (let signs = 0; signs < 64; signs++) {
        const d = perm.map((m, i) => ((signs >> i) & 1 ? m : -m));
        const seq = (levels: number[]) => design.looks.some((n, k) => p(d.slice(0, n)) <= levels[k]);
        if (seq(alphas)) rejected++;
        if (seq(design.looks.map(() => design.alpha))) naive++;
      }
    }
    const worlds = perms.length * 64;
    expect(rejected / worlds).toBeLessThanOrEqual(design.alpha);
    expect(naive / worlds).toBeGreaterThan(design.alpha);
  }, 60_000);

  it('exactly, for the sign (binomial) test: the law of the positive count over looks at 10, 20, 30', () => {
    // Under H0 each seed's sign is a fair coin: carry the distribution of the positive count among
    // the first n seeds over the paths that have not yet rejected, look by look.
    const binom = (n: number) => {
      let row = [1];
      for (let i = 0; i < n; i++) row = [...row, 0].map((c, j) => c + (j ? row[j - 1] : 0));
      return row.map((c) => c / 2 ** n);
    };
    const errorRate = (design: SequentialDesign, levels: number[]) => {
      let alive = [1]; // P(positive count = j and no rejection yet), over the seeds so far
      let seen = 0;
      let rejected = 0;
      design.looks.forEach((n, k) => {
        const step = binom(n - seen);
        const next = new Array<number>(n + 1).fill(0);
        alive.forEach((a, j) => step.forEach((b, i) => { next[j + i] += a * b; }));
        next.forEach((mass, j) => {
          if (binomialTest(j, n, 0.5, 'greater').pValue <= levels[k]) { rejected += mass; next[j] = 0; }
        });
        alive = next;
        seen = n;
      });
      return rejected;
    };
    for (const spending of ['pocock', 'bonferroni'] as const) {
      const design: SequentialDesign = { looks: [10, 20, 30], alpha: 0.05, spending };
      expect(errorRate(design, lookAlphas(design))).toBeLessThanOrEqual(design.alpha);
      expect(errorRate(design, design.looks.map(() => design.alpha))).toBeGreaterThan(design.alpha);
    }
  });

  it('by simulation, for the signed-rank test at 6, 9, 12 seeds: 20 000 null worlds within a binomial bound', () => {
    const worlds = 20_000;
    for (const design of [pocock]) {
      const rng = seedrandom(`null-${design.spending}`);
      let rejected = 0;
      let naive = 0;
      for (let w = 0; w < worlds; w++) {
        const diffs = Array.from({ length: 12 }, () => normal(rng));
        if (signRankRejects(design, diffs).rejected) rejected++;
        if (signRankRejects(design, diffs, design.looks.map(() => design.alpha)).rejected) naive++;
      }
      // a rate of α would exceed this count with probability < 0.001 (normal bound, z = 3.09)
      const bound = design.alpha * worlds + 3.09 * Math.sqrt(worlds * design.alpha * (1 - design.alpha));
      expect(rejected).toBeLessThanOrEqual(bound);
      expect(naive).toBeGreaterThan(bound);
    }
  }, 60_000);
});

describe('under a clear effect', () => {
  it('stops at the first look', () => {
    const rng = seedrandom('effect');
    let first = 0;
    const worlds = 2000;
    for (let w = 0; w < worlds; w++) {
      const r = signRankRejects(pocock, Array.from({ length: 12 }, () => 3 + normal(rng)));
      if (r.rejected && r.looks.length === 1 && r.seeds === 6) first++;
    }
    // all six differences positive with probability Φ(3)⁶ ≈ 0.992
    expect(first / worlds).toBeGreaterThan(0.98);
  });

  it('a weaker one takes more looks, and says which', () => {
    // p at 6 seeds 0.047 > α_1; at 9 all but one positive
    const diffs = [1, 2, -3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
    const r = signRankRejects(pocock, diffs);
    expect(r.looks.map((l) => l.n)).toEqual([6, 9]);
    expect(r).toMatchObject({ rejected: true, seeds: 9 });
    expect(describeLooks(r)).toMatch(/^6 seeds: p = 0\.\d+ > α_1 0\.031, more seeds; 9 seeds: p = 0\.\d+ ≤ α_2 0\.010, stop \(holds\)$/);
    expect(describeDesign(pocock)).toMatch(/looks at 6, 9, 12 seeds, α = 0\.05 split by Pocock-type α spending \(α_k 0\.031, 0\.010, 0\.0086\)/);
  });
});
