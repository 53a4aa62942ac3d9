import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import '../setup-backend.ts';
import type { Claim, ClaimContext } from '../../src/claims/define.ts';
import { denseRuns } from '../../src/claims/horizon.ts';
import { statementsOf } from '../../src/claims/outcome.ts';
import { SCALES } from '../../src/config/scale.ts';
import { denseRun, type RunConfig } from '../../src/config/schema.ts';
import { getSetting, settingAt, type SettingRun } from '../../src/config/settings.ts';
import type { RunResult } from '../../src/runs/execute.ts';
import { milestones } from '../../src/train/milestones.ts';

/**
 * The horizon rule on fake worlds (mlp-add at ci: H = 15 000, cap 45 000): a seed whose dense run
 * generalises only after H is trained on to the cap and used, marked extended; one that never
 * does is censored at the cap and still counted. The world decides t_gen per seed; a run sees it
 * only if it trains that long.
 */
const at = settingAt(getSetting('mlp-add'), { ...SCALES.ci }) as SettingRun;
const H = at.scale.epochs;

/**
 * A run that memorises at tMem and generalises at tGen, seen only within its own epochs. Its log
 * holds the evaluations at 0, t_mem, t_gen and its last epoch, and its milestones are the ones
 * that log gives, so a claim that reads it at a shorter horizon (`atHorizon`) sees what it would.
 */
function fake(config: RunConfig, tMem: number | null, tGen: number | null): RunResult {
  const horizon = config.epochs;
  const within = (t: number | null) => (t !== null && t <= horizon ? t : null);
  const mem = within(tMem);
  const seen = within(tGen);
  const epochs = [...new Set([0, horizon, ...[mem, seen].filter((t): t is number => t !== null)])].sort((a, b) => a - b);
  const testAcc = epochs.map((e) => (seen !== null && e >= seen ? 1 : 0.3));
  const trainAccEvery = Array.from({ length: horizon + 1 }, (_, e) => (mem !== null && e >= mem ? 1 : 0));
  const ones = epochs.map(() => 1);
  const log = { epochs, trainAcc: epochs.map((e) => trainAccEvery[e]), testAcc, trainLoss: ones, testLoss: ones, l1: ones, l2: ones, l1Mask: ones, l2Mask: ones, trainAccEvery };
  return { key: JSON.stringify(config), config, dir: '', cached: true, backend: 'b', meta: { normRatio: 0.4 } as RunResult['meta'], milestones: milestones(log), log } as RunResult;
}

/** Dense t_gen per seed: seed 1 groks after H (20 000), seed 4 as the world says. */
function world(seed4: number | null) {
  const denseTGen = [5780, 20_000, 8110, 9760, seed4];
  const asked: RunConfig[] = [];
  const run = (c: RunConfig): RunResult => {
    asked.push(c);
    const s = c.data.seed;
    const d = c.derive as { method: string; fromEpoch?: number | 'final' } | undefined;
    if (!d) return fake(c, 100, denseTGen[s]);
    // a ticket from a snapshot before the dense run's t_gen is a non-grokking ticket: it never generalises
    if (d.method === 'magnitude') return fake(c, 100, typeof d.fromEpoch === 'number' && d.fromEpoch < (denseTGen[s] ?? Infinity) ? null : 150 + 10 * s);
    // PaI masks: twice the base's t_gen (censored where that is past their horizon)
    return fake(c, 230, 2 * (denseTGen[s] ?? 50_000));
  };
  const ctx = { scale: at.scale, setting: at.setting, base: at.base, ticket: at.ticket, runAll: async (jobs) => jobs.map((j) => run(j.config as RunConfig)), run: async (c) => run(c as RunConfig) } as ClaimContext;
  return { ctx, asked };
}

const claim = async (id: string) => (await import(`../../claims/${id}.claim.ts`)).default as Claim;
const column = (out: Awaited<ReturnType<Claim['decide']>>, name: string) => out.seedTable.rows.map((r) => r[out.seedTable.columns.indexOf(name)]);

describe('the horizon rule', () => {
  it('extends a dense run that has not generalised by H to 3H, the same config, and uses it if it generalises by then', async () => {
    const { ctx, asked } = world(null);
    const d = await denseRuns(ctx.runAll, ctx.base, [0, 1, 2, 3, 4]);
    expect(d).toMatchObject({ horizon: H, cap: 3 * H, status: ['within', 'extended', 'within', 'within', 'censored'] });
    expect(d.runs[1].milestones.tGen).toBe(20_000);
    expect(d.runs.map((r) => r.config.epochs)).toEqual([H, 3 * H, H, H, 3 * H]);
    // the extension differs from the run at H in its epochs alone
    expect({ ...d.runs[1].config, epochs: H }).toEqual(denseRun(at.base(1)));
    expect(asked).toHaveLength(7);
  });

  it('claim 1: the extended seed is used and marked; its ticket trains the horizon every other ticket trains', async () => {
    const { ctx, asked } = world(7000);
    const out = await (await claim('tickets-cut-tau')).decide(ctx);
    expect(out.passed).toBe(true);
    expect(column(out, 'dense run')).toEqual([`within ${H}`, `extended to ${3 * H}`, `within ${H}`, `within ${H}`, `within ${H}`]);
    expect(column(out, 't_gen dense')[1]).toBe(20_000);
    const tickets = asked.filter((c) => (c.derive as { method?: string } | undefined)?.method === 'magnitude');
    expect(tickets.map((c) => c.epochs)).toEqual([H, H, H, H, H]);
    expect((tickets[1].derive as unknown as { base: RunConfig }).base.epochs).toBe(3 * H);
    expect(out.choices?.find((c) => c.item.startsWith('horizon rule'))?.choice).toMatch(/extended and used: seed 1 \(t_gen 20000\); censored at the cap, kept as censored pairs: none$/);
  });

  it('claim 1: a seed that never generalises is censored at the cap and still counted', async () => {
    const { ctx } = world(null);
    const out = await (await claim('tickets-cut-tau')).decide(ctx);
    expect(out.passed).toBe(false);
    expect(out.reason).toMatch(new RegExp(`seed\\(s\\) 4 never reached 95 % test accuracy within ${3 * H} epochs \\(3× the horizon ${H}, the horizon rule\\)`));
    expect(column(out, 'dense run')[4]).toBe(`censored at ${3 * H}`);
    expect(out.statistics[0].detail).toMatch(/^n = 5,/);
  });

  it('claim 3b: an extended base is compared on its t_gen, its masks trained as long; a censored one fails the comparison, named', async () => {
    const def = await claim('pai-masks-worse-than-base');
    const { ctx, asked } = world(7000);
    const out = await def.decide(ctx);
    expect(out.passed).toBe(true);
    expect(column(out, 'base run')[1]).toBe(`extended to ${3 * H}`);
    const masks = asked.filter((c) => (c.derive as { method?: string } | undefined)?.method === 'pai' && c.data.seed === 1);
    expect(masks.map((c) => c.epochs)).toEqual([3 * H, 3 * H, 3 * H, 3 * H]);
    const censored = await def.decide(world(null).ctx);
    expect(censored.passed).toBe(false);
    expect(censored.reason).toMatch(/never reached 95 % test accuracy on seed 4/);
    expect(column(censored, 'base run')[4]).toBe(`censored at ${3 * H}`);
  });

  it('claim 2 (a ticket from the final checkpoint): the extended seed\'s ticket and norm ratios come from the extended run; a censored seed fails the claim, named', async () => {
    const def = await claim('norm-matched-dense-does-not');
    const { ctx, asked } = world(7000);
    const out = await def.decide(ctx);
    expect(out.passed).toBe(true);
    expect(column(out, 'dense run')).toEqual([`within ${H}`, `extended to ${3 * H}`, `within ${H}`, `within ${H}`, `within ${H}`]);
    const ofSeed1 = (method: string) => asked.filter((c) => (c.derive as { method?: string } | undefined)?.method === method && c.data.seed === 1);
    // the ticket trains the horizon every other seed's ticket trains, cut from the extended run
    expect(ofSeed1('magnitude').map((c) => [c.epochs, (c.derive as unknown as { base: RunConfig }).base.epochs])).toEqual([[H, 3 * H]]);
    expect(ofSeed1('normMatched').map((c) => [c.epochs, (c.derive as unknown as { base: RunConfig }).base.epochs])).toEqual([[at.scale.controlEpochs, 3 * H], [at.scale.controlEpochs, 3 * H]]);
    expect(out.choices?.find((c) => c.item.startsWith('horizon rule'))?.choice).toMatch(/extended and used: seed 1 \(t_gen 20000\)/);

    const censored = await def.decide(world(null).ctx);
    expect(censored.passed).toBe(false);
    expect(censored.reason).toMatch(new RegExp(`^the dense run never generalised on seed 4 \\(censored at ${3 * H}\\)`));
    expect(column(censored, 'dense run')[4]).toBe(`censored at ${3 * H}`);
  });

  it('claim 3: the masks scored at θ0 derive from the run at H, so an extended seed shares them; its ticket is the extended run\'s', async () => {
    const { ctx, asked } = world(7000);
    const out = await (await claim('pai-masks-do-not')).decide(ctx);
    expect(out.passed).toBe(true);
    const seed1 = asked.filter((c) => c.derive && c.data.seed === 1);
    const baseEpochs = (method: string) => seed1.filter((c) => (c.derive as { method: string }).method === method).map((c) => (c.derive as unknown as { base: RunConfig }).base.epochs);
    expect(baseEpochs('pai')).toEqual([H, H, H, H]);
    expect(baseEpochs('magnitude')).toEqual([3 * H]);
  });

  it('Fig. 4a (tickets along the dense run up to its t_gen): an extended seed\'s tickets are taken past H, up to its t_gen; a censored seed fails the dense statement', async () => {
    const def = await claim('non-grokking-tickets-do-not-generalise');
    const { ctx, asked } = world(7000);
    const out = await def.decide(ctx);
    const dense = statementsOf(out).find((s) => s.id === 'dense-runs-grok')!;
    expect(dense.state).toBe('holds');
    expect(dense.detail).toMatch(/20000 \(extended\)/);
    const seed1 = out.seedTable.rows.filter((r) => r[0] === 1);
    expect(seed1.map((r) => r[out.seedTable.columns.indexOf('t (mask from dense epoch)')])).toEqual([2000, 4000, 6000, 8000, 10_000, 12_000, 14_000, 16_000, 18_000, 20_000, `${3 * H} (final)`]);
    expect(new Set(seed1.map((r) => r[1]))).toEqual(new Set([`extended to ${3 * H}`]));
    // every ticket of seed 1 is cut from the extended run; the final one trains the scale's ticket horizon
    const tickets = asked.filter((c) => (c.derive as { method?: string } | undefined)?.method === 'magnitude' && c.data.seed === 1);
    expect(new Set(tickets.map((c) => (c.derive as unknown as { base: RunConfig }).base.epochs))).toEqual(new Set([3 * H]));
    expect(tickets.find((c) => (c.derive as { fromEpoch: unknown }).fromEpoch === 'final')?.epochs).toBe(H);

    const censored = statementsOf(await def.decide(world(null).ctx)).find((s) => s.id === 'dense-runs-grok')!;
    expect(censored.state).toBe('fails');
    expect(censored.detail).toMatch(new RegExp(`seed 4 \\(censored at ${3 * H}\\)`));
  });
});

/**
 * No claim skips the rule unsaid: a claim file that trains a dense run of the setting (`denseRun(`,
 * or the setting's `base(` config) either takes its dense runs from `denseRuns` and states the rule
 * in its choices, or is listed here and says in its choices why the rule does not apply.
 */
const NOT_APPLYING: Record<string, string> = {
  'jaccard-spikes-at-test-jump': 'no ticket, no t_gen: the largest test-metric rise within the horizon, on every seed',
  'edge-popup-lifts-test-accuracy': 'the dense run is read at epoch 1000, memorised and not generalised (θ_mem)',
  'hyperparameters-lr-wd': 'the dense runs are the arms compared, censoring handled by the claim\'s own rule',
};

describe('every claim that trains a dense run follows the horizon rule or says why not', () => {
  const dir = join(import.meta.dirname, '../../claims');
  const files = readdirSync(dir).filter((f) => f.endsWith('.claim.ts'));
  const source = (id: string) => readFileSync(join(dir, `${id}.claim.ts`), 'utf8');
  const trainsDense = (src: string) => /\bdenseRun\(|\bbase\(|\bdenseRuns\(/.test(src);

  it.each(files.map((f) => f.replace(/\.claim\.ts$/, '')))('%s', (id) => {
    const src = source(id);
    if (!trainsDense(src)) return;
    if (id in NOT_APPLYING) {
      expect(/\bdenseRuns\(/.test(src), `${id} is listed as one the rule does not apply to, so it must not use denseRuns`).toBe(false);
      expect(/\bhorizonRuleExempt\(/.test(src), `${id}: say in the choices why the horizon rule does not apply (horizonRuleExempt)`).toBe(true);
    } else {
      expect(/\bdenseRuns\(/.test(src), `${id} trains a dense run: take it from denseRuns (src/claims/horizon.ts), or list the claim in NOT_APPLYING with horizonRuleExempt in its choices`).toBe(true);
      expect(/\bhorizonRuleChoice\(/.test(src), `${id}: state the rule in the choices (horizonRuleChoice)`).toBe(true);
    }
  });

  it('lists only claims that exist and train a dense run', () => {
    for (const id of Object.keys(NOT_APPLYING)) expect(trainsDense(source(id)), id).toBe(true);
  });
});
