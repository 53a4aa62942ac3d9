import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import '../setup-backend.ts';
import { denseRun, ticketRun } from '../../src/config/schema.ts';
import { getRun } from '../../src/runs/execute.ts';
import { RunStore } from '../../src/store/store.ts';

/** A diverging run is a result: it stops at the first non-finite epoch, is stored, and hits the cache. */
const tmpStore = () => new RunStore({ root: mkdtempSync(join(tmpdir(), 'grok-diverge-')) });
const tiny = (optim: Record<string, number>) =>
  denseRun({ data: { p: 7, fracTrain: 0.5, seed: 1 }, model: { dEmb: 8, dModel: 6 }, optim, initSeed: 1, epochs: 30, evalEvery: 5, snapshotEvery: 10 });

describe('diverging runs', () => {
  it.each([
    ['a huge learning rate', { lr: 1e10 }, 1],
    ['a huge weight decay', { weightDecay: 1e308 }, 1],
    ['a large learning rate, after a few finite epochs', { lr: 10 }, 10],
  ])('%s: stored as diverged at the epoch it happened, never generalising, and served from the cache', async (_name, optim, epoch) => {
    const store = tmpStore();
    const before = tf.memory().numTensors;
    const a = await getRun(tiny(optim), { store });
    expect(tf.memory().numTensors).toBe(before);
    expect(a.log.diverged).toEqual({ epoch, reason: 'the network output is not finite (NaN or ±Infinity)' });
    expect(a.milestones).toMatchObject({ tGen: null, tauGrok: null, horizon: epoch - 1, diverged: { epoch } });
    // nothing of the diverged epoch (or later) is logged, and the log is plain finite JSON
    expect(a.log.trainAccEvery).toHaveLength(epoch);
    expect(Math.max(...a.log.epochs)).toBeLessThan(epoch);
    const stored = JSON.parse(readFileSync(join(a.dir, 'metrics.json'), 'utf8')) as Record<string, unknown>;
    expect(stored).toEqual(a.log);
    for (const col of Object.values(stored).filter(Array.isArray)) expect((col as number[]).every(Number.isFinite)).toBe(true);

    const b = await getRun(tiny(optim), { store });
    expect(b.cached).toBe(true);
    expect(b.log).toEqual(a.log);
    expect(b.milestones).toEqual(a.milestones);
  });

  it('a ticket of a diverged run says why there is no final snapshot', async () => {
    const store = tmpStore();
    await expect(getRun(ticketRun(tiny({ lr: 1e10 }), { keepFraction: 0.5 }), { store })).rejects.toThrow(
      /diverged at epoch 1 \(the network output is not finite.*no snapshot at epoch 30/,
    );
  });
});
