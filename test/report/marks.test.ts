import { describe, expect, it } from 'vitest';
import { runCurvesSpec } from '../../src/cli/plot.ts';
import { accuracyCurves, pairedMilestone } from '../../src/claims/figures.ts';
import type { RunConfig } from '../../src/config/schema.ts';
import { renderSvg } from '../../src/report/render.ts';
import { toVegaLite } from '../../src/report/specs.ts';
import type { RunResult } from '../../src/runs/execute.ts';
import type { RunLog } from '../../src/train/loop.ts';

type Layered = { layer: { mark: { type: string }; transform?: unknown[] }[]; data: { values: Record<string, unknown>[] } };

/** A run with a log that memorises at epoch 100 and generalises at 1000 (of 4000). */
function fakeRun(seed: number, tMem: number, tGen: number | null): RunResult {
  const epochs = [0, 10, 100, 1000, 4000];
  return {
    config: { data: { seed, task: 'add' } } as unknown as RunConfig,
    milestones: { tMem, tGen, tauGrok: tGen === null ? null : tGen / tMem, horizon: 4000 },
    log: { epochs, trainAcc: [0, 0.5, 1, 1, 1], testAcc: [0, 0, 0.1, tGen === null ? 0.5 : 1, tGen === null ? 0.5 : 1] } as RunLog,
  } as RunResult;
}

describe('paired plots name their seeds', () => {
  it('a text mark says "seed k" at each seed\'s line end (its last arm)', async () => {
    const fig = pairedMilestone('tau', 'τ per seed', [
      { name: 'dense', values: [40, 30, null], seeds: [0, 1, 7] },
      { name: 'ticket', values: [2, 3, 4], seeds: [0, 1, 7] },
    ], { yTitle: 'τ', horizon: 100 });
    const spec = toVegaLite(fig) as unknown as Layered;
    const text = spec.layer.find((l) => l.mark.type === 'text');
    expect(text).toBeDefined();
    expect(JSON.stringify(text!.transform)).toContain('ticket');
    const svg = await renderSvg(toVegaLite(fig));
    for (const s of [0, 1, 7]) expect(svg).toContain(`seed ${s}</text>`);
    expect(svg.match(/seed \d+<\/text>/g)).toHaveLength(3); // once per seed, not once per arm
  });
});

describe('curves mark their milestones', () => {
  it('claim figures: each arm\'s median t_mem and t_gen as a rule with its label', async () => {
    const fig = accuracyCurves('acc', 'accuracy', [
      { name: 'dense', runs: [fakeRun(0, 100, 1000), fakeRun(1, 100, 1000), fakeRun(2, 100, null)] },
      { name: 'ticket', runs: [fakeRun(0, 100, null), fakeRun(1, 100, null), fakeRun(2, 100, 1000)] },
    ]);
    // the ticket's t_gen is reached by one seed of three: no median time to mark
    expect(fig.milestones).toEqual([
      { x: 100, label: 't_mem', series: 'dense' }, { x: 1000, label: 't_gen', series: 'dense' }, { x: 100, label: 't_mem', series: 'ticket' },
    ]);
    const spec = toVegaLite(fig) as unknown as Layered;
    expect(spec.layer.map((l) => l.mark.type)).toEqual(expect.arrayContaining(['rule', 'text']));
    const svg = await renderSvg(toVegaLite(fig));
    expect(svg).toContain('t_gen</text>');
    expect(svg.match(/t_mem<\/text>/g)).toHaveLength(2);
  });

  it('grok plot: the run\'s t_mem and t_gen on its accuracy and loss curves', async () => {
    const log = { epochs: [0, 10, 100, 1000, 4000], trainAcc: [0, 0.5, 1, 1, 1], testAcc: [0, 0, 0.1, 0.97, 1], trainLoss: [2, 1, 0.1, 0.01, 0.01], testLoss: [2, 2, 1.5, 0.2, 0.1],
      trainAccEvery: Array.from({ length: 4001 }, (_, e) => (e >= 100 ? 1 : 0.5)) } as RunLog;
    const config = { data: { task: 'add', p: 67, fracTrain: 0.4, seed: 0 }, model: { name: 'mlp' }, optim: { weightDecay: 1, lr: 1e-3 }, epochs: 4000, initSeed: 0 } as unknown as RunConfig;
    const svg = await renderSvg(runCurvesSpec('k', config, log));
    expect(svg.match(/t_mem 100<\/text>/g)).toHaveLength(2);
    expect(svg.match(/t_gen 1000<\/text>/g)).toHaveLength(2);
  });
});
