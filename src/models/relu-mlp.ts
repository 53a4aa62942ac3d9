import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import type { VectorExamples } from '../tasks/types.ts';
import { buildLayout, type Params } from './layout.ts';
import { registerModel } from './registry.ts';

/**
 * A one-hidden-layer ReLU MLP on real-valued inputs, for sparse parity (spec §1.7; the paper gives
 * no model, so this is ours after Barak et al. 2022):
 *
 *   logits = ReLU(x W1 + b1) W2 + b2
 *
 * It has biases, unlike the paper's models, because without them the network cannot represent a
 * parity: ReLU(u) − ReLU(−u) = u, so the odd part of a bias-free ReLU layer is linear in x, while
 * x₁x₂x₃ is odd and orthogonal to every linear function on {±1}ⁿ. The biases are not prunable
 * (the authors prune weight matrices only, spec §4.3), so a ticket keeps them all.
 * Weights and biases start N(0, (κ/√fan_in)²).
 *
 * Backward, for G = ∂L/∂logits (written out, as the other MLPs, because tfjs autodiff re-runs the
 * forward under its tape; test/models/relu-mlp.test.ts checks it against autodiff):
 *   dW2 = hᵀ G,  db2 = Σ_rows G,  dZ = (G W2ᵀ) ⊙ [Z > 0],  dW1 = xᵀ dZ,  db1 = Σ_rows dZ
 */
export const ReluMlpSchema = z.strictObject({
  width: z.number().int().min(1).default(128),
  weightScale: z.number().positive().default(1),
});
export type ReluMlpConfig = z.output<typeof ReluMlpSchema>;

registerModel<ReluMlpConfig>({
  name: 'relu-mlp',
  description: 'one hidden ReLU layer with biases: logits = ReLU(x W1 + b1) W2 + b2, hand-written backward',
  paperRef: 'Fig. 2e; spec §1.7 (our choice)',
  source: import.meta.url,
  schema: ReluMlpSchema,
  accepts: ['vectors'],
  orderAware: true,
  layout(cfg, shape) {
    const n = shape.inputDim!;
    const { width } = cfg;
    const out = shape.outputSize;
    return buildLayout('relu-mlp', { n, width, out }, [
      { name: 'W1', shape: [n, width], fanIn: n, torch: { key: 'fc1.weight', shape: [width, n], transposed: true } },
      { name: 'b1', shape: [1, width], fanIn: n, prunable: false, torch: { key: 'fc1.bias', shape: [1, width], transposed: false } },
      { name: 'W2', shape: [width, out], fanIn: width, torch: { key: 'fc2.weight', shape: [out, width], transposed: true } },
      { name: 'b2', shape: [1, out], fanIn: width, prunable: false, torch: { key: 'fc2.bias', shape: [1, out], transposed: false } },
    ]);
  },
  inputs(ex, layout) {
    const v = ex as VectorExamples;
    return { X: tf.tensor2d(v.x, [v.n, layout.dims.n]) };
  },
  forward([W1, b1, W2, b2], batch) {
    const Z = tf.add(tf.matMul(batch.X as tf.Tensor2D, W1), b1) as tf.Tensor2D;
    const h = tf.relu(Z);
    return { out: tf.add(tf.matMul(h, W2), b2) as tf.Tensor2D, Z, h, W2 };
  },
  backward(fwd, G, batch) {
    const { Z, h, W2 } = fwd as unknown as Record<'Z' | 'h' | 'W2', tf.Tensor2D>;
    const dW2 = tf.matMul(h, G, true, false);
    const db2 = tf.sum(G, 0, true);
    const dZ = tf.mul(tf.matMul(G, W2, false, true), tf.step(Z)) as tf.Tensor2D;
    const dW1 = tf.matMul(batch.X as tf.Tensor2D, dZ, true, false);
    const db1 = tf.sum(dZ, 0, true);
    return [dW1, db1, dW2, db2] as Params;
  },
});
