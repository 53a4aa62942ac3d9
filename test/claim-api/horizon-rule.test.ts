import { describe, expect, it } from 'vitest';
import '../setup-backend.ts';
import type { Claim, ClaimContext } from '../../src/claims/define.ts';
import { denseRuns } from '../../src/claims/horizon.ts';
import { SCALES } from '../../src/config/scale.ts';
import { denseRun, type RunConfig } from '../../src/config/schema.ts';
import { getSetting, settingAt, type SettingRun } from '../../src/config/settings.ts';
import type { RunResult } from '../../src/runs/execute.ts';

/**
 * The horizon rule on fake worlds (mlp-add at ci: H = 15 000, cap 45 000): a seed whose dense run
 * generalises only after H is trained on to the cap and used, marked extended; one that never
 * does is censored at the cap and still counted. The world decides t_gen per seed; a run sees it
 * only if it trains that long.
 */
const at = settingAt(getSetting('mlp-add'), { ...SCALES.ci }) as SettingRun;
const H = at.scale.epochs;

function fake(config: RunConfig, tMem: number | null, tGen: number | null): RunResult {
  const seen = tGen !== null && tGen <= config.epochs ? tGen : null;
  const horizon = config.epochs;
  return {
    key: JSON.stringify(config), config, dir: '', cached: true, backend: 'b', meta: { normRatio: 0.4 } as RunResult['meta'],
    milestones: { tMem, tGen: seen, tauGrok: tMem !== null && seen !== null ? seen / tMem : null, horizon },
    log: { epochs: [0, horizon], trainAcc: [0, 1], testAcc: [0, seen === null ? 0.3 : 1], trainLoss: [1, 0], testLoss: [1, 1], l1: [1, 1], l2: [1, 1], l1Mask: [1, 1], l2Mask: [1, 1], trainAccEvery: [0, 1] },
  } as RunResult;
}

/** Dense t_gen per seed: seed 1 groks after H (20 000), seed 4 as the world says. */
function world(seed4: number | null) {
  const denseTGen = [5780, 20_000, 8110, 9760, seed4];
  const asked: RunConfig[] = [];
  const run = (c: RunConfig): RunResult => {
    asked.push(c);
    const s = c.data.seed;
    const d = c.derive as { method: string } | undefined;
    if (!d) return fake(c, 100, denseTGen[s]);
    if (d.method === 'magnitude') return fake(c, 100, 150 + 10 * s);
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
});
