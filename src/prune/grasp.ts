import * as tf from '@tensorflow/tfjs-core';
import { crossEntropyGrad } from '../losses/cross-entropy.ts';
import { checkTheta, toFlat, toParams, type Layout } from '../models/layout.ts';
import { backward, forward, type ForwardCache, type TokenBatch } from '../models/mlp.ts';
import { gradientAt } from '../models/registry.ts';

/** The authors' GraSP constants (spec §6.4). */
export const GRASP_TEMPERATURE = 200;
export const GRASP_NORM_EPS = 1e-10;
/**
 * Relative finite-difference step: the perturbation εg has Euclidean norm fdEps·‖θ‖, i.e.
 * ε = fdEps·‖θ‖/‖g‖. Tying the step to ‖θ‖ makes it independent of the temperature and of the
 * batch size, which both rescale g by orders of magnitude. In float32 the round-off error of a
 * central difference grows like u/fdEps and the truncation error like fdEps², so the optimum sits
 * between. Measured against an exact float64 Hessian-vector product (test/prune/pai.test.ts), the
 * max error relative to max|Hg| at fdEps = 1e-4, 3e-4, 1e-3, 3e-3, 1e-2 was about 2e-4, 5e-5,
 * 2e-5, 1e-5…4e-4, 2e-5…4e-3 (T = 200 and T = 1; tiny nets up to the paper's 115 000 weights),
 * so 1e-3 is the most robust across temperatures.
 */
export const GRASP_FD_EPS = 1e-3;

export interface GraspOptions {
  temperature?: number;
  /** Relative step, see GRASP_FD_EPS. */
  fdEps?: number;
}

/**
 * ∂/∂logits of mean CE(logits/T) = (softmax(logits/T) − Y)/(B·T): the training gradient of the
 * scaled logits, times the chain-rule 1/T. Reusing crossEntropyGrad keeps its label-entry trick.
 */
function temperedLogitGrad(logits: tf.Tensor2D, batch: TokenBatch, temperature: number): tf.Tensor2D {
  return tf.div(crossEntropyGrad(tf.div(logits, temperature) as tf.Tensor2D, batch), temperature) as tf.Tensor2D;
}

/** ∇θ of mean CE(logits/T), float32, masks all ones. */
export function temperedGradient(layout: Layout, theta: Float32Array, batch: TokenBatch, temperature: number): Float32Array {
  checkTheta(layout, theta);
  return gradientAt(layout, theta, batch, (out) => temperedLogitGrad(out, batch, temperature));
}

/**
 * The same gradient with the ReLU on/off pattern frozen to `gate` (0/1, shape of Z) instead of
 * re-evaluated at θ. With the pattern fixed, L is smooth in θ, so the central difference below
 * converges to exactly what double backprop computes (ReLU'' = 0). Left free, any pre-activation
 * that changes sign between θ−εg and θ+εg adds a jump of order 1/ε to Hg. Measured on the paper
 * net (p = 67, 911 pairs, T = 200, fdEps = 1e-3) against an exact float64 Hessian-vector product:
 * free pattern, max error 5.8× max|Hg| with 91 243 of 115 000 entries off by more than 1e-3;
 * frozen pattern, max error 2e-5 and the 40 % mask differs from the exact one in 4 weights.
 */
function gatedTemperedGradient(layout: Layout, theta: Float32Array, batch: TokenBatch, temperature: number, gate: tf.Tensor2D): Float32Array {
  return tf.tidy(() => {
    const free = forward(toParams(theta, layout), batch);
    const H = tf.mul(free.Z, gate) as tf.Tensor2D;
    const out = tf.matMul(H, free.Qt) as tf.Tensor2D;
    // backward gates dZ by step(cache.Z); step(gate) = gate, which pins the pattern.
    const cache: ForwardCache = { ...free, Z: gate, H, out };
    return toFlat(backward(cache, temperedLogitGrad(out, batch, temperature), batch), layout);
  });
}

export interface GraspHg {
  /** g = ∇L(θ) of L = CE(logits/T). */
  g: Float64Array;
  /** H g by central differences of the exact gradient. */
  Hg: Float64Array;
  /** The absolute step ε actually used (0 when g = 0). */
  eps: number;
}

/**
 * Hessian-gradient product Hg ≈ (∇L(θ+εg) − ∇L(θ−εg)) / (2ε), the finite-difference counterpart
 * of the authors' double backprop, with ε = fdEps·‖θ‖/‖g‖ and the ReLU pattern of θ held fixed
 * at both points. The perturbed points are formed in float64 and rounded once to float32; the
 * difference of the two float32 gradients is taken in float64.
 */
export function graspHessianGradient(layout: Layout, theta: Float32Array, batch: TokenBatch, opts: GraspOptions = {}): GraspHg {
  const T = opts.temperature ?? GRASP_TEMPERATURE;
  const rel = opts.fdEps ?? GRASP_FD_EPS;
  if (!(T > 0) || !Number.isFinite(T)) throw new Error(`GraSP temperature must be a positive finite number, got ${T}`);
  if (!(rel > 0) || !Number.isFinite(rel)) throw new Error(`GraSP fdEps (relative step) must be a positive finite number, got ${rel}`);
  checkTheta(layout, theta);
  if (layout.model !== 'mlp') {
    // the frozen-gate difference needs the model's pre-activations; without it Hg is off by 5.8× max|Hg| (above)
    throw new Error(`GraSP: implemented for the mlp only (its Hessian-gradient product freezes the MLP's ReLU pattern); model ${layout.model} has no such path`);
  }
  const gate = tf.tidy(() => tf.step(forward(toParams(theta, layout), batch).Z) as tf.Tensor2D);
  try {
    const g = Float64Array.from(temperedGradient(layout, theta, batch, T));
    let gg = 0;
    let tt = 0;
    for (let i = 0; i < g.length; i++) {
      gg += g[i] * g[i];
      tt += theta[i] * theta[i];
    }
    const n = g.length;
    // g = 0 (e.g. every neuron dead on the batch) makes Hg = 0 exactly, not 0/0.
    if (gg === 0 || tt === 0) return { g, Hg: new Float64Array(n), eps: 0 };
    const eps = (rel * Math.sqrt(tt)) / Math.sqrt(gg);
    const plus = new Float32Array(n);
    const minus = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      plus[i] = theta[i] + eps * g[i];
      minus[i] = theta[i] - eps * g[i];
    }
    const gp = gatedTemperedGradient(layout, plus, batch, T, gate);
    const gm = gatedTemperedGradient(layout, minus, batch, T, gate);
    const Hg = new Float64Array(n);
    for (let i = 0; i < n; i++) Hg[i] = (gp[i] - gm[i]) / (2 * eps);
    return { g, Hg, eps };
  } finally {
    gate.dispose();
  }
}

/**
 * GraSP as the authors run it (spec §6.4): score = θ ⊙ Hg, divided by |Σ score| + 1e-10, and the
 * mask keeps the HIGHEST scores (prunes the lowest), which is original GraSP's "drop the largest
 * −θ⊙Hg". Scores are signed, so no abs.
 */
export function graspScores(layout: Layout, theta: Float32Array, batch: TokenBatch, opts: GraspOptions = {}): Float64Array {
  const { Hg } = graspHessianGradient(layout, theta, batch, opts);
  const out = new Float64Array(layout.size);
  let sum = 0;
  for (let i = 0; i < out.length; i++) {
    out[i] = theta[i] * Hg[i];
    sum += out[i];
  }
  const z = Math.abs(sum) + GRASP_NORM_EPS;
  for (let i = 0; i < out.length; i++) out[i] /= z;
  return out;
}

