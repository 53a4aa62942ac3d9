import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import '../setup-backend.ts';
import { ensureGradients } from '../../src/models/autodiff.ts';
import { toFlat, toParams, type Layout, type Params } from '../../src/models/layout.ts';
import { models, modelInit } from '../../src/models/index.ts';
import type { Batch } from '../../src/models/types.ts';
import { referenceForward } from './fixtures/lstm-reference.ts';
import { losses } from '../../src/losses/index.ts';
import { ACLIMDB_FOLDERS, readAclImdb } from '../../src/data/aclimdb.ts';
import { imdbSplit, ImdbSchema } from '../../src/tasks/imdb.ts';
import { tasks } from '../../src/tasks/index.ts';
import type { TokenExamples } from '../../src/tasks/types.ts';
import { makeBatch, trainLoop } from '../../src/train/loop.ts';
import { denseStepper } from '../../src/train/steppers/dense.ts';

const model = models.get('lstm');

/** Seeded uniform numbers in [0, 1) (a small LCG: the test needs variety, not quality). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

function tokens(n: number, T: number, V: number, rnd: () => number): TokenExamples {
  return {
    kind: 'tokens', n, vocab: V,
    tokens: Array.from({ length: T }, () => Int32Array.from({ length: n }, () => Math.floor(rnd() * V))),
    labels: Int32Array.from({ length: n }, () => (rnd() < 0.5 ? 0 : 1)),
  };
}

/** max |a − b| over one layer, relative to the layer's largest reference entry. */
function layerErrors(layout: Layout, a: Float32Array, b: Float32Array): Record<string, number> {
  const out: Record<string, number> = {};
  for (const l of layout.layers) {
    let scale = 0, err = 0;
    for (let i = l.offset; i < l.offset + l.size; i++) {
      scale = Math.max(scale, Math.abs(b[i]));
      err = Math.max(err, Math.abs(a[i] - b[i]));
    }
    out[l.name] = scale === 0 ? err : err / scale;
  }
  return out;
}

/**
 * Tolerances (float32, ε = 2⁻²⁴ ≈ 6e-8). The forward computes the same operations as the
 * reference but reaches layer 1's gates through E·Wx1 (gathered rows) instead of (one-hot·E)·Wx1,
 * which a backend that blocks a product by its row count may round differently in the last bit;
 * such a bit propagates through at most 7 steps of contractive gates here: 1e-5 of max(1, |out|)
 * is ~170 ε of headroom. The gradients sum the same terms in different orders and groupings (time
 * steps stacked into one product, a scatter-add instead of one-hotᵀ·, dE = (Σ dA)·Wx1ᵀ instead of
 * Σ (dA·Wx1ᵀ)); each entry is a sum of at most T·B·4h ≤ 560 products, whose reordering moves it
 * by ≤ 560 ε ≈ 3e-5 of the layer's largest terms: 1e-4 of the layer's largest entry is that bound
 * with margin for the terms' cancellation. Measured on tfjs-wasm over 60 cases (GROK_LSTM_REPORT=1
 * prints it): the forward bit-identical, the gradients at most 1.2e-6 of their layer's largest entry.
 */
const FORWARD_TOL = 1e-5;
const GRAD_TOL = 1e-4;

describe('lstm (hand-written backpropagation through time)', () => {
  it('forward equals the reference function and backward equals tfjs autodiff of it, leaking no tensor', () => {
    ensureGradients();
    const dims = fc.record({
      V: fc.integer({ min: 2, max: 9 }), e: fc.integer({ min: 1, max: 5 }), h: fc.integer({ min: 1, max: 5 }),
      T: fc.integer({ min: 1, max: 7 }), B: fc.integer({ min: 1, max: 4 }), k: fc.integer({ min: 1, max: 2 }),
      // θ scaled away from the init too, so gates saturate and c grows in some cases
      scale: fc.constantFrom(0.3, 1, 3), seed: fc.integer({ min: 0, max: 10_000 }),
    });
    const worst = { forward: 0, grad: 0 };
    fc.assert(fc.property(dims, ({ V, e, h, T, B, k, scale, seed }) => {
      const layout = model.layout({ dEmb: e, dHidden: h, weightScale: 1 }, { inputKind: 'tokens', vocab: V, positions: T, outputSize: k });
      const rnd = lcg(seed);
      const theta = modelInit(model, layout, seed, {}).map((x) => x * scale);
      const inputs = model.inputs(tokens(B, T, V, rnd), layout);
      const batch: Batch = { n: B, ...inputs };
      const Gv = Float32Array.from({ length: B * k }, () => 2 * rnd() - 1);
      const before = tf.memory().numTensors;
      const [out, ref, hand, auto] = tf.tidy(() => {
        const params = toParams(theta, layout);
        const G = tf.tensor2d(Gv, [B, k]);
        const fwd = model.forward(params, batch, layout);
        const byHand = toFlat(model.backward!(fwd, G, batch, layout), layout);
        const f = (...ps: tf.Tensor[]) => referenceForward(ps as Params, inputs.ids as tf.Tensor1D, B, layout);
        const byAutodiff = toFlat(tf.grads(f)(params, G) as Params, layout);
        return [fwd.out.dataSync(), f(...params).dataSync(), byHand, byAutodiff];
      });
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose(Object.values(inputs));
      for (let i = 0; i < out.length; i++) {
        const err = Math.abs(out[i] - ref[i]) / Math.max(1, Math.abs(ref[i]));
        worst.forward = Math.max(worst.forward, err);
        expect(err).toBeLessThanOrEqual(FORWARD_TOL);
      }
      for (const [name, err] of Object.entries(layerErrors(layout, hand, auto))) {
        worst.grad = Math.max(worst.grad, err);
        expect(err, `layer ${name}`).toBeLessThanOrEqual(GRAD_TOL);
      }
    }), { numRuns: 60 });
    if (process.env.GROK_LSTM_REPORT) console.log('worst relative error', worst);
  });

  it('trains on an IMDb fixture in minibatches through the one loop, by the hand-written backward, deterministically', async () => {
    const root = mkdtempSync(join(tmpdir(), 'grok-lstm-'));
    const words = { pos: ['a great film, I loved it', 'wonderful acting and a great story', 'great great fun'], neg: ['an awful film, I hated it', 'boring and awful acting', 'terrible, boring plot'] };
    for (const folder of ACLIMDB_FOLDERS) {
      mkdirSync(join(root, 'aclImdb', folder), { recursive: true });
      const texts = folder.endsWith('pos') ? words.pos : words.neg;
      for (let i = 0; i < 6; i++) writeFileSync(join(root, 'aclImdb', folder, `${i}_${folder.endsWith('pos') ? 8 : 2}.txt`), `${texts[i % 3]} ${folder} ${i}`);
    }
    const cfg = ImdbSchema.parse({ vocab: 12, maxLen: 9, fracTrain: 0.75, seed: 0 });
    const split = imdbSplit(readAclImdb(root, { perFolder: 6 }).reviews, cfg);
    rmSync(root, { recursive: true });
    const layout = model.layout({ dEmb: 8, dHidden: 6, weightScale: 1 }, tasks.get('imdb').shape(cfg));
    const run = () => trainLoop({
      model, loss: losses.get('binaryCrossEntropy'), layout, split, outputSize: 1, epochs: 4, evalEvery: 1, snapshotEvery: 4,
      minibatch: { size: 5, seed: 0 },
      stepper: denseStepper({ layout, theta0: modelInit(model, layout, 0, {}), mask: null, optim: { lr: 3e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 1e-3 } }),
    }, { loadResume: async () => null, saveResume: async () => {}, saveSnapshot: async () => {}, resumeEvery: 100 });
    const backward = vi.spyOn(model, 'backward');
    const before = tf.memory().numTensors;
    const log = (await run())!;
    expect(tf.memory().numTensors).toBe(before);
    // 18 training reviews in minibatches of 5: 4 steps per epoch, each through the hand-written backward
    expect(split.train.n).toBe(18);
    expect(backward).toHaveBeenCalledTimes(4 * 4);
    backward.mockRestore();
    expect(log.epochs).toEqual([0, 1, 2, 3, 4]);
    expect(log.trainLoss[4]).toBeLessThan(log.trainLoss[0]);
    expect((await run())!.trainLoss).toEqual(log.trainLoss);
  });

  it('bytesPerExample bounds the measured peak of a training step per example, within 25 %', async () => {
    for (const [T, V, e, h] of [[20, 30, 4, 8], [7, 5, 3, 2]]) {
      const layout = model.layout({ dEmb: e, dHidden: h, weightScale: 1 }, { inputKind: 'tokens', vocab: V, positions: T, outputSize: 1 });
      const params = toParams(modelInit(model, layout, 0, {}), layout);
      const loss = losses.get('binaryCrossEntropy');
      const peak = async (B: number) => {
        const batch = makeBatch(model, loss, tokens(B, T, V, lcg(B)), layout, 1);
        const info = await tf.profile(() => tf.dispose(tf.tidy(() => {
          const fwd = model.forward(params, batch, layout);
          return model.backward!(fwd, loss.grad(fwd.out, batch), batch, layout);
        })));
        batch.dispose();
        return info.peakBytes;
      };
      // the growth from 8 to 16 examples: what does not scale with B (θ, the vocabulary's rows) cancels
      const perExample = ((await peak(16)) - (await peak(8))) / 8;
      const estimate = model.bytesPerExample!(layout);
      expect(estimate).toBeGreaterThanOrEqual(perExample);
      expect(estimate).toBeLessThanOrEqual(1.25 * perExample);
      tf.dispose(params);
    }
  });
});
