import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import '@tensorflow/tfjs-backend-cpu';
import '../setup-backend.ts';
import { losses } from '../../src/losses/index.ts';
import { mlpLayout } from '../../src/models/mlp.ts';
import { models } from '../../src/models/index.ts';
import { initTheta } from '../../src/models/init.ts';
import type { Layout } from '../../src/models/layout.ts';
import { PAPER_ADAMW, type AdamWConfig } from '../../src/optim/adamw.ts';
import { magnitudeLayoutMask } from '../../src/prune/magnitude.ts';
import { makeDataset, modularSplit } from '../../src/tasks/modular.ts';
import { trainLoop, trainPopulation, type RunIO, type RunLog } from '../../src/train/loop.ts';
import { denseLanes, denseStepper } from '../../src/train/steppers/dense.ts';
import type { Split } from '../../src/tasks/types.ts';

/**
 * A population's lanes against the same runs trained alone. On the cpu backend every kernel of a
 * lane is the kernel of its run alone (batched matMul loops over the batch with the 2-D product's
 * blocking; gatherND/scatterND visit a lane's rows in its run's order; reductions run per lane over
 * the same B·C entries), so the tolerance is zero: logs and snapshots must be bit-identical.
 */

interface LaneCase { initSeed: number; dataSeed: number; keep: number | null }

const P = 11;
const layout: Layout = mlpLayout({ p: P, dEmb: 12, dModel: 6 });
const model = models.get('mlp');
const loss = losses.get('crossEntropy');
const splitOf = (seed: number): Split => modularSplit(makeDataset({ task: 'add', p: P, fracTrain: 0.5, seed, symmetric: true }));

/** Where a run's state goes, in memory. */
function memoryIO() {
  const snaps = new Map<number, Float32Array>();
  const io: RunIO = { loadResume: async () => null, saveResume: async () => {}, saveSnapshot: async (e, t) => void snaps.set(e, t.slice()) };
  return { io, snaps };
}

function lanesOf(cases: LaneCase[]) {
  return cases.map((c) => {
    const theta0 = initTheta(layout, c.initSeed, 1);
    const mask = c.keep === null ? null : magnitudeLayoutMask(layout, initTheta(layout, c.initSeed + 100, 1), c.keep);
    return { theta0, mask, split: splitOf(c.dataSeed) };
  });
}

const shape = (epochs: number) => ({ model, loss, layout, outputSize: P, epochs, evalEvery: 3, snapshotEvery: 5 });

async function alone(cases: LaneCase[], optim: AdamWConfig, epochs: number) {
  const out: { log: RunLog | null; snaps: Map<number, Float32Array> }[] = [];
  for (const l of lanesOf(cases)) {
    const { io, snaps } = memoryIO();
    const log = await trainLoop({ ...shape(epochs), split: l.split, stepper: denseStepper({ layout, theta0: l.theta0, mask: l.mask, optim }) }, { ...io, resumeEvery: 1000 });
    out.push({ log, snaps });
  }
  return out;
}

async function together(cases: LaneCase[], optim: AdamWConfig, epochs: number) {
  const lanes = lanesOf(cases);
  // runs with the same data seed share the split object, as the executor does
  const bySeed = new Map<number, Split>();
  const splits = cases.map((c, i) => bySeed.get(c.dataSeed) ?? (bySeed.set(c.dataSeed, lanes[i].split), lanes[i].split));
  const ios = lanes.map(() => memoryIO());
  const logs = await trainPopulation(
    { ...shape(epochs), splits, stepper: denseLanes({ layout, optim, lanes: lanes.map((l) => ({ theta0: l.theta0, mask: l.mask })) }) },
    { lanes: ios.map((x) => x.io), resumeEvery: 1000 },
  );
  return logs.map((log, i) => ({ log, snaps: ios[i].snaps }));
}

describe('population on the cpu backend', () => {
  let previous: string;
  beforeAll(async () => {
    previous = tf.getBackend();
    await tf.setBackend('cpu');
  });
  afterAll(async () => {
    await tf.setBackend(previous);
  });

  it('each lane is bit-identical to its run trained alone (seeds, splits, masks, weight decay)', async () => {
    const laneCase = fc.record({ initSeed: fc.integer({ min: 0, max: 50 }), dataSeed: fc.integer({ min: 0, max: 2 }), keep: fc.option(fc.constantFrom(0.3, 0.6), { nil: null }) });
    await fc.assert(
      fc.asyncProperty(fc.array(laneCase, { minLength: 2, maxLength: 3 }), fc.constantFrom(0, 1), async (cases, weightDecay) => {
        const optim = { ...PAPER_ADAMW, lr: 0.01, weightDecay };
        const before = tf.memory().numTensors;
        const a = await alone(cases, optim, 12);
        const b = await together(cases, optim, 12);
        expect(tf.memory().numTensors).toBe(before);
        for (let i = 0; i < cases.length; i++) {
          expect(b[i].log).toEqual(a[i].log);
          expect([...b[i].snaps.keys()]).toEqual([...a[i].snaps.keys()]);
          for (const [e, t] of a[i].snaps) expect(b[i].snaps.get(e)).toEqual(t);
        }
      }),
      { numRuns: 6, seed: 20261202 },
    );
  });

  it('a lane that diverges stops at its epoch, as the run alone does, while the others train on', async () => {
    const cases: LaneCase[] = [{ initSeed: 1, dataSeed: 0, keep: null }, { initSeed: 2, dataSeed: 0, keep: null }];
    const optim = { ...PAPER_ADAMW, lr: 0.01 };
    const lanes = lanesOf(cases);
    // lane 1 starts from weights whose logits overflow float32: its output is not finite at epoch 0
    const huge = lanes[1].theta0.map(() => 1e30);
    const ios = lanes.map(() => memoryIO());
    const before = tf.memory().numTensors;
    const logs = await trainPopulation(
      { ...shape(12), splits: [lanes[0].split, lanes[0].split], stepper: denseLanes({ layout, optim, lanes: [{ theta0: lanes[0].theta0, mask: null }, { theta0: huge, mask: null }] }) },
      { lanes: ios.map((x) => x.io), resumeEvery: 1000 },
    );
    expect(tf.memory().numTensors).toBe(before);
    const [ok] = await alone([cases[0]], optim, 12);
    expect(logs[0]).toEqual(ok.log);
    const diverged = memoryIO();
    const aloneDiverged = await trainLoop({ ...shape(12), split: lanes[0].split, stepper: denseStepper({ layout, theta0: huge, mask: null, optim }) }, { ...diverged.io, resumeEvery: 1000 });
    expect(logs[1]).toEqual(aloneDiverged);
    expect(logs[1]!.diverged).toEqual({ epoch: 0, reason: 'the network output is not finite (NaN or ±Infinity)' });
    expect([...ios[1].snaps.keys()]).toEqual([0]);
  });
});

