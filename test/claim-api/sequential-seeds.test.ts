import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { attemptClaim } from '../../src/claims/attempt.ts';
import { defineClaim, type ClaimContext, type ClaimDefinition } from '../../src/claims/define.ts';
import { seedsFor } from '../../src/claims/sequential.ts';
import type { RunConfig } from '../../src/config/schema.ts';
import type { RunResult } from '../../src/runs/execute.ts';
import type { Job } from '../../src/runs/pool.ts';
import { pairedWilcoxon } from '../../src/stats/paired.ts';
import { claimsSandbox } from '../helpers/claims-sandbox.ts';

/**
 * Sequential seeds through the claim API, on fake worlds: a claim that opts in is decided look by
 * look on more seeds only while its test is undecided, and its outcome names the design, the looks
 * taken and the seeds used. No training: the runs are fakes whose τ the world fixes per seed.
 */

const claimsDir = claimsSandbox('grok-sequential-');

const DESIGN = { looks: [6, 9, 12], alpha: 0.05, spending: 'pocock' as const };

/** A world: τ_dense − τ_ticket for each seed (seeds past the list repeat its last value). */
function world(diff: (seed: number) => number) {
  const asked: number[] = [];
  const fake = (config: RunConfig): RunResult => {
    const seed = config.data.seed;
    const arm = (config as unknown as { arm: string }).arm;
    const tau = arm === 'dense' ? 100 : 100 - diff(seed);
    if (arm === 'dense') asked.push(seed);
    return { key: `${arm}-${seed}`, config, cached: true, backend: 'fake', meta: { durationMs: 1 }, milestones: { tMem: 10, tGen: 10 * tau, tauGrok: tau, horizon: 10_000 } } as unknown as RunResult;
  };
  return { asked, runAll: async (jobs: Job[]) => jobs.map((j) => fake(j.config as RunConfig)) };
}

/** Claim 1's test on the look's seeds: τ_ticket < τ_dense by the exact signed-rank test at the look's level. */
const decideAt = (fixedAlpha?: number): ClaimDefinition['decide'] => async (ctx: ClaimContext) => {
  const job = (arm: string, seed: number) => ({ config: { data: { seed }, arm } as unknown as RunConfig, label: `${arm} seed ${seed}` });
  const dense = await ctx.runAll(ctx.scale.seeds.map((s) => job('dense', s)));
  const ticket = await ctx.runAll(ctx.scale.seeds.map((s) => job('ticket', s)));
  const alpha = fixedAlpha ?? ctx.look?.alpha ?? 0.05;
  const t = pairedWilcoxon(ticket.map((r) => r.milestones.tauGrok), dense.map((r) => r.milestones.tauGrok), { alternative: 'less' });
  return {
    passed: t.pValue <= alpha,
    reason: `p = ${t.pValue} on ${t.n} seeds`,
    statistics: [{ name: 'Wilcoxon', value: t.statistic, pValue: t.pValue, role: 'test' as const }],
    seedTable: { columns: ['seed'], rows: ctx.scale.seeds.map((s) => [s]) },
    figures: [],
  };
};

function probe(id: string, decide: ClaimDefinition['decide']) {
  writeFileSync(join(claimsDir(), `${id}.claim.ts`), `// ${id}\n`);
  return defineClaim({ id, title: id, paperQuote: 'q', paperRef: 'r', assertion: 'a', seeds: { sequential: DESIGN }, decide });
}

const sequentialStat = (a: Awaited<ReturnType<typeof attemptClaim>>) => a.outcome.statistics.find((s) => s.name === 'sequential seeds: seeds used');
const choice = (a: Awaited<ReturnType<typeof attemptClaim>>) => a.outcome.choices?.find((c) => c.item === 'sequential seeds')?.choice;

describe('a claim with sequential seeds', () => {
  it('stops at the first look under a clear effect, and says so', async () => {
    const w = world(() => 50);
    const a = await attemptClaim(probe('seq-clear', decideAt()), 'mlp-add', { runAll: w.runAll });
    expect(a.outcome.verdict).toBe('reproduced');
    expect(new Set(w.asked)).toEqual(new Set([0, 1, 2, 3, 4, 5]));
    expect(sequentialStat(a)?.value).toBe(6);
    expect(choice(a)).toMatch(/looks at 6, 9, 12 seeds, α = 0\.05 split by Pocock-type α spending.*Looks taken: 6 seeds: p = 0\.016 ≤ α_1 0\.031, stop \(holds\); seeds used: 0–5$/);
    expect(a.outcome.reason).toMatch(/\[sequential seeds: 1 of 3 looks, 6 seeds \(0–5\)\]$/);
    expect(a.outcome.runs).toHaveLength(12);
  });

  it('asks for more seeds only while its test is undecided', async () => {
    // seed 1 goes against the claim with the 2nd-smallest |difference|: p = 3/64 > α_1 at 6 seeds, 3/512 ≤ α_2 at 9
    const w = world((s) => (s === 1 ? -11.5 : 10 + s));
    const a = await attemptClaim(probe('seq-more', decideAt()), 'mlp-add', { runAll: w.runAll });
    expect(a.outcome.verdict).toBe('reproduced');
    expect(sequentialStat(a)?.value).toBe(9);
    expect(choice(a)).toMatch(/Looks taken: 6 seeds: p = 0\.\d+ > α_1 0\.031, more seeds; 9 seeds: p = 0\.\d+ ≤ α_2 0\.010, stop \(holds\); seeds used: 0–8$/);
    // each run listed once although the 9-seed look asked again for the first six
    expect(a.outcome.runs).toHaveLength(18);
    expect(new Set(w.asked).size).toBe(9);
  });

  it('without an effect takes every look and does not hold', async () => {
    const w = world((s) => (s % 2 ? -(s + 1) : s + 1));
    const a = await attemptClaim(probe('seq-null', decideAt()), 'mlp-add', { runAll: w.runAll });
    expect(a.outcome.verdict).toBe('not-reproduced');
    expect(sequentialStat(a)?.value).toBe(12);
    expect(choice(a)).toMatch(/6 seeds: .*more seeds; 9 seeds: .*more seeds; 12 seeds: .*last look \(does not hold\); seeds used: 0–11$/);
  });

  it('that tests at the full α instead of its look\'s share is an error, not a verdict', async () => {
    // rank 2 negative: p = 3/64 = 0.047, under 0.05 but over α_1 = 0.031
    const w = world((s) => (s === 0 ? -12 : (s + 1) * 5));
    const a = await attemptClaim(probe('seq-cheat', decideAt(0.05)), 'mlp-add', { runAll: w.runAll });
    expect(a.outcome.verdict).toBe('error');
    expect(a.outcome.reason).toMatch(/^sequential seeds: a claim with sequential seeds must test at its look's level \(ctx\.look\.alpha\): at look 1 \(6 seeds\) it holds with a test p-value 0\.0469 > α_1 = 0\.0310/);
  });

  it('a bad design is refused when the claim is defined', () => {
    const def = { id: 'x', title: 'x', paperQuote: 'q', paperRef: 'r', assertion: 'a', decide: decideAt() };
    expect(() => defineClaim({ ...def, seeds: { sequential: { looks: [8, 5], alpha: 0.05, spending: 'pocock' } } })).toThrow(/claim "x": seeds\.sequential: looks must be strictly increasing \(got 8, 5/);
    expect(() => defineClaim({ ...def, seeds: { max: 12 } as never })).toThrow(/claim "x": seeds must be \{ sequential: .* \(got fields max\)/);
  });

  it('its seeds are the scale\'s, then the integers after them', () => {
    expect(seedsFor([0, 1, 2, 3, 4], 8)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(seedsFor([3, 7], 4)).toEqual([3, 7, 8, 9]);
    expect(seedsFor([0, 1, 2, 3, 4], 3)).toEqual([0, 1, 2]);
  });
});
