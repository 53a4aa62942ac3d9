import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import '../setup-backend.ts';
import { losses } from '../../src/losses/index.ts';
import { toFlat, toParams } from '../../src/models/layout.ts';
import { modelInit, models } from '../../src/models/index.ts';
import { ensureGradients } from '../../src/models/autodiff.ts';
import { makeBatch } from '../../src/train/loop.ts';
import { tasks } from '../../src/tasks/index.ts';

const model = models.get('relu-mlp');
const ce = losses.get('crossEntropy');

describe('relu-mlp', () => {
  it('its hand-written backward (biases: column sums) equals tfjs autodiff of its forward, without leaking tensors', () => {
    ensureGradients();
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 7 }), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 6 }), fc.double({ min: 0.5, max: 3, noNaN: true }), fc.integer({ min: 0, max: 999 }), (n, width, nTrain, kappa, seed) => {
        const task = tasks.get('parity');
        const cfg = { width, weightScale: kappa };
        const layout = model.layout(cfg, task.shape({ n, k: 1 }));
        const { train } = task.make({ n, k: 1, nTrain, nTest: 1, seed });
        const theta = modelInit(model, layout, seed, cfg);
        const batch = makeBatch(model, ce, train, layout, 2);
        const before = tf.memory().numTensors;
        const [hand, auto] = tf.tidy(() => {
          const params = toParams(theta, layout);
          const fwd = model.forward(params, batch, layout);
          const G = ce.grad(fwd.out, batch);
          const byHand = toFlat(model.backward!(fwd, G, batch, layout), layout);
          const f = (...ps: tf.Tensor[]) => model.forward(ps as tf.Tensor2D[], batch, layout).out;
          return [byHand, toFlat(tf.grads(f)(params, G) as tf.Tensor2D[], layout)];
        });
        expect(tf.memory().numTensors).toBe(before);
        batch.dispose();
        const scale = Math.max(1e-6, ...auto.map(Math.abs));
        for (let i = 0; i < hand.length; i++) expect(Math.abs(hand[i] - auto[i]) / scale, `entry ${i}`).toBeLessThan(1e-5);
      }),
      { numRuns: 30 },
    );
  });
});
