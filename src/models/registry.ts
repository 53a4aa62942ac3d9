import * as tf from '@tensorflow/tfjs-core';
import { Registry } from '../registry.ts';
import type { Examples } from '../tasks/types.ts';
import { ensureGradients } from './autodiff.ts';
import { initTheta } from './init.ts';
import { toFlat, toParams, type Layout, type Params } from './layout.ts';
import type { Batch, Forward, ModelDef } from './types.ts';

/** Every model a run can name in `model.name`. Built-ins register in src/models/index.ts. */
export const models = new Registry<ModelDef>('model', new URL('./index.ts', import.meta.url).href);

export const registerModel = <C>(def: ModelDef<C>): ModelDef<C> => models.register(def as ModelDef) as ModelDef<C>;

/** θ0 of a model for a seed: its own init, else N(0, (κ/√fan_in)²) per layer. */
export function modelInit(model: ModelDef, layout: Layout, seed: number, cfg: { weightScale?: number }): Float32Array {
  return model.init ? model.init(layout, seed, cfg) : initTheta(layout, seed, cfg.weightScale ?? 1);
}

/**
 * ∂L/∂params for G = ∂L/∂out: the model's hand-written backward, or tfjs autodiff of its forward
 * (a vector-Jacobian product with G; the forward is recomputed under the tape). Call inside tf.tidy.
 */
export function paramGradients(model: ModelDef, fwd: Forward, G: tf.Tensor2D, params: Params, batch: Batch, layout: Layout): Params {
  if (model.backward) return model.backward(fwd, G, batch, layout);
  ensureGradients();
  const f = (...ps: tf.Tensor[]) => model.forward(ps as Params, batch, layout).out;
  return tf.grads(f)(params, G) as Params;
}

/** A model's input tensors with n; `dispose` frees them. */
export function modelInputs(model: ModelDef, ex: Examples, layout: Layout): Batch & { dispose(): void } {
  const t = model.inputs(ex, layout);
  return { n: ex.n, ...t, dispose: () => tf.dispose(Object.values(t)) };
}

/**
 * ∂/∂θ of a function of the output at θ (masks all one), flat, for pruners and analyses that
 * need one gradient: `G(out)` gives ∂L/∂out. Works for any registered model.
 */
export function gradientAt(layout: Layout, theta: Float32Array, batch: Batch, G: (out: tf.Tensor2D) => tf.Tensor2D): Float32Array {
  const model = models.get(layout.model);
  return tf.tidy(() => {
    const params = toParams(theta, layout);
    const fwd = model.forward(params, batch, layout);
    return toFlat(paramGradients(model, fwd, G(fwd.out), params, batch, layout), layout);
  });
}
