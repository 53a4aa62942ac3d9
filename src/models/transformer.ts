import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import type { TokenExamples } from '../tasks/types.ts';
import { buildLayout, type Layout, type Params } from './layout.ts';
import { registerModel } from './registry.ts';
import type { Batch, Forward } from './types.ts';

/**
 * The authors' final 1-layer transformer (spec §2.2, §12.4), computed in factorised form with a
 * hand-written backward.
 *
 * Model, for the token pair (a, b): no positional embedding, LayerNorm or biases, one head, causal
 * attention scaled by 1/√d_head, logits read at the last position only:
 *
 *   x_a = E_a, x_b = E_b                                  (E = W_E, column t = token t)
 *   s_t = (W_Q x_b)·(W_K x_t) / √d_head,  [A_a, A_b] = softmax([s_a, s_b])
 *   r1  = x_b + W_O (A_a W_V x_a + A_b W_V x_b)
 *   r2  = r1 + W_out ReLU(W_in r1)
 *   logits = W_Uᵀ r2
 *
 * Position 0 attends only to itself and never reaches the logits, so it is not computed. Because
 * position 1 is both the query and the residual stream, the output depends on the order of the
 * tokens even without positional embeddings (f(a, b) ≠ f(b, a) in general).
 *
 * Factorisation. The tokens are one-hot and nothing is nonlinear before the attention weights, so
 * everything that depends on one token is a row of a table with p rows, computed once per step,
 * and a 2-way softmax is a sigmoid of the score difference. With our stored orientations (layout
 * below: W_Eᵀ, W_Kᵀ, W_Qᵀ, W_Vᵀ, W_Oᵀ, W_inᵀ, W_outᵀ, W_U):
 *
 *   Kp, Qp, Vp = W_Eᵀ W_Kᵀ, W_Eᵀ W_Qᵀ, W_Eᵀ W_Vᵀ         [p, d_head]   k, q, v of token t in row t
 *   Op = Vp W_Oᵀ                                         [p, d_model]  what attending to t writes
 *   S  = Qp Kpᵀ                                          [p, p]        S[b, t] = q_b·k_t
 *   Ep = W_Eᵀ + Op                                       [p, d_model]
 *   EW, OW = Ep W_inᵀ, Op W_inᵀ                           [p, d_mlp]
 *   EU, OU = Ep W_U,  Op W_U                              [p, p]
 *   Pm = W_outᵀ W_U                                       [d_mlp, p]    neuron → logit
 *
 * and then per example, with X[t] = row t of X:
 *
 *   δ   = s_a − s_b = (S[b, a] − S[b, b]) / √d_head,   A_a = σ(δ), A_b = σ(−δ)
 *   r1  = Ep[b] + A_a (Op[a] − Op[b])                    (= x_b + A_a o_a + A_b o_b)
 *   u   = r1 W_inᵀ = EW[b] + A_a ΔW,       ΔW = OW[a] − OW[b]
 *   H   = ReLU(u)
 *   logits = r1 W_U + H Pm = EU[b] + A_a ΔU + H Pm,   ΔU = OU[a] − OU[b]
 *
 * so neither r1 nor r2 is ever formed: the only matmuls with B rows are H Pm and, in the backward,
 * G Pmᵀ and Hᵀ G. Backward, for G = ∂L/∂logits (scatter_t = sum rows into token t's row):
 *
 *   dPm = Hᵀ G,  dW_outᵀ = dPm W_Uᵀ,  du = (G Pmᵀ) ⊙ [u > 0]
 *   dδ  = A_a A_b (Σ du ⊙ ΔW + Σ G ⊙ ΔU),  dS = scatter_(b,a)(dδ/√d_head) − scatter_(b,b)(dδ/√d_head)
 *   dEW = scatter_b(du),  dOW = scatter_a(A_a du) − scatter_b(A_a du)   (dEU, dOU: the same with G)
 *   dEp = dEW W_in + dEU W_Uᵀ,  dOp = dOW W_in + dOU W_Uᵀ + dEp
 *   dW_inᵀ = Epᵀ dEW + Opᵀ dOW,  dW_U = Epᵀ dEU + Opᵀ dOU + W_out dPm
 *   dQp = dS Kp,  dKp = dSᵀ Qp,  dVp = dOp W_O,  dW_Oᵀ = Vpᵀ dOp
 *   dW_{K,Q,V}ᵀ = W_E d{K,Q,V}p,  dW_Eᵀ = dEp + dQp W_Q + dKp W_K + dVp W_V
 *
 * At the paper sizes (p = 67, 128 everywhere, B = 1139) forward + backward is ~9 ms on tfjs-wasm,
 * against ~20 ms for the same algebra with one-hot selection matmuls, ~48 ms for tfjs autodiff of
 * this forward and ~130 ms for autodiff of the one-hot version. Measured there (why the code
 * looks the way it does): row selection by tf.gatherND and scatter-add by tf.scatterND are 5–8×
 * faster than one-hot matmuls (0.14 vs 0.8 ms at [1139, 128]), while tf.gather is 30× slower;
 * explicit tf.transpose before matMul (transpose flags are ~10× slower); separate small matmuls
 * beat concatenating them (tf.split alone costs ~0.9 ms at [1139, 195]).
 */

export interface TransformerDims {
  p: number; // vocabulary = modulus (d_vocab)
  dModel: number;
  dMlp: number;
  dHead: number;
}

export const PAPER_DIMS = { dModel: 128, dMlp: 128, dHead: 128 } as const;

/**
 * Layers in the torch module's registration order (embed, attn K/Q/V/O, mlp in/out, unembed),
 * which pruners and norms iterate in; W_K, W_Q, W_V are [heads = 1, d_head, d_model] in torch.
 * Init stds are the authors' (spec §2.2), which ignore κ: W_E 1/√p, everything else 1/√d_model,
 * including W_O and W_out whose fan-in is d_head / d_mlp (Nanda's code divides by √d_model there;
 * identical at the paper sizes). `fanIn` is the true input dimension of each matrix, for
 * consumers that derive their own scale from it.
 */
export function transformerLayout(dims: TransformerDims): Layout {
  const { p, dModel: d, dMlp: m, dHead: h } = dims;
  const std = 1 / Math.sqrt(d);
  return buildLayout('transformer', { p, dModel: d, dMlp: m, dHead: h }, [
    { name: 'W_E', shape: [p, d], torch: { key: 'embed.W_E', shape: [d, p], transposed: true }, fanIn: p, initStd: 1 / Math.sqrt(p) },
    { name: 'W_K', shape: [d, h], torch: { key: 'blocks.0.attn.W_K', shape: [1, h, d], transposed: true }, fanIn: d, initStd: std },
    { name: 'W_Q', shape: [d, h], torch: { key: 'blocks.0.attn.W_Q', shape: [1, h, d], transposed: true }, fanIn: d, initStd: std },
    { name: 'W_V', shape: [d, h], torch: { key: 'blocks.0.attn.W_V', shape: [1, h, d], transposed: true }, fanIn: d, initStd: std },
    { name: 'W_O', shape: [h, d], torch: { key: 'blocks.0.attn.W_O', shape: [d, h], transposed: true }, fanIn: h, initStd: std },
    { name: 'W_in', shape: [d, m], torch: { key: 'blocks.0.mlp.W_in', shape: [m, d], transposed: true }, fanIn: d, initStd: std },
    { name: 'W_out', shape: [m, d], torch: { key: 'blocks.0.mlp.W_out', shape: [d, m], transposed: true }, fanIn: m, initStd: std },
    { name: 'W_U', shape: [d, p], torch: { key: 'unembed.W_U', shape: [d, p], transposed: false }, fanIn: d, initStd: std },
  ]);
}

/**
 * tfjs has no gradient for GatherNd, which the forward uses to select token rows. Its gradient is
 * the scatter-add of dy into the selected rows, exactly as TensorFlow registers it; registered once
 * so the autodiff fallback (and any caller differentiating `forward`) works.
 */
if (!tf.getGradient('GatherNd')) {
  tf.registerGradient({
    kernelName: 'GatherNd',
    inputsToSave: ['params', 'indices'],
    gradFunc: (dy, saved) => {
      const [params, indices] = saved;
      return { params: () => tf.scatterND(indices, dy as tf.Tensor, params.shape), indices: () => tf.zerosLike(indices) };
    },
  });
}

/**
 * The transformer's inputs for a fixed set of token pairs, as gatherND/scatterND indices (int32):
 * a and b as [B, 1] row indices, and (b, a), (b, b) as [B, 2] positions in the score table S.
 */
export interface TransformerInputs {
  ia: tf.Tensor2D;
  ib: tf.Tensor2D;
  iba: tf.Tensor2D;
  ibb: tf.Tensor2D;
}

export function transformerInputs(a: Int32Array, b: Int32Array): TransformerInputs {
  const n = a.length;
  const ba = new Int32Array(2 * n);
  const bb = new Int32Array(2 * n);
  for (let i = 0; i < n; i++) {
    ba[2 * i] = b[i];
    ba[2 * i + 1] = a[i];
    bb[2 * i] = b[i];
    bb[2 * i + 1] = b[i];
  }
  return {
    ia: tf.tensor2d(a, [n, 1], 'int32'),
    ib: tf.tensor2d(b, [n, 1], 'int32'),
    iba: tf.tensor2d(ba, [n, 2], 'int32'),
    ibb: tf.tensor2d(bb, [n, 2], 'int32'),
  };
}

/** 2-D matMul with the type tfjs cannot infer. */
const mm = (a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D => tf.matMul(a, b);
/** Rows idx of a per-token table: [p, c] → [B, c]. */
const rows = (table: tf.Tensor2D, idx: tf.Tensor2D): tf.Tensor2D => tf.gatherND(table, idx) as tf.Tensor2D;
/** Sum of the rows of x into the rows idx of a [p, c] table (the adjoint of `rows`). */
const scatterRows = (idx: tf.Tensor2D, x: tf.Tensor2D, p: number): tf.Tensor2D => tf.scatterND(idx, x, [p, x.shape[1]]) as tf.Tensor2D;

export type Layers = {
  Et: tf.Tensor2D; // W_Eᵀ   [p, d_model]
  Kt: tf.Tensor2D; // W_Kᵀ   [d_model, d_head]
  Qt: tf.Tensor2D; // W_Qᵀ   [d_model, d_head]
  Vt: tf.Tensor2D; // W_Vᵀ   [d_model, d_head]
  Ot: tf.Tensor2D; // W_Oᵀ   [d_head, d_model]
  Int: tf.Tensor2D; // W_inᵀ  [d_model, d_mlp]
  Outt: tf.Tensor2D; // W_outᵀ [d_mlp, d_model]
  U: tf.Tensor2D; // W_U    [d_model, p]
};

export function asLayers(params: Params): Layers {
  const [Et, Kt, Qt, Vt, Ot, Int, Outt, U] = params;
  return { Et, Kt, Qt, Vt, Ot, Int, Outt, U };
}

export interface ForwardCache extends Forward {
  layers: Layers;
  Kp: tf.Tensor2D;
  Qp: tf.Tensor2D;
  Vp: tf.Tensor2D;
  Op: tf.Tensor2D;
  Ep: tf.Tensor2D;
  delta: tf.Tensor2D; // s_a − s_b [B, 1]
  Aa: tf.Tensor2D; // [B, 1]
  OWab: tf.Tensor2D; // ΔW = OW[a] − OW[b] [B, d_mlp]
  OUab: tf.Tensor2D; // ΔU = OU[a] − OU[b] [B, p]
  u: tf.Tensor2D;
  H: tf.Tensor2D;
  Pm: tf.Tensor2D;
  out: tf.Tensor2D; // logits [B, p]
}

/** `eff` are the masked parameters (θ ⊙ M); call inside tf.tidy. */
export function forward(eff: Params, batch: TransformerInputs): ForwardCache {
  const layers = asLayers(eff);
  const { Et, Kt, Qt, Vt, Ot, Int, U, Outt } = layers;
  const { ia, ib, iba, ibb } = batch;
  const Kp = mm(Et, Kt);
  const Qp = mm(Et, Qt);
  const Vp = mm(Et, Vt);
  const Op = mm(Vp, Ot);
  const S = mm(Qp, tf.transpose(Kp));
  const scores = tf.sub(tf.gatherND(S, iba), tf.gatherND(S, ibb));
  const delta = tf.reshape(tf.mul(scores, 1 / Math.sqrt(Kt.shape[1])), [ia.shape[0], 1]) as tf.Tensor2D;
  const Aa = tf.sigmoid(delta);
  const Ep = tf.add(Et, Op) as tf.Tensor2D;
  const OW = mm(Op, Int);
  const OWab = tf.sub(rows(OW, ia), rows(OW, ib)) as tf.Tensor2D;
  const u = tf.add(rows(mm(Ep, Int), ib), tf.mul(Aa, OWab)) as tf.Tensor2D;
  const H = tf.relu(u);
  const OU = mm(Op, U);
  const OUab = tf.sub(rows(OU, ia), rows(OU, ib)) as tf.Tensor2D;
  const Pm = mm(Outt, U);
  const out = tf.addN([rows(mm(Ep, U), ib), tf.mul(Aa, OUab), mm(H, Pm)]) as tf.Tensor2D;
  return { layers, Kp, Qp, Vp, Op, Ep, delta, Aa, OWab, OUab, u, H, Pm, out };
}

/** ∂L/∂θ_eff per layer (layout order), given G = ∂L/∂logits; call inside tf.tidy. */
export function backward(cache: ForwardCache, G: tf.Tensor2D, batch: TransformerInputs): Params {
  const { layers, Kp, Qp, Vp, Op, Ep, delta, Aa, OWab, OUab, u, H, Pm } = cache;
  const { Et, Kt, Qt, Vt, Ot, Int, Outt, U } = layers;
  const { ia, ib, iba, ibb } = batch;
  const p = Et.shape[0];
  // MLP output and unembedding
  const dPm = mm(tf.transpose(H), G);
  const dOutt = mm(dPm, tf.transpose(U));
  const du = tf.mul(mm(G, tf.transpose(Pm)), tf.step(u)) as tf.Tensor2D;
  // attention weight: A_a·A_b from two sigmoids, not A_a(1 − A_a), which is exactly 0 once A_a
  // rounds to 1 and would drop the small score gradient that torch's float32 softmax keeps
  const dAa = tf.add(tf.sum(tf.mul(du, OWab), 1, true), tf.sum(tf.mul(G, OUab), 1, true));
  const dScores = tf.reshape(tf.mul(tf.mul(Aa, tf.sigmoid(tf.neg(delta))), tf.mul(dAa, 1 / Math.sqrt(Kt.shape[1]))), [ia.shape[0]]);
  const dS = tf.sub(tf.scatterND(iba, dScores, [p, p]), tf.scatterND(ibb, dScores, [p, p])) as tf.Tensor2D;
  // per-token tables
  const AaDu = tf.mul(Aa, du) as tf.Tensor2D;
  const AaG = tf.mul(Aa, G) as tf.Tensor2D;
  const dEW = scatterRows(ib, du, p);
  const dOW = tf.sub(scatterRows(ia, AaDu, p), scatterRows(ib, AaDu, p)) as tf.Tensor2D;
  const dEU = scatterRows(ib, G, p);
  const dOU = tf.sub(scatterRows(ia, AaG, p), scatterRows(ib, AaG, p)) as tf.Tensor2D;
  const IntT = tf.transpose(Int);
  const UT = tf.transpose(U);
  const dEp = tf.add(mm(dEW, IntT), mm(dEU, UT)) as tf.Tensor2D;
  const dOp = tf.addN([mm(dOW, IntT), mm(dOU, UT), dEp]) as tf.Tensor2D;
  const EpT = tf.transpose(Ep);
  const OpT = tf.transpose(Op);
  const dInt = tf.add(mm(EpT, dEW), mm(OpT, dOW)) as tf.Tensor2D;
  const dU = tf.addN([mm(EpT, dEU), mm(OpT, dOU), mm(tf.transpose(Outt), dPm)]) as tf.Tensor2D;
  // attention weights and embedding
  const dQp = mm(dS, Kp);
  const dKp = mm(tf.transpose(dS), Qp);
  const dVp = mm(dOp, tf.transpose(Ot));
  const dOt = mm(tf.transpose(Vp), dOp);
  const EtT = tf.transpose(Et);
  const dKt = mm(EtT, dKp);
  const dQt = mm(EtT, dQp);
  const dVt = mm(EtT, dVp);
  const dEt = tf.addN([dEp, mm(dQp, tf.transpose(Qt)), mm(dKp, tf.transpose(Kt)), mm(dVp, tf.transpose(Vt))]) as tf.Tensor2D;
  return [dEt, dKt, dQt, dVt, dOt, dInt, dOutt, dU];
}

/** The authors' transformer builds its layers with κ = 1 whatever the config says (spec §12.5). */
const KAPPA_IGNORED =
  "the authors' transformer ignores weight_scale (its layers are built with κ = 1, spec §2.2/§12.5); leave weightScale at 1 or use the mlp model";

export const TransformerSchema = z.strictObject({
  dModel: z.number().int().min(1).default(128),
  dMlp: z.number().int().min(1).default(128),
  dHead: z.number().int().min(1).default(128),
  /** Accepted for symmetry with the MLP config, but only 1: the init never reads it. */
  weightScale: z
    .number()
    .positive()
    .default(1)
    .refine((v) => v === 1, { message: KAPPA_IGNORED }),
});
export type TransformerConfig = z.output<typeof TransformerSchema>;

export const transformerModel = registerModel<TransformerConfig>({
  name: 'transformer',
  description:
    "the authors' 1-layer transformer: one causal head scaled by 1/√d_head, ReLU MLP, no positional embedding, LayerNorm or biases, logits of the last token; factorised with a hand-written backward",
  paperRef: 'App. B.2; spec §2.2, §12.4',
  source: import.meta.url,
  schema: TransformerSchema,
  accepts: ['tokens'],
  // the query and the residual stream come from the last token, so f(a, b) ≠ f(b, a)
  orderAware: true,
  layout(cfg, shape) {
    if (shape.positions !== 2) throw new Error(`model transformer: takes exactly two tokens (a, b) (n_ctx = 2); the task gives ${shape.positions}`);
    // one d_vocab for the embedding and the unembedding, as in the authors' module
    if (shape.outputSize !== shape.vocab) throw new Error(`model transformer: predicts a token (outputSize = vocab); the task has vocab ${shape.vocab} and outputSize ${shape.outputSize}`);
    return transformerLayout({ p: shape.vocab!, dModel: cfg.dModel, dMlp: cfg.dMlp, dHead: cfg.dHead });
  },
  inputs(ex) {
    const t = ex as TokenExamples;
    return { ...transformerInputs(t.tokens[0], t.tokens[1]) };
  },
  forward: (params, batch) => forward(params, batch as Batch & TransformerInputs),
  backward: (fwd, G, batch) => backward(fwd as ForwardCache, G, batch as Batch & TransformerInputs),
  // the [B, ·] rows alive at once in a step: ~8 of width p (logits, ΔU, G, softmax…) and ~6 of d_mlp
  bytesPerExample: (layout) => 4 * (8 * layout.dims.p + 6 * layout.dims.dMlp),
});
