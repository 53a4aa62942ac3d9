import * as tf from '@tensorflow/tfjs-core';
import { checkTheta, type Layout } from '../models/layout.ts';
import type { TokenBatch } from '../models/mlp.ts';
import { gradientAt } from '../models/registry.ts';
import type { Batch } from '../models/types.ts';

/**
 * The authors' SynFlow (spec §6.5): single shot, the REAL training tokens as input (not an
 * all-ones input), every weight replaced by |θ| so ReLU acts as the identity, R = Σ logits over
 * the batch, score = |∂R/∂θ ⊙ θ| taken at |θ|.
 *
 * For this MLP R = cᵀ|W_E|ᵀ|W_in|ᵀ|W_out|ᵀ|W_U| 1 with c the token counts of the batch: a linear
 * chain, so the embedding lookup is just a first layer fed with c. Hence Synaptic Flow's
 * conservation holds exactly here: every one of the four layers' scores sums to R, and at every
 * hidden unit (embedding dimension, neuron, output-embedding dimension) the incoming scores sum to
 * the outgoing ones (checked in test/prune/pai.test.ts).
 */
export function synflowScores(layout: Layout, theta: Float32Array, batch: Batch): Float64Array {
  checkTheta(layout, theta);
  const abs = Float32Array.from(theta, Math.abs);
  // G = ∂R/∂logits = 1; with |θ| every pre-activation is ≥ 0, so backward's ReLU gate is 1
  // wherever the activation is positive and 0 only at exact zeros (as torch's ReLU′(0) = 0).
  const grad = gradientAt(layout, abs, batch, (out) => tf.onesLike(out) as tf.Tensor2D);
  const out = new Float64Array(layout.size);
  for (let i = 0; i < out.length; i++) out[i] = Math.abs(grad[i] * abs[i]);
  return checkSynflow(out, 'float32');
}

/**
 * The same scores in float64 from the closed form of the chain (no tfjs): immune to the float32
 * underflow/overflow of products of many small weights on deep or wide nets (Synaptic-Flow
 * issue #11). Like torch, a hidden unit whose pre-activation is exactly 0 on a sample passes no
 * gradient for that sample.
 */
export function synflowScoresF64(layout: Layout, theta: Float32Array, batch: TokenBatch): Float64Array {
  checkTheta(layout, theta);
  if (layout.model !== 'mlp') throw new Error(`synflowScoresF64: the closed form is the mlp's; model ${layout.model} has none (use synflowScores)`);
  const { p, dEmb: D, dModel: M } = layout.dims;
  const [lU, lE, lIn, lOut] = layout.layers;
  const abs = (l: typeof lU) => Float64Array.from(theta.subarray(l.offset, l.offset + l.size), Math.abs);
  const U = abs(lU); // [D, p]
  const Et = abs(lE); // [p, D]
  const Ain = abs(lIn); // [D, M]
  const Bt = abs(lOut); // [M, D]
  const ta = batch.A.dataSync();
  const tb = batch.Bi.dataSync();
  const B = batch.n;

  const Pt = new Float64Array(p * M); // Et·Ain
  for (let t = 0; t < p; t++) for (let d = 0; d < D; d++) {
    const e = Et[t * D + d];
    if (e !== 0) for (let j = 0; j < M; j++) Pt[t * M + j] += e * Ain[d * M + j];
  }
  const uRow = new Float64Array(D); // U·1 = Σ_q U[e,q]
  for (let e = 0; e < D; e++) for (let q = 0; q < p; q++) uRow[e] += U[e * p + q];
  const v = new Float64Array(M); // Σ_q Qt[j,q] = Bt·(U·1)
  for (let j = 0; j < M; j++) for (let e = 0; e < D; e++) v[j] += Bt[j * D + e] * uRow[e];

  const h = new Float64Array(M); // Σ_n H[n,j]
  const dPt = new Float64Array(p * M); // scatter-add of dZ[n,j] = v_j·[Z_nj > 0] into rows a_n and b_n
  const z = new Float64Array(M);
  for (let n = 0; n < B; n++) {
    const a = ta[n];
    const b = tb[n];
    for (let j = 0; j < M; j++) z[j] = Pt[a * M + j] + Pt[b * M + j];
    for (let j = 0; j < M; j++) {
      if (!(z[j] > 0)) continue;
      h[j] += z[j];
      if (a === b) dPt[a * M + j] += 2 * v[j];
      else {
        dPt[a * M + j] += v[j];
        dPt[b * M + j] += v[j];
      }
    }
  }

  const out = new Float64Array(layout.size);
  // dU[e,q] = Σ_j Bt[j,e]·h_j for every q (G = 1 makes dQt[j,q] = h_j)
  for (let e = 0; e < D; e++) {
    let s = 0;
    for (let j = 0; j < M; j++) s += Bt[j * D + e] * h[j];
    for (let q = 0; q < p; q++) out[lU.offset + e * p + q] = s * U[e * p + q];
  }
  // dEt = dPt·Ainᵀ
  for (let t = 0; t < p; t++) for (let d = 0; d < D; d++) {
    let s = 0;
    for (let j = 0; j < M; j++) s += dPt[t * M + j] * Ain[d * M + j];
    out[lE.offset + t * D + d] = s * Et[t * D + d];
  }
  // dAin = Etᵀ·dPt
  for (let d = 0; d < D; d++) for (let j = 0; j < M; j++) {
    let s = 0;
    for (let t = 0; t < p; t++) s += Et[t * D + d] * dPt[t * M + j];
    out[lIn.offset + d * M + j] = s * Ain[d * M + j];
  }
  // dBt[j,e] = h_j·(U·1)_e
  for (let j = 0; j < M; j++) for (let e = 0; e < D; e++) out[lOut.offset + j * D + e] = h[j] * uRow[e] * Bt[j * D + e];
  return checkSynflow(out, 'float64');
}

function checkSynflow(scores: Float64Array, precision: string): Float64Array {
  let anyPositive = false;
  for (let i = 0; i < scores.length; i++) {
    if (!Number.isFinite(scores[i])) {
      throw new Error(`SynFlow score ${i} is ${scores[i]} in ${precision}: R overflowed; rescale θ or use synflowScoresF64`);
    }
    if (scores[i] > 0) anyPositive = true;
  }
  if (scores.length > 0 && !anyPositive) {
    throw new Error(
      `SynFlow scores are all 0 in ${precision}: R = Σ logits underflowed (products of |θ| too small; Synaptic-Flow issue #11) ` +
        'or θ is zero; use synflowScoresF64 or rescale θ before scoring (the ranking is invariant to a per-layer scale)',
    );
  }
  return scores;
}

