import { describe, expect, it } from 'vitest';
import type { Claim, ClaimOutcome } from '../../src/claims/define.ts';
import { holds, statementsOf } from '../../src/claims/outcome.ts';
import { SCALES, type Scale } from '../../src/config/scale.ts';
import { denseRun, parseRunConfig, type RunConfig } from '../../src/config/schema.ts';
import { getSetting, settingAt, type SettingRun } from '../../src/config/settings.ts';
import { milestones } from '../../src/train/milestones.ts';
import type { RunResult } from '../../src/runs/execute.ts';
import type { Job } from '../../src/runs/pool.ts';

/**
 * Table 1's setup and verdict (claims/edge-popup-lifts-test-accuracy.claim.ts), without training:
 * `decide` runs on synthetic curves, so what is checked is which runs it asks for at each scale
 * and which statements decide it.
 */
const def = (await import('../../claims/edge-popup-lifts-test-accuracy.claim.ts')).default as Claim;

/** Test accuracy of an arm, epochs counted from θ_mem: a ramp from 0.02 to `end`, reaching it at `at`. */
type Curve = { end: number; at: number };
interface Scenario { wd: Curve; wdOther: Curve; epWo: (seed: number) => Curve; epW: Curve }

function fakeRun(config: RunConfig, curve: Curve): RunResult {
  const epochs: number[] = [];
  for (let e = 0; e <= config.epochs; e += config.evalEvery) epochs.push(e);
  const testAcc = epochs.map((e) => 0.02 + (curve.end - 0.02) * Math.min(1, e / curve.at));
  const ones = epochs.map(() => 1);
  const log = { epochs, testAcc, trainAcc: ones, trainLoss: ones, testLoss: ones, l1: ones, l2: ones, l1Mask: ones, l2Mask: ones, trainAccEvery: Array.from({ length: config.epochs + 1 }, () => 1) };
  return { key: 'fake', config, log, milestones: milestones(log), meta: {} as RunResult['meta'], dir: '/nonexistent', cached: true, backend: 'fake' };
}

async function decide(scale: Scale, scenario: Scenario): Promise<{ jobs: Job[]; outcome: ClaimOutcome; at: SettingRun }> {
  const at = settingAt(getSetting('mlp-add'), scale) as SettingRun;
  const jobs: Job[] = [];
  const runAll = async (batch: Job[]) => batch.map((j) => {
    jobs.push(j);
    const config = parseRunConfig(j.config);
    const seed = config.data.seed;
    if (!config.derive) return fakeRun(config, { end: 0.02, at: 1 });
    const d = config.derive;
    const curve = d.method === 'edgePopup' ? (d.trainWeights ? scenario.epW : scenario.epWo(seed)) : config.optim.lr === 0.01 ? scenario.wd : scenario.wdOther;
    return fakeRun(config, curve);
  });
  const outcome = await def.decide({ scale: at.scale, setting: at.setting, base: at.base, ticket: at.ticket, run: async () => { throw new Error('unused'); }, runAll });
  return { jobs, outcome, at };
}

// the paper's Table 1 (EP w/o WD 0.92 ± 0.06 at 2000; EP w/ WD first, then WD; EP w/o WD never 95 %)
const paperLike: Scenario = { wd: { end: 1, at: 1000 }, wdOther: { end: 0.3, at: 2000 }, epWo: (s) => ({ end: 0.86 + 0.03 * s, at: 2000 }), epW: { end: 1, at: 700 } };
// what ci measured: EP w/o WD 0.43–0.94 (a 0.3 lift over θ_mem, but no generalisation), WD at lr 0.01 first
const ciLike: Scenario = { ...paperLike, wd: { end: 1, at: 700 }, epWo: (s) => ({ end: [0.43, 0.94, 0.39, 0.55, 0.67][s], at: 2000 }), epW: { end: 1, at: 1600 } };

describe('edge-popup claim (Table 1)', () => {
  it('starts every arm from epoch 1000 of a frac-0.5 dense run at every scale', async () => {
    for (const scale of [SCALES.smoke, SCALES.ci, SCALES.paper]) {
      const { jobs, at } = await decide(scale, paperLike);
      const configs = jobs.map((j) => parseRunConfig(j.config));
      const bases = configs.filter((c) => !c.derive);
      const derived = configs.filter((c) => c.derive);
      expect(bases.length).toBe(at.scale.seeds.length);
      for (const b of bases) expect((b.data as { fracTrain: number }).fracTrain).toBe(0.5);
      expect(derived.length).toBe(4 * at.scale.seeds.length);
      for (const d of derived) {
        expect(d.derive!.fromEpoch).toBe(1000);
        expect(bases.some((b) => JSON.stringify(b) === JSON.stringify(d.derive!.base))).toBe(true);
      }
      const wdLr = derived.filter((d) => d.derive!.method === 'continue').map((d) => d.optim.lr).sort();
      expect(wdLr).toEqual([...at.scale.seeds.map(() => 0.001), ...at.scale.seeds.map(() => 0.01)]);
      if (scale.name === 'ci') {
        // the suite's own dense runs are Table 1's θ_mem runs: reused, not trained again
        expect(bases.map((b) => JSON.stringify(b))).toEqual(at.scale.seeds.map((s) => JSON.stringify(denseRun(at.base(s)))));
      } else {
        // paper (frac 0.4) and smoke (40 epochs): a dedicated 1000-epoch frac-0.5 run
        for (const b of bases) expect([b.epochs, b.snapshotEvery]).toEqual([1000, 1000]);
      }
      if (scale.name !== 'smoke') for (const d of derived) expect(d.epochs).toBe(2000);
    }
  });

  it('holds on the paper\'s numbers and fails on a lift that does not generalise', async () => {
    const paper = await decide(SCALES.ci, paperLike);
    expect(holds(paper.outcome), paper.outcome.reason).toBe(true);
    const ci = await decide(SCALES.ci, ciLike);
    expect(holds(ci.outcome)).toBe(false);
    expect(ci.outcome.reason).toMatch(/\(1\) FAILS: EP w\/o WD test accuracy 0\.43, 0\.94, 0\.39, 0\.55, 0\.67/);
    expect(ci.outcome.reason).toMatch(/\(2\) FAILS: t_gen EP w\/ WD .* vs WD \(lr 0\.01\)/);
    expect(ci.outcome.reason).toMatch(/\(3\) holds/);
    // the statements by the ids an expected failure names
    expect(statementsOf(ci.outcome).map((s) => [s.id, s.state])).toEqual([
      ['theta-mem-memorises', 'holds'], ['frozen-weights-generalise', 'fails'], ['ep-with-wd-beats-wd', 'fails'], ['ep-with-wd-beats-ep', 'holds'],
    ]);
    // each statement is its own statistic; the lr-1e-3 arm is shown but does not decide
    const tests = ci.outcome.statistics.filter((s) => s.role === 'test' || s.role === 'both');
    expect(tests.map((s) => s.name.slice(0, 3))).toEqual(['(1)', '(2)', '(3)']);
    expect(ci.outcome.statistics.some((s) => /lr 0\.001/.test(s.name) && s.role === undefined)).toBe(true);
  });

  it('fails statement (2) alone when EP w/ WD is not faster than WD at lr 0.01', async () => {
    const { outcome } = await decide(SCALES.ci, { ...paperLike, wd: { end: 1, at: 500 } });
    expect(holds(outcome)).toBe(false);
    expect(outcome.reason).toMatch(/^1 of 3 statements not reproduced.*\(1\) holds.*\(2\) FAILS.*\(3\) holds/);
  });
});
