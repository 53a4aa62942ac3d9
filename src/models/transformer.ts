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
 * Model, for the token pair (a, b) with no positional embedding, LayerNorm or biases, one head,
 * causal attention scaled by 1/√d_head, and logits read at the last position only:
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
 * Factorisation. The tokens are one-hot, so everything that depends on a single token is a row of
 * a per-token table with p rows, computed once per step instead of once per example. With our
 * stored orientations (layout below: W_Eᵀ, W_Kᵀ, W_Qᵀ, W_Vᵀ, W_Oᵀ, W_inᵀ, W_outᵀ, W_U):
 *
 *   Kp = W_Eᵀ W_Kᵀ, Qp = W_Eᵀ W_Qᵀ, Vp = W_Eᵀ W_Vᵀ          [p, d_head]  row t = k, q, v of token t
 *   Op = Vp W_Oᵀ                                          [p, d_model] attention output of token t
 *   S  = Qp Kpᵀ                                           [p, p]       S[b, t] = q_b·k_t
 *   Ep = W_Eᵀ + Op                                        [p, d_model]
 *
 * The 2-way softmax is a sigmoid of the score difference, and with Cb = one-hot of b and
 * D = onehot(a) − onehot(b) (both [B, p], uploaded once):
 *
 *   δ   = (s_a − s_b) = Σ_t (Cb S)[·, t] D[·, t] / √d_head    [B]
 *   A_a = σ(δ),  A_b = σ(−δ)
 *   r1  = Cb Ep + (A_a ⊙ D) Op                            (= E_b + Op_b + A_a (Op_a − Op_b))
 *   u   = r1 W_inᵀ,  H = ReLU(u)
 *   Pm  = W_outᵀ W_U                                      [d_mlp, p]   neuron → logit
 *   logits = r1 W_U + H Pm                                (= r2 W_U without forming r2)
 *
 * Backward, for G = ∂L/∂logits:
 *
 *   dPm = Hᵀ G,  dW_U = r1ᵀ G + W_out dPm,  dW_outᵀ = dPm W_Uᵀ
 *   du  = (G Pmᵀ) ⊙ [u > 0],  dW_inᵀ = r1ᵀ du
 *   dr1 = G W_Uᵀ + du W_in
 *   dEp = Cbᵀ dr1,  dX = dr1 Opᵀ,  dOp = (A_a ⊙ D)ᵀ dr1 + dEp
 *   dδ  = A_a A_b Σ_t dX ⊙ D,  dS = Cbᵀ (dδ ⊙ D) / √d_head
 *   dQp = dS Kp,  dKp = dSᵀ Qp,  dVp = dOp W_O,  dW_Oᵀ = Vpᵀ dOp
 *   dW_{K,Q,V}ᵀ = W_E d{K,Q,V}p,  dW_Eᵀ = dEp + dQp W_Q + dKp W_K + dVp W_V
 *
 * At the paper sizes (p = 67, 128 everywhere, B = 1139) a step is ~170 M multiply-adds, against
 * ~2.5× that for the literal [B, 2, 128] formulation, and every matmul is transpose-free in its
 * hot operand. The same tfjs-wasm rules as the MLP (mlp.ts) apply: explicit tf.transpose instead
 * of matMul transpose flags, one-hot matmuls instead of tf.gather, one tensor per layer.
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
 * which pruners and norms iterate in. Init stds are the authors' (spec §2.2), which ignore κ:
 * W_E 1/√p, everything else 1/√d_model, including W_O and W_out whose fan-in is d_head / d_mlp
 * (Nanda's code divides by √d_model there; identical at the paper sizes). `fanIn` is the true
 * input dimension of each matrix, for consumers that derive their own scale from it.
 */
export function transformerLayout(dims: TransformerDims): Layout {
  const { p, dModel: d, dMlp: m, dHead: h } = dims;
  const std = 1 / Math.sqrt(d);
  return buildLayout('transformer', { p, dModel: d, dMlp: m, dHead: h }, [
    { name: 'W_E', shape: [p, d], torch: { key: 'embed.W_E', shape: [d, p], transposed: true }, fanIn: p, initStd: 1 / Math.sqrt(p) },
    { name: 'W_K', shape: [d, h], torch: { key: 'blocks.0.attn.W_K', shape: [h, d], transposed: true }, fanIn: d, initStd: std },
    { name: 'W_Q', shape: [d, h], torch: { key: 'blocks.0.attn.W_Q', shape: [h, d], transposed: true }, fanIn: d, initStd: std },
    { name: 'W_V', shape: [d, h], torch: { key: 'blocks.0.attn.W_V', shape: [h, d], transposed: true }, fanIn: d, initStd: std },
    { name: 'W_O', shape: [h, d], torch: { key: 'blocks.0.attn.W_O', shape: [d, h], transposed: true }, fanIn: h, initStd: std },
    { name: 'W_in', shape: [d, m], torch: { key: 'blocks.0.mlp.W_in', shape: [m, d], transposed: true }, fanIn: d, initStd: std },
    { name: 'W_out', shape: [m, d], torch: { key: 'blocks.0.mlp.W_out', shape: [d, m], transposed: true }, fanIn: m, initStd: std },
    { name: 'W_U', shape: [d, p], torch: { key: 'unembed.W_U', shape: [d, p], transposed: false }, fanIn: d, initStd: std },
  ]);
}

/**
 * The transformer's inputs for a fixed set of token pairs: Cb = one-hot(b) [B, p] and its
 * transpose (the scatter-add of per-example gradients into token rows), D = one-hot(a) − one-hot(b)
 * [B, p], and Ds = D/√d_head (so the score scale costs no op per step).
 */
export interface TransformerInputs {
  Cb: tf.Tensor2D;
  CbT: tf.Tensor2D;
  D: tf.Tensor2D;
  Ds: tf.Tensor2D;
}

export function transformerInputs(a: Int32Array, b: Int32Array, p: number, dHead: number): TransformerInputs {
  const n = a.length;
  const cb = new Float32Array(n * p);
  const cbT = new Float32Array(p * n);
  const d = new Float32Array(n * p);
  for (let i = 0; i < n; i++) {
    cb[i * p + b[i]] = 1;
    cbT[b[i] * n + i] = 1;
    // a = b leaves a zero row: both scores are equal and A_a's value cannot matter
    d[i * p + a[i]] += 1;
    d[i * p + b[i]] -= 1;
  }
  const scale = 1 / Math.sqrt(dHead);
  return {
    Cb: tf.tensor2d(cb, [n, p]),
    CbT: tf.tensor2d(cbT, [p, n]),
    D: tf.tensor2d(d, [n, p]),
    Ds: tf.tensor2d(d.map((v) => v * scale), [n, p]),
  };
}

/** 2-D matMul with the type tfjs cannot infer. */
const mm = (a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D => tf.matMul(a, b);

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
  delta: tf.Tensor2D; // s_a − s_b [B, 1]
  Aa: tf.Tensor2D; // [B, 1]
  W: tf.Tensor2D; // A_a ⊙ D [B, p]
  r1: tf.Tensor2D;
  u: tf.Tensor2D;
  H: tf.Tensor2D;
  Pm: tf.Tensor2D;
  out: tf.Tensor2D; // logits [B, p]
}

/** `eff` are the masked parameters (θ ⊙ M); call inside tf.tidy. */
export function forward(eff: Params, batch: Pick<TransformerInputs, 'Cb' | 'D' | 'Ds'>): ForwardCache {
  const layers = asLayers(eff);
  const { Et, Kt, Qt, Vt, Ot, Int, Outt, U } = layers;
  const { Cb, D, Ds } = batch;
  const Kp = mm(Et, Kt);
  const Qp = mm(Et, Qt);
  const Vp = mm(Et, Vt);
  const Op = mm(Vp, Ot);
  const S = mm(Qp, tf.transpose(Kp));
  const delta = tf.sum(tf.mul(mm(Cb, S), Ds), 1, true) as tf.Tensor2D;
  const Aa = tf.sigmoid(delta) as tf.Tensor2D;
  const W = tf.mul(Aa, D) as tf.Tensor2D;
  const r1 = tf.add(mm(Cb, tf.add(Et, Op)), mm(W, Op)) as tf.Tensor2D;
  const u = mm(r1, Int);
  const H = tf.relu(u) as tf.Tensor2D;
  const Pm = mm(Outt, U);
  const out = tf.add(mm(r1, U), mm(H, Pm)) as tf.Tensor2D;
  return { layers, Kp, Qp, Vp, Op, delta, Aa, W, r1, u, H, Pm, out };
}

/** ∂L/∂θ_eff per layer (layout order), given G = ∂L/∂logits; call inside tf.tidy. */
export function backward(cache: ForwardCache, G: tf.Tensor2D, batch: Pick<TransformerInputs, 'CbT' | 'D' | 'Ds'>): Params {
  const { layers, Kp, Qp, Vp, Op, delta, Aa, W, r1, u, H, Pm } = cache;
  const { Et, Kt, Qt, Vt, Ot, Int, Outt, U } = layers;
  const { CbT, D, Ds } = batch;
  // MLP and unembedding
  const r1T = tf.transpose(r1);
  const dPm = mm(tf.transpose(H), G);
  const dU: tf.Tensor2D = tf.add(mm(r1T, G), mm(tf.transpose(Outt), dPm));
  const dOutt = mm(dPm, tf.transpose(U));
  const du = tf.mul(mm(G, tf.transpose(Pm)), tf.step(u)) as tf.Tensor2D;
  const dInt = mm(r1T, du);
  const dr1: tf.Tensor2D = tf.add(mm(G, tf.transpose(U)), mm(du, tf.transpose(Int)));
  // attention: r1 = Cb Ep + W Op
  const dEp = mm(CbT, dr1);
  const dOp: tf.Tensor2D = tf.add(mm(tf.transpose(W), dr1), dEp);
  const dAa = tf.sum(tf.mul(mm(dr1, tf.transpose(Op)), D), 1, true);
  // A_a·A_b from two sigmoids, not A_a(1 − A_a): once A_a rounds to 1 the latter is exactly 0
  // and drops the small score gradient that float32 torch softmax keeps
  const dDelta: tf.Tensor2D = tf.mul(tf.mul(Aa, tf.sigmoid(tf.neg(delta))), dAa);
  const dS = mm(CbT, tf.mul(dDelta, Ds));
  const dQp = mm(dS, Kp);
  const dKp = mm(tf.transpose(dS), Qp);
  const dVp = mm(dOp, tf.transpose(Ot));
  const dOt = mm(tf.transpose(Vp), dOp);
  const EtT = tf.transpose(Et);
  const dKt = mm(EtT, dKp);
  const dQt = mm(EtT, dQp);
  const dVt = mm(EtT, dVp);
  const dEt = tf.addN([dEp, mm(dQp, tf.transpose(Qt)), mm(dKp, tf.transpose(Kt)), mm(dVp, tf.transpose(Vt))]);
  return [dEt, dKt, dQt, dVt, dOt, dInt, dOutt, dU] as Params;
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
  files: ['src/models/transformer.ts'],
  schema: TransformerSchema,
  accepts: ['tokens'],
  // the query and the residual stream come from the last token, so f(a, b) ≠ f(b, a)
  orderAware: true,
  layout(cfg, shape) {
    if (shape.positions !== 2) throw new Error(`model transformer: takes exactly two tokens (a, b) (n_ctx = 2); the task gives ${shape.positions}`);
    return transformerLayout({ p: shape.vocab!, dModel: cfg.dModel, dMlp: cfg.dMlp, dHead: cfg.dHead });
  },
  inputs(ex, layout) {
    const t = ex as TokenExamples;
    return { ...transformerInputs(t.tokens[0], t.tokens[1], layout.dims.p, layout.dims.dHead) };
  },
  forward: (params, batch) => forward(params, batch as Batch & TransformerInputs),
  backward: (fwd, G, batch) => backward(fwd as ForwardCache, G, batch as Batch & TransformerInputs),
  // the widest live per-example rows: a few [·, p] selections/logits, r1, dr1, u, H, du
  bytesPerExample: (layout) => 4 * (8 * layout.dims.p + 4 * layout.dims.dModel + 4 * layout.dims.dMlp),
});
