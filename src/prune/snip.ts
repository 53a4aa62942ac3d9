import { losses } from '../losses/index.ts';
import { checkTheta, type Layout } from '../models/layout.ts';
import { gradientAt } from '../models/registry.ts';
import type { Batch } from '../models/types.ts';

/** ∂(mean loss)/∂θ at θ with all masks at one, in float32 from the model's backward (or autodiff). */
function lossGradient(layout: Layout, theta: Float32Array, batch: Batch, loss = 'crossEntropy'): Float32Array {
  checkTheta(layout, theta);
  const l = losses.get(loss);
  return gradientAt(layout, theta, batch, (out) => l.grad(out, batch));
}

/**
 * SNIP (spec §6.3): |∂L/∂M| at M = 1, which is |θ ⊙ ∂L/∂θ| because the forward uses θ ⊙ M.
 * The authors also divide by the sum of all scores; a positive constant cannot change the
 * ranking, so it is left out and the scores stay comparable with a direct autodiff check.
 * Weights that only feed neurons dead on the whole batch score exactly 0 and tie (over-pruning
 * under the `<=` rule, as in the authors' code).
 */
export function snipScores(layout: Layout, theta: Float32Array, batch: Batch, loss = 'crossEntropy'): Float64Array {
  const g = lossGradient(layout, theta, batch, loss);
  const out = new Float64Array(layout.size);
  for (let i = 0; i < out.length; i++) out[i] = Math.abs(theta[i] * g[i]);
  return out;
}


