import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import '../setup-backend.ts';
import { losses } from '../../src/losses/index.ts';
import { toFlat, toParams } from '../../src/models/layout.ts';
import { models, modelInit } from '../../src/models/index.ts';
import { ensureGradients } from '../../src/models/autodiff.ts';
import type { VectorExamples } from '../../src/tasks/types.ts';
import { makeBatch, trainLoop } from '../../src/train/loop.ts';
import { denseStepper } from '../../src/train/steppers/dense.ts';

const model = models.get('mnist-mlp');
const mse = losses.get('mse');

/** n random inputs in [0, 1) of dim d with one-hot targets over k classes. */
function examples(n: number, d: number, k: number, seed: number): VectorExamples {
  let s = seed;
  const rnd = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const x = Float32Array.from({ length: n * d }, rnd);
  const labels = Int32Array.from({ length: n }, () => Math.floor(rnd() * k));
  const targets = new Float32Array(n * k);
  labels.forEach((l, i) => (targets[i * k + l] = 1));
  return { kind: 'vectors', n, dim: d, x, targets, labels };
}

describe('mnist-mlp', () => {
  it('its hand-written backward equals tfjs autodiff of its forward', () => {
    ensureGradients();
    fc.assert(fc.property(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 7 }), fc.integer({ min: 2, max: 5 }), fc.integer({ min: 0, max: 1000 }), (n, d, h, k, seed) => {
      const layout = model.layout({ dModel: h, weightScale: 8 }, { inputKind: 'vectors', inputDim: d, outputSize: k });
      const batch = makeBatch(model, mse, examples(n, d, k, seed), layout, k);
      const theta = modelInit(model, layout, seed, { weightScale: 8 });
      const [hand, auto] = tf.tidy(() => {
        const params = toParams(theta, layout);
        const fwd = model.forward(params, batch, layout);
        const G = mse.grad(fwd.out, batch);
        const byHand = toFlat(model.backward!(fwd, G, batch, layout), layout);
        const f = (...ps: tf.Tensor[]) => model.forward(ps as tf.Tensor2D[], batch, layout).out;
        return [byHand, toFlat(tf.grads(f)(params, G) as tf.Tensor2D[], layout)];
      });
      batch.dispose();
      const scale = Math.max(1e-6, ...auto.map(Math.abs));
      for (let i = 0; i < hand.length; i++) expect(Math.abs(hand[i] - auto[i]) / scale).toBeLessThan(1e-4);
    }), { numRuns: 25 });
  });

  it('trains through the one loop with the MSE loss, without leaking tensors', async () => {
    const layout = model.layout({ dModel: 16, weightScale: 8 }, { inputKind: 'vectors', inputDim: 12, outputSize: 4 });
    const before = tf.memory().numTensors;
    const log = await trainLoop({
      model, loss: mse, layout, split: { train: examples(20, 12, 4, 1), test: examples(10, 12, 4, 2) }, outputSize: 4, epochs: 30, evalEvery: 10, snapshotEvery: 30,
      stepper: denseStepper({ layout, theta0: modelInit(model, layout, 0, { weightScale: 8 }), mask: null, optim: { lr: 1e-2, beta1: 0.9, beta2: 0.98, eps: 1e-8, weightDecay: 0.1 } }),
    }, { loadResume: async () => null, saveResume: async () => {}, saveSnapshot: async () => {}, resumeEvery: 1000 });
    expect(tf.memory().numTensors).toBe(before);
    expect(log!.trainLoss.at(-1)!).toBeLessThan(log!.trainLoss[0] / 2);
    expect(log!.epochs).toEqual([0, 10, 20, 30]);
  });
});
