import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import '../setup-backend.ts';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { denseRun, ticketRun } from '../../src/config/schema.ts';
import { toParams } from '../../src/models/layout.ts';
import { modelInit, models } from '../../src/models/index.ts';
import { modelInputs, paramGradients } from '../../src/models/registry.ts';
import { getRun, runMask } from '../../src/runs/execute.ts';
import { RunStore } from '../../src/store/store.ts';
import { tasks } from '../../src/tasks/index.ts';

/** The generated-data settings' models (spec §1.6–1.7, §2.4) through the registries, at tiny sizes. */

const tmpStore = () => new RunStore({ root: mkdtempSync(join(tmpdir(), 'grok-generated-')) });

describe('poly-mlp', () => {
  it('has the authors\' sizes: 28 020 prunable weights at d = 40 (spec §14)', () => {
    const layout = models.get('poly-mlp').layout({ dModel: 48, dEmb: 500, weightScale: 1 }, tasks.get('polynomial').shape({ d: 40 }));
    expect(layout.size).toBe(28_020);
    expect(layout.layers.map((l) => [l.name, l.shape])).toEqual([['E', [40, 40]], ['I', [40, 48]], ['O', [48, 500]], ['U', [500, 1]]]);
  });

  it('its hand-written backward equals tfjs autodiff of its forward', () => {
    const model = models.get('poly-mlp');
    const autodiff = { ...model, backward: undefined };
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 7 }), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 0, max: 999 }), (d, dModel, dEmb, n, seed) => {
        const task = tasks.get('polynomial');
        const layout = model.layout({ dModel, dEmb, weightScale: 1.5 }, task.shape({ d }));
        const { train } = task.make({ d, nTrain: n, nTest: 1, seed });
        const theta = modelInit(model, layout, seed, { weightScale: 1.5 });
        const batch = modelInputs(model, train, layout);
        const [mine, theirs] = [model, autodiff].map((m) => tf.tidy(() => {
          const params = toParams(theta, layout);
          const fwd = m.forward(params, batch, layout);
          const G = tf.sub(fwd.out, 0.3) as tf.Tensor2D; // any ∂L/∂ŷ
          return paramGradients(m, fwd, G, params, batch, layout).map((g) => Array.from(g.dataSync()));
        }));
        batch.dispose();
        mine.forEach((g, i) => g.forEach((v, j) => expect(v).toBeCloseTo(theirs[i][j], 4)));
      }),
      { numRuns: 25 },
    );
  });
});

describe('generated-data tasks train through the registries and give magnitude tickets', () => {
  it('polynomial: poly-mlp learns, the ticket keeps 40 % of the weights, regression accuracy is NaN and survives the store', async () => {
    const store = tmpStore();
    const before = tf.memory().numTensors;
    const dense = denseRun({ data: { task: 'polynomial', d: 6, nTrain: 16, nTest: 8, seed: 1 }, model: { dModel: 5, dEmb: 7 }, optim: { lr: 1e-2 }, initSeed: 1, epochs: 20, evalEvery: 5, snapshotEvery: 10 });
    expect(dense.model.name).toBe('poly-mlp');
    const d = await getRun(dense, { store });
    expect(d.log.trainLoss.at(-1)!).toBeLessThan(d.log.trainLoss[0]);
    expect(d.log.testAcc.every(Number.isNaN)).toBe(true);
    // loss milestones: t_mem is an evaluated epoch or censored, never an accuracy crossing
    expect(d.milestones.tMem === null || d.log.epochs.includes(d.milestones.tMem)).toBe(true);
    const again = await getRun(dense, { store });
    expect(again.cached).toBe(true);
    expect(again.log.trainLoss).toEqual(d.log.trainLoss);
    expect(again.log.trainAcc.every(Number.isNaN)).toBe(true);
    const t = await getRun(ticketRun(dense, { keepFraction: 0.4 }), { store });
    const mask = (await runMask(t))!;
    const size = 6 * 6 + 6 * 5 + 5 * 7 + 7 * 1;
    expect(mask.length).toBe(size);
    expect(mask.reduce((a, b) => a + b, 0)).toBe(size - Math.floor(0.6 * size));
    expect(tf.memory().numTensors).toBe(before);
  }, 60_000);

  it('parity: relu-mlp trains on minibatches, and its ticket prunes the weights but never the biases', async () => {
    const store = tmpStore();
    const before = tf.memory().numTensors;
    const dense = denseRun({ data: { task: 'parity', n: 6, k: 2, nTrain: 40, nTest: 16, seed: 2 }, model: { width: 8 }, optim: { lr: 1e-2 }, initSeed: 2, epochs: 6, evalEvery: 2, snapshotEvery: 3, batchSize: 16 });
    expect(dense.model.name).toBe('relu-mlp');
    const d = await getRun(dense, { store });
    expect(d.log.trainAccEvery.length).toBe(7);
    expect(d.log.trainLoss.at(-1)!).toBeLessThan(d.log.trainLoss[0]);
    const t = await getRun(ticketRun(dense, { keepFraction: 0.5 }), { store });
    const mask = (await runMask(t))!;
    const density = t.meta.maskDensity!;
    expect(density.find((l) => l.name === 'b1')!.kept).toBe(8);
    expect(density.find((l) => l.name === 'b2')!.kept).toBe(2);
    expect(density.filter((l) => l.name.startsWith('W')).reduce((a, l) => a + l.kept, 0)).toBe((6 * 8 + 8 * 2) / 2);
    expect(mask.length).toBe(6 * 8 + 8 + 8 * 2 + 2);
    expect(tf.memory().numTensors).toBe(before);
  }, 60_000);
});
