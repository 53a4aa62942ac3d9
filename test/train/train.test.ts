import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import '../setup-backend.ts';
import { denseRun, ticketRun } from '../../src/config/schema.ts';
import { makeDataset } from '../../src/tasks/modular.ts';
import { initTheta } from '../../src/models/init.ts';
import { mlpLayout } from '../../src/models/mlp.ts';
import { PAPER_ADAMW } from '../../src/optim/adamw.ts';
import { getRun, runMask, RunInterrupted, snapshot } from '../../src/runs/execute.ts';
import { RunStore } from '../../src/store/store.ts';
import { milestones } from '../../src/train/milestones.ts';
import type { TrainIO } from '../../src/train/loop.ts';
import { train } from '../helpers/train.ts';

const tiny = { p: 11, dEmb: 8, dModel: 6 };
const data = makeDataset({ task: 'add', p: tiny.p, fracTrain: 0.5, seed: 1, symmetric: true });
const layout = mlpLayout(tiny);
const memoryIO = (snaps: Map<number, Float32Array>, extra: Partial<TrainIO> = {}): TrainIO => ({
  loadResume: async () => null, saveResume: async () => {}, saveSnapshot: async (e, t) => void snaps.set(e, Float32Array.from(t)), resumeEvery: 1e9, ...extra,
});
const tmpStore = () => new RunStore({ root: mkdtempSync(join(tmpdir(), 'grok-train-')) });

describe('training loop', () => {
  it('masked weights never act: effective weights stay 0 and raw ones only decay, for any mask and step count', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 25 }), fc.integer({ min: 0, max: 1000 }), async (epochs, seed) => {
        const theta0 = initTheta(layout, seed);
        const mask = Float32Array.from(theta0, (_, i) => ((i * 7919 + seed) % 5 < 2 ? 0 : 1));
        const snaps = new Map<number, Float32Array>();
        await train({ layout, data, theta0, mask, optim: PAPER_ADAMW, epochs, evalEvery: 5, snapshotEvery: 1000 }, memoryIO(snaps));
        const final = snaps.get(epochs)!;
        const decay = (1 - PAPER_ADAMW.lr * PAPER_ADAMW.weightDecay) ** epochs;
        for (let i = 0; i < final.length; i++) {
          if (mask[i] === 0) {
            expect(final[i] * mask[i] === 0).toBe(true);
            expect(Math.abs(final[i] - theta0[i] * decay)).toBeLessThanOrEqual(1e-6 * Math.abs(theta0[i]) + 1e-12);
          }
        }
      }),
      { numRuns: 8 },
    );
  });

  it('holds constant memory: as many tensors after many steps as after one', async () => {
    const counts: number[] = [];
    await train(
      { layout, data, theta0: initTheta(layout, 0), mask: null, optim: PAPER_ADAMW, epochs: 400, evalEvery: 7, snapshotEvery: 100 },
      memoryIO(new Map(), { onProgress: () => void counts.push(tf.memory().numTensors) }),
    );
    expect(counts.length).toBe(8);
    expect(new Set(counts).size).toBe(1);
  });

  it('logs pre-update metrics every epoch (train) and every evalEvery epochs plus the last (test)', async () => {
    const log = (await train(
      { layout, data, theta0: initTheta(layout, 0), mask: null, optim: PAPER_ADAMW, epochs: 23, evalEvery: 10, snapshotEvery: 10 },
      memoryIO(new Map()),
    ))!;
    expect(log.epochs).toEqual([0, 10, 20, 23]);
    expect(log.trainAccEvery.length).toBe(24);
    expect(log.trainAcc[1]).toBe(log.trainAccEvery[10]);
  });
});

describe('milestones', () => {
  it('t_mem, t_gen are the first epochs above 95 %; never reached is null (censored)', () => {
    const m = milestones({ trainAccEvery: [0, 0.5, 0.96, 1, 1], epochs: [0, 2, 4], testAcc: [0, 0.5, 0.951] });
    expect(m).toEqual({ tMem: 2, tGen: 4, tauGrok: 2, horizon: 4 });
    expect(milestones({ trainAccEvery: [0, 1], epochs: [0, 1], testAcc: [0, 0.9] }).tauGrok).toBeNull();
  });
});

describe('runs in the store', () => {
  const cfg = denseRun({ data: { p: 11, fracTrain: 0.5, seed: 2 }, model: { dEmb: 8, dModel: 6 }, initSeed: 2, epochs: 60, evalEvery: 5, snapshotEvery: 20 });

  it('a run killed mid-way and resumed ends bit-identical to an uninterrupted one', async () => {
    const a = await getRun(cfg, { store: tmpStore() });
    const store = tmpStore();
    await expect(getRun(cfg, { store, resumeEvery: 10, stopAfterEpoch: 37 })).rejects.toBeInstanceOf(RunInterrupted);
    const b = await getRun(cfg, { store, resumeEvery: 10 });
    expect(b.meta.resumedFromEpoch).toBe(30);
    expect(b.log).toEqual(a.log);
    expect(Buffer.from((await snapshot(b, 'final')).buffer)).toEqual(Buffer.from((await snapshot(a, 'final')).buffer));
  });

  it('is deterministic and cached: the same config gives the same key and a cache hit', async () => {
    const store = tmpStore();
    const a = await getRun(cfg, { store });
    const b = await getRun(cfg, { store });
    expect(a.cached).toBe(false);
    expect(b.cached).toBe(true);
    expect(b.key).toBe(a.key);
    const other = await getRun(cfg, { store: tmpStore() });
    expect(other.log).toEqual(a.log);
  });

  it('a ticket rewinds to the base run\'s θ0 and keeps the requested fraction', async () => {
    const store = tmpStore();
    const t = await getRun(ticketRun(cfg, { keepFraction: 0.4 }), { store });
    const base = await getRun(cfg, { store });
    expect(base.cached).toBe(true);
    expect(await snapshot(t, 0)).toEqual(await snapshot(base, 0));
    const m = (await runMask(t))!;
    expect(m.reduce((s, v) => s + v, 0)).toBe(layout.size - Math.floor(0.6 * layout.size));
    expect(t.meta.maskDensity?.length).toBe(4);
  });
});
