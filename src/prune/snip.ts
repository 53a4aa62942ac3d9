import * as tf from '@tensorflow/tfjs-core';
import type { Layout } from '../model/layout.ts';
import { backward, crossEntropyGrad, forward, toFlat, toParams, type TokenBatch } from '../model/mlp.ts';
import { globalMask } from './mask.ts';

/** ∂(mean CE)/∂θ at θ with all masks at one, in float32 from the factorised backward. */
export function lossGradient(layout: Layout, theta: Float32Array, batch: TokenBatch): Float32Array {
  checkTheta(layout, theta);
  return tf.tidy(() => {
    const cache = forward(toParams(theta, layout), batch);
    return toFlat(backward(cache, crossEntropyGrad(cache.logits, batch), batch), layout);
  });
}

/**
 * SNIP (spec §6.3): |∂L/∂M| at M = 1, which is |θ ⊙ ∂L/∂θ| because the forward uses θ ⊙ M.
 * The authors also divide by the sum of all scores; a positive constant cannot change the
 * ranking, so it is left out and the scores stay comparable with a direct autodiff check.
 * Weights that only feed neurons dead on the whole batch score exactly 0 and tie (over-pruning
 * under the `<=` rule, as in the authors' code).
 */
export function snipScores(layout: Layout, theta: Float32Array, batch: TokenBatch): Float64Array {
  const g = lossGradient(layout, theta, batch);
  const out = new Float64Array(layout.size);
  for (let i = 0; i < out.length; i++) out[i] = Math.abs(theta[i] * g[i]);
  return out;
}

export function snipMask(layout: Layout, theta: Float32Array, batch: TokenBatch, keepFraction: number): Float32Array {
  return globalMask(snipScores(layout, theta, batch), keepFraction);
}

export function checkTheta(layout: Layout, theta: ArrayLike<number>): void {
  if (theta.length !== layout.size) {
    throw new Error(`θ has ${theta.length} entries but the layout (p=${layout.dims.p}, dEmb=${layout.dims.dEmb}, dModel=${layout.dims.dModel}) needs ${layout.size}`);
  }
}
