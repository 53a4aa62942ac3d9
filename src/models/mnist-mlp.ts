import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import type { VectorExamples } from '../tasks/types.ts';
import { buildLayout, type Params } from './layout.ts';
import { registerModel } from './registry.ts';
import type { Batch } from './types.ts';

/**
 * The authors' `MnistMLP` (spec §2.3): out = W3 ReLU(W2 ReLU(W1 x)), no biases, no output
 * activation, 784-200-200-10 (the paper's "4-layer MLP" is 3 weight matrices, 198 800 weights),
 * init N(0, (κ/√fan_in)²) with κ = 8.
 *
 * Each matrix is stored as the transpose of torch's (x W1ᵀ = x A1, A1 = W1ᵀ [784, 200]) so the
 * forward multiplies without transposes; the backward is written out (property-tested against
 * autodiff in test/models/mnist-mlp.test.ts) because tfjs autodiff re-runs the forward under a tape:
 *   dA3 = H2ᵀ G,  dZ2 = (G A3ᵀ) ⊙ [Z2 > 0],  dA2 = H1ᵀ dZ2,  dZ1 = (dZ2 A2ᵀ) ⊙ [Z1 > 0],  dA1 = Xᵀ dZ1
 */
export const MnistMlpSchema = z.strictObject({
  dModel: z.number().int().min(1).default(200),
  weightScale: z.number().positive().default(8),
});
export type MnistMlpConfig = z.output<typeof MnistMlpSchema>;

/** The forward's intermediates and the weights the backward multiplies by (they belong to the caller). */
type MnistForward = { out: tf.Tensor2D; Z1: tf.Tensor2D; H1: tf.Tensor2D; Z2: tf.Tensor2D; H2: tf.Tensor2D; A2: tf.Tensor2D; A3: tf.Tensor2D };
type MnistBatch = Batch & { X: tf.Tensor2D };

export function mnistForward([A1, A2, A3]: Params, batch: MnistBatch): MnistForward {
  const Z1 = tf.matMul(batch.X, A1) as tf.Tensor2D;
  const H1 = tf.relu(Z1) as tf.Tensor2D;
  const Z2 = tf.matMul(H1, A2) as tf.Tensor2D;
  const H2 = tf.relu(Z2) as tf.Tensor2D;
  return { out: tf.matMul(H2, A3) as tf.Tensor2D, Z1, H1, Z2, H2, A2, A3 };
}

export function mnistBackward(fwd: MnistForward, G: tf.Tensor2D, batch: MnistBatch): Params {
  const { A2, A3 } = fwd;
  const dA3 = tf.matMul(tf.transpose(fwd.H2), G);
  const dZ2 = tf.mul(tf.matMul(G, tf.transpose(A3)), tf.step(fwd.Z2)) as tf.Tensor2D;
  const dA2 = tf.matMul(tf.transpose(fwd.H1), dZ2);
  const dZ1 = tf.mul(tf.matMul(dZ2, tf.transpose(A2)), tf.step(fwd.Z1)) as tf.Tensor2D;
  const dA1 = tf.matMul(tf.transpose(batch.X), dZ1);
  return [dA1, dA2, dA3] as Params;
}

registerModel<MnistMlpConfig>({
  name: 'mnist-mlp',
  description: 'the authors\' MNIST MLP: W3 ReLU(W2 ReLU(W1 x)), 784-200-200-10, no biases, κ = 8, hand-written backward',
  paperRef: 'App. B.1, Fig. 13; spec §2.3',
  source: import.meta.url,
  schema: MnistMlpSchema,
  accepts: ['vectors'],
  orderAware: true,
  layout(cfg, shape) {
    const dIn = shape.inputDim!;
    const d = cfg.dModel;
    return buildLayout('mnist-mlp', { dIn, dModel: d, classes: shape.outputSize }, [
      { name: 'W1', shape: [dIn, d], fanIn: dIn, torch: { key: 'inproj.W', shape: [d, dIn], transposed: true } },
      { name: 'W2', shape: [d, d], fanIn: d, torch: { key: 'mlps.0.W', shape: [d, d], transposed: true } },
      { name: 'W3', shape: [d, shape.outputSize], fanIn: d, torch: { key: 'outproj.W', shape: [shape.outputSize, d], transposed: true } },
    ]);
  },
  inputs(ex) {
    const v = ex as VectorExamples;
    return { X: tf.tensor2d(v.x, [v.n, v.dim]) };
  },
  forward: (params, batch) => mnistForward(params, batch as MnistBatch),
  backward: (fwd, G, batch) => mnistBackward(fwd as unknown as MnistForward, G, batch as MnistBatch),
  bytesPerExample: (layout) => 4 * (layout.dims.dIn + 6 * layout.dims.dModel + 4 * layout.dims.classes),
});
