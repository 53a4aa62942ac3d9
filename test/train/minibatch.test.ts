import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import '../setup-backend.ts';
import { denseRun, parseRunConfig, resolve } from '../../src/config/schema.ts';
import { modelInit } from '../../src/models/index.ts';
import { getRun, RunInterrupted, snapshot } from '../../src/runs/execute.ts';
import { RunStore } from '../../src/store/store.ts';
import { trainLoop, type Stepper } from '../../src/train/loop.ts';
import { epochBatches, subsetExamples } from '../../src/train/minibatch.ts';
import { denseStepper } from '../../src/train/steppers/dense.ts';

/** Minibatch SGD with a seeded data order (sparse parity): an option of the one loop. */
const tmpStore = () => new RunStore({ root: mkdtempSync(join(tmpdir(), 'grok-minibatch-')) });
const parity = (extra: Record<string, unknown> = {}) =>
  denseRun({ data: { task: 'parity', n: 5, k: 2, nTrain: 30, nTest: 10, seed: 1 }, model: { width: 6 }, optim: { lr: 1e-2 }, initSeed: 1, epochs: 8, evalEvery: 2, snapshotEvery: 4, batchSize: 8, ...extra });

describe('minibatch order', () => {
  it('each epoch is a seeded permutation of the training set cut into batches of the size (last one smaller)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 60 }), fc.integer({ min: 1, max: 70 }), fc.integer({ min: 0, max: 99 }), fc.integer({ min: 0, max: 50 }), (n, size, seed, epoch) => {
        const batches = epochBatches(n, { size, seed }, epoch);
        expect(batches.length).toBe(Math.ceil(n / size));
        batches.slice(0, -1).forEach((b) => expect(b.length).toBe(size));
        expect(Array.from(batches.flatMap((b) => Array.from(b))).sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i));
        expect(epochBatches(n, { size, seed }, epoch)).toEqual(batches);
      }),
      { numRuns: 60 },
    );
    // the order changes between epochs and seeds
    expect(epochBatches(50, { size: 50, seed: 0 }, 1)).not.toEqual(epochBatches(50, { size: 50, seed: 0 }, 0));
    expect(epochBatches(50, { size: 50, seed: 1 }, 0)).not.toEqual(epochBatches(50, { size: 50, seed: 0 }, 0));
  });

  it('a subset keeps rows, targets and labels together', () => {
    const c = parity();
    const { task: _t, ...df } = c.data;
    const { train } = resolve(c).task.make(df);
    const sub = subsetExamples(train, Int32Array.from([4, 0, 4]));
    if (sub.kind !== 'vectors' || train.kind !== 'vectors') throw new Error('parity gives vectors');
    expect(Array.from(sub.x.subarray(0, 5))).toEqual(Array.from(train.x.subarray(20, 25)));
    expect(Array.from(sub.x.subarray(5, 10))).toEqual(Array.from(train.x.subarray(0, 5)));
    expect(Array.from(sub.labels!)).toEqual([train.labels![4], train.labels![0], train.labels![4]]);
    expect(Array.from(sub.targets.subarray(4, 6))).toEqual(Array.from(train.targets.subarray(8, 10)));
  });
});

describe('the loop with minibatches', () => {
  it('takes ceil(n / batch) steps per epoch, and a batch as large as the set is the full-batch loop exactly', async () => {
    const run = async (batchSize: number) => {
      const c = parseRunConfig(parity({ batchSize }));
      const { task, model, loss, layout, shape } = resolve(c);
      const { task: _t, ...df } = c.data;
      let updates = 0;
      const make = denseStepper({ layout, theta0: modelInit(model, layout, 1, c.model), mask: null, optim: c.optim });
      const counting = (r: Parameters<typeof make>[0]): Stepper => {
        const s = make(r);
        return { get step() { return s.step; }, view: () => s.view(), update: (g, v) => { updates++; s.update(g, v); }, snapshot: () => s.snapshot(), resumeState: (l) => s.resumeState(l), dispose: () => s.dispose() };
      };
      const log = await trainLoop(
        { model, loss, layout, split: task.make(df), outputSize: shape.outputSize, stepper: counting, epochs: 3, evalEvery: 1, snapshotEvery: 10, ...(batchSize ? { minibatch: { size: batchSize, seed: 1 } } : {}) },
        { loadResume: async () => null, saveResume: async () => {}, saveSnapshot: async () => {}, resumeEvery: 1e9 },
      );
      return { updates, log };
    };
    expect((await run(8)).updates).toBe(3 * 4);
    const full = await run(0);
    expect(full.updates).toBe(3);
    expect((await run(30)).log).toEqual(full.log);
  });

  it('is deterministic, and a run killed mid-way resumes bit-identical (the order is seeded per epoch)', async () => {
    const cfg = parity();
    const a = await getRun(cfg, { store: tmpStore() });
    const b = await getRun(cfg, { store: tmpStore() });
    expect(b.log).toEqual(a.log);
    const store = tmpStore();
    await expect(getRun(cfg, { store, resumeEvery: 2, stopAfterEpoch: 5 })).rejects.toBeInstanceOf(RunInterrupted);
    const c = await getRun(cfg, { store, resumeEvery: 2 });
    expect(c.meta.resumedFromEpoch).toBe(4);
    expect(c.log).toEqual(a.log);
    expect(Buffer.from((await snapshot(c, 'final')).buffer)).toEqual(Buffer.from((await snapshot(a, 'final')).buffer));
    // another batch size is another run
    expect((await getRun(parity({ batchSize: 7 }), { store: tmpStore() })).log.trainLoss).not.toEqual(a.log.trainLoss);
  }, 60_000);
});
