import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import type { TokenExamples } from '../tasks/types.ts';
import { buildLayout, type Params } from './layout.ts';
import { registerModel } from './registry.ts';
import type { Batch } from './types.ts';

/**
 * The paper's IMDb classifier (App. J; the authors' code has none, spec §1.8): an embedding
 * (64), a 2-layer LSTM (hidden 128, torch's gate order i, f, g, o), and a linear read-out of the
 * last step's hidden state to one logit. Gradients come from tfjs autodiff.
 *
 * Our choices where the paper is silent, as torch's defaults: one bias per LSTM layer (torch's
 * b_ih + b_hh, which only ever act as their sum) and one for the read-out, not prunable (the
 * authors' pruner masks weights only, spec §4.3); init as torch — embedding N(0, 1), every LSTM
 * and read-out entry U(±1/√128), here the normal of the same variance (std 1/√(3·128)).
 * The embedding is a one-hot matmul: tfjs-wasm has no kernel for the gradient of gather.
 */
export const LstmSchema = z.strictObject({
  dEmb: z.number().int().min(1).default(64),
  dHidden: z.number().int().min(1).default(128),
  /** Unused (every layer has its torch init); kept so `model.weightScale` means the same everywhere. */
  weightScale: z.number().positive().default(1),
});
export type LstmConfig = z.output<typeof LstmSchema>;

type LstmBatch = Batch & { ids: tf.Tensor1D };

/** One LSTM layer over the steps' input projections xs[t] = x_t W_x + b, [B, 4h] each. */
function lstmLayer(xs: tf.Tensor2D[], Wh: tf.Tensor2D, h: number): tf.Tensor2D[] {
  const B = xs[0].shape[0];
  let hPrev: tf.Tensor2D = tf.zeros([B, h]);
  let c: tf.Tensor2D = tf.zeros([B, h]);
  const hs: tf.Tensor2D[] = [];
  for (const x of xs) {
    const [i, f, g, o] = tf.split(tf.add(x, tf.matMul(hPrev, Wh)), 4, 1) as tf.Tensor2D[];
    c = tf.add(tf.mul(tf.sigmoid(f), c), tf.mul(tf.sigmoid(i), tf.tanh(g)));
    hPrev = tf.mul(tf.sigmoid(o), tf.tanh(c));
    hs.push(hPrev);
  }
  return hs;
}

export function lstmForward([E, Wx1, Wh1, b1, Wx2, Wh2, b2, Wo, bo]: Params, batch: LstmBatch, dims: { vocab: number; positions: number; dHidden: number }): { out: tf.Tensor2D } {
  const { vocab, positions: T, dHidden: h } = dims;
  const B = batch.n;
  // time-major ids: row t·B + b is token t of example b
  const X = tf.matMul(tf.cast(tf.oneHot(batch.ids, vocab), 'float32') as tf.Tensor2D, E);
  const x1 = tf.unstack(tf.reshape(tf.add(tf.matMul(X, Wx1), b1), [T, B, 4 * h])) as tf.Tensor2D[];
  const h1 = lstmLayer(x1, Wh1, h);
  const x2 = tf.unstack(tf.reshape(tf.add(tf.matMul(tf.concat(h1, 0), Wx2), b2), [T, B, 4 * h])) as tf.Tensor2D[];
  const h2 = lstmLayer(x2, Wh2, h);
  return { out: tf.add(tf.matMul(h2[T - 1], Wo), bo) as tf.Tensor2D };
}

registerModel<LstmConfig>({
  name: 'lstm',
  description: 'embedding 64, 2-layer LSTM (hidden 128), linear read-out of the last step to one logit; autodiff',
  paperRef: 'App. J, Fig. 19; spec §1.8',
  source: import.meta.url,
  schema: LstmSchema,
  accepts: ['tokens'],
  orderAware: true,
  layout(cfg, shape) {
    const V = shape.vocab!;
    const { dEmb: e, dHidden: h } = cfg;
    const std = 1 / Math.sqrt(3 * h);
    return buildLayout('lstm', { vocab: V, positions: shape.positions!, dEmb: e, dHidden: h, outputs: shape.outputSize }, [
      { name: 'E', shape: [V, e], fanIn: 1, initStd: 1, torch: { key: 'embedding.weight', shape: [V, e], transposed: false } },
      { name: 'Wx1', shape: [e, 4 * h], fanIn: e, initStd: std, torch: { key: 'lstm.weight_ih_l0', shape: [4 * h, e], transposed: true } },
      { name: 'Wh1', shape: [h, 4 * h], fanIn: h, initStd: std, torch: { key: 'lstm.weight_hh_l0', shape: [4 * h, h], transposed: true } },
      { name: 'b1', shape: [1, 4 * h], fanIn: h, initStd: std, prunable: false },
      { name: 'Wx2', shape: [h, 4 * h], fanIn: h, initStd: std, torch: { key: 'lstm.weight_ih_l1', shape: [4 * h, h], transposed: true } },
      { name: 'Wh2', shape: [h, 4 * h], fanIn: h, initStd: std, torch: { key: 'lstm.weight_hh_l1', shape: [4 * h, h], transposed: true } },
      { name: 'b2', shape: [1, 4 * h], fanIn: h, initStd: std, prunable: false },
      { name: 'Wo', shape: [h, shape.outputSize], fanIn: h, initStd: std, torch: { key: 'fc.weight', shape: [shape.outputSize, h], transposed: true } },
      { name: 'bo', shape: [1, shape.outputSize], fanIn: h, initStd: std, prunable: false },
    ]);
  },
  inputs(ex, layout) {
    const t = ex as TokenExamples;
    const T = layout.dims.positions;
    if (t.tokens.length !== T) throw new Error(`model lstm: the layout has ${T} positions, the examples ${t.tokens.length}`);
    const ids = new Int32Array(T * t.n);
    t.tokens.forEach((col, s) => ids.set(col, s * t.n));
    return { ids: tf.tensor1d(ids, 'int32') };
  },
  forward: (params, batch, layout) => lstmForward(params, batch as LstmBatch, { vocab: layout.dims.vocab, positions: layout.dims.positions, dHidden: layout.dims.dHidden }),
  bytesPerExample: (layout) => 4 * layout.dims.positions * (layout.dims.vocab + layout.dims.dEmb + 2 * 6 * 4 * layout.dims.dHidden),
});
