import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import type { VectorExamples } from '../tasks/types.ts';
import { buildLayout, type Params } from './layout.ts';
import { registerModel } from './registry.ts';

/**
 * The authors' polynomial-regression MLP `OnlyMLP_Polynominal` (spec §2.4): four bias-free
 * matrices with ReLU between them and none on the output,
 *
 *   ŷ = U ReLU(O ReLU(I ReLU(E x)))     E: d→d, I: d→d_model, O: d_model→d_emb, U: d_emb→1
 *
 * each N(0, (κ/√d_in)²) at init. We store each matrix as [in, out] so the forward is x·E·I·O·U
 * (torch keeps [out, in]: `transposed`).
 *
 * Backward, for G = ∂L/∂ŷ (a_i the pre-activations, h_i = ReLU(a_i), h_0 = x):
 *   dU = h3ᵀ G,  d3 = (G Uᵀ) ⊙ [a3 > 0],  dO = h2ᵀ d3,  d2 = (d3 Oᵀ) ⊙ [a2 > 0],
 *   dI = h1ᵀ d2,  d1 = (d2 Iᵀ) ⊙ [a1 > 0],  dE = xᵀ d1
 * Hand-written because tfjs autodiff (which re-runs the forward under its tape) made a step of this
 * tiny model ~3× slower on tfjs-wasm; test/models/generated.test.ts checks it against autodiff.
 */
export const PolyMlpSchema = z.strictObject({
  dModel: z.number().int().min(1).default(48),
  dEmb: z.number().int().min(1).default(500),
  /** κ, the init scale: Kumar et al. 2023 tie grokking on this task to it (large κ = lazy). */
  weightScale: z.number().positive().default(1),
});
export type PolyMlpConfig = z.output<typeof PolyMlpSchema>;

registerModel<PolyMlpConfig>({
  name: 'poly-mlp',
  description: 'the authors\' polynomial-regression MLP: ŷ = U ReLU(O ReLU(I ReLU(E x))), no biases, hand-written backward',
  paperRef: 'Fig. 2d; spec §2.4',
  source: import.meta.url,
  schema: PolyMlpSchema,
  accepts: ['vectors'],
  orderAware: true,
  layout(cfg, shape) {
    const d = shape.inputDim!;
    const { dModel, dEmb } = cfg;
    const t = (key: string, out: number, inp: number) => ({ key, shape: [out, inp] as [number, number], transposed: true });
    return buildLayout('poly-mlp', { d, dModel, dEmb, out: shape.outputSize }, [
      { name: 'E', shape: [d, d], fanIn: d, torch: t('embed.W', d, d) },
      { name: 'I', shape: [d, dModel], fanIn: d, torch: t('inproj.W', dModel, d) },
      { name: 'O', shape: [dModel, dEmb], fanIn: dModel, torch: t('outproj.W', dEmb, dModel) },
      { name: 'U', shape: [dEmb, shape.outputSize], fanIn: dEmb, torch: t('unembed.W', shape.outputSize, dEmb) },
    ]);
  },
  inputs(ex, layout) {
    const v = ex as VectorExamples;
    return { X: tf.tensor2d(v.x, [v.n, layout.dims.d]) };
  },
  forward([E, I, O, U], batch) {
    const a1 = tf.matMul(batch.X as tf.Tensor2D, E);
    const h1 = tf.relu(a1);
    const a2 = tf.matMul(h1, I);
    const h2 = tf.relu(a2);
    const a3 = tf.matMul(h2, O);
    const h3 = tf.relu(a3);
    return { out: tf.matMul(h3, U) as tf.Tensor2D, a1, h1, a2, h2, a3, h3, I, O, U };
  },
  backward(fwd, G, batch) {
    const f = fwd as unknown as Record<'a1' | 'h1' | 'a2' | 'h2' | 'a3' | 'h3' | 'I' | 'O' | 'U', tf.Tensor2D>;
    const { I, O, U } = f;
    const T = tf.transpose;
    const dU = tf.matMul(T(f.h3), G);
    const d3 = tf.mul(tf.matMul(G, T(U)), tf.step(f.a3)) as tf.Tensor2D;
    const dO = tf.matMul(T(f.h2), d3);
    const d2 = tf.mul(tf.matMul(d3, T(O)), tf.step(f.a2)) as tf.Tensor2D;
    const dI = tf.matMul(T(f.h1), d2);
    const d1 = tf.mul(tf.matMul(d2, T(I)), tf.step(f.a1)) as tf.Tensor2D;
    const dE = tf.matMul(T(batch.X as tf.Tensor2D), d1);
    return [dE, dI, dO, dU] as Params;
  },
});
