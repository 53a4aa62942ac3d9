import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import type { TokenExamples } from '../tasks/types.ts';
import { buildLayout, type Params } from './layout.ts';
import { registerModel } from './registry.ts';
import type { Batch, Forward } from './types.ts';

/**
 * The paper's IMDb classifier (App. J; the authors' code has none, spec §1.8): an embedding
 * (64), a 2-layer LSTM (hidden 128, torch's gate order i, f, g, o), and a linear read-out of the
 * last step's hidden state to one logit, with a hand-written backward (backpropagation through
 * time), property-tested against tfjs autodiff in test/models/lstm.test.ts.
 *
 * Our choices where the paper is silent, as torch's defaults: one bias per LSTM layer (torch's
 * b_ih + b_hh, which only ever act as their sum) and one for the read-out, not prunable (the
 * authors' pruner masks weights only, spec §4.3); init as torch — embedding N(0, 1), every LSTM
 * and read-out entry U(±1/√128), here the normal of the same variance (std 1/√(3·128)). Every
 * position runs through the LSTM, padding included (the task pads in front), from h = c = 0.
 *
 * Shapes: V vocabulary, e embedding, h hidden, T positions, B examples, k outputs (1); rows of a
 * stacked [T·B, ·] tensor are time-major (row t·B + b is step t of example b, as `inputs` lays out
 * the token ids). Our matrices are torch's transposed (x·W, not W·x): E [V, e], Wx1 [e, 4h],
 * Wh1, Wx2, Wh2 [h, 4h], b1, b2 [1, 4h], Wo [h, k], bo [1, k]; the 4h columns are the gates i, f, g, o.
 *
 * Forward. Layer 1's input projection goes through the vocabulary, not the tokens:
 *   P1 = E·Wx1 + b1                    [V, 4h]    (one row per token: what it adds to every gate)
 *   X1 = P1[ids]                       [T·B, 4h]  (a row gather: the embedding lookup composed with Wx1)
 * then for each layer, with X its input projection and Wh its recurrent matrix, h_{-1} = c_{-1} = 0:
 *   A_t = X_t + h_{t-1}·Wh             [B, 4h]    (one product per step; at t = 0 just X_0)
 *   i_t = σ(A_t^i), f_t = σ(A_t^f), g_t = tanh(A_t^g), o_t = σ(A_t^o)   [B, h] each
 *   c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t,   h_t = o_t ⊙ tanh(c_t)
 * Layer 2's input is layer 1's hidden states, stacked: X2 = H1·Wx2 + b2 [T·B, 4h], H1 = [h1_0; …; h1_{T-1}].
 *   out = h2_{T-1}·Wo + bo             [B, k]
 *
 * Backward, G = ∂L/∂out [B, k]:
 *   dWo = h2_{T-1}ᵀ G,  dbo = Σ_rows G,  dh2_{T-1} = G Woᵀ
 * Each layer backwards in time from dh_T = dc_T = 0, with e_t the gradient reaching h_t from above
 * (layer 2: G Woᵀ at t = T-1, else 0; layer 1: row block t of dH1 below):
 *   dh_t = e_t + dA_{t+1}·Whᵀ
 *   dc_t = dh_t ⊙ o_t ⊙ (1 − tanh²c_t) + dc_{t+1} ⊙ f_{t+1}
 *   dA_t = [dc_t ⊙ g_t ⊙ i_t(1−i_t),  dc_t ⊙ c_{t-1} ⊙ f_t(1−f_t),  dc_t ⊙ i_t ⊙ (1−g_t²),  dh_t ⊙ tanh c_t ⊙ o_t(1−o_t)]
 * The factors after dc_t and dh_t depend on the forward only, so they are computed for all steps at
 * once before the loop; a step of the loop is then 2 adds, 3 element-wise products, a concat, the
 * gathers of its step's factors and ONE product [B, 4h]·[4h, h].
 * With dA the steps' dA_t stacked [T·B, 4h] (time-major), each weight gradient is ONE product:
 *   layer 2:  dWx2 = H1ᵀ dA2,  dWh2 = H2prevᵀ dA2,  db2 = Σ_rows dA2,  dH1 = dA2 Wx2ᵀ [T·B, h]
 *   layer 1:  dWh1 = H1prevᵀ dA1,  dP1 = scatter-add of dA1's rows into the token rows [V, 4h],
 *             db1 = Σ_rows dP1,  dWx1 = Eᵀ dP1,  dE = dP1 Wx1ᵀ
 * (Hprev = [0; h_0; …; h_{T-2}]: the states each step multiplied Wh by.)
 *
 * Why it looks this way, measured on tfjs-wasm (single-threaded SIMD): a Slice, Split or Unstack
 * copies its WHOLE input out of the wasm heap (the backend's readSync), so unstacking [T, B, 4h]
 * into steps took 15 s; gatherND reads only the rows it returns (≈20 µs), so every per-step
 * read (a step's rows, a gate's columns) is a gatherND with small index tensors made once per
 * forward. Composing the embedding with Wx1 (P1) costs V·e·4h multiply-adds instead of T·B·e·4h
 * (16× fewer at the paper's sizes) in the forward and again in dWx1. Explicit transposes beat
 * matMul's transpose flags (≈10×). The gradient of gather has no wasm kernel (UnsortedSegmentSum):
 * scatterND, which sums duplicate indices, is the scatter-add.
 */
export const LstmSchema = z.strictObject({
  dEmb: z.number().int().min(1).default(64),
  dHidden: z.number().int().min(1).default(128),
  /** Unused (every layer has its torch init); kept so `model.weightScale` means the same everywhere. */
  weightScale: z.number().positive().default(1),
});
export type LstmConfig = z.output<typeof LstmSchema>;

/** ids [T·B] int32, time-major. */
export type LstmBatch = Batch & { ids: tf.Tensor1D };

export interface LstmDims {
  vocab: number;
  positions: number;
  dHidden: number;
}

/** What one layer's forward keeps for its backward: per step, [B, h] each (tc = tanh c). */
interface LayerSteps {
  i: tf.Tensor2D[];
  f: tf.Tensor2D[];
  g: tf.Tensor2D[];
  o: tf.Tensor2D[];
  c: tf.Tensor2D[];
  tc: tf.Tensor2D[];
  h: tf.Tensor2D[];
}

/** Index tensors of the per-step and per-gate gathers (made once per forward, reused by the backward). */
interface Gathers {
  /** [1] int32 each: step t of a [T, B, ·] tensor. */
  steps: tf.Tensor1D[];
  /** [B, 2] int32 each: rows (b, k) of a [B, 4, h] view, gate k of every example. */
  gates: tf.Tensor2D[];
}

export interface LstmForward extends Forward {
  params: Params;
  /** [T·B, 1] int32: the token ids as gather/scatter indices. */
  ids: tf.Tensor2D;
  at: Gathers;
  l1: LayerSteps;
  l2: LayerSteps;
  /** [T·B, h]: layer 1's hidden states stacked, layer 2's input. */
  H1: tf.Tensor2D;
}

function gathers(T: number, B: number): Gathers {
  const steps = Array.from({ length: T }, (_, t) => tf.tensor1d([t], 'int32'));
  const gates = [0, 1, 2, 3].map((k) => tf.tensor2d(Int32Array.from({ length: 2 * B }, (_, j) => (j % 2 ? k : j >> 1)), [B, 2], 'int32'));
  return { steps, gates };
}

/** One LSTM layer over X [T, B, 4h] (each step's input projection, bias included). */
function layerForward(X: tf.Tensor3D, Wh: tf.Tensor2D, h: number, at: Gathers): LayerSteps {
  const [T, B] = X.shape;
  const s: LayerSteps = { i: [], f: [], g: [], o: [], c: [], tc: [], h: [] };
  const [gi, gf, gg, go] = at.gates;
  for (let t = 0; t < T; t++) {
    // a tidy per step frees its temporaries at once (a forward over many examples holds T steps)
    const step = tf.tidy(() => {
      const x = tf.gatherND(X, at.steps[t]) as tf.Tensor2D;
      const A = t === 0 ? x : tf.add(x, tf.matMul(s.h[t - 1], Wh));
      // σ over all 4h columns is one kernel; the g columns' σ is never read
      const S = tf.reshape(tf.sigmoid(A), [B, 4, h]);
      const i = tf.gatherND(S, gi) as tf.Tensor2D;
      const f = tf.gatherND(S, gf) as tf.Tensor2D;
      const o = tf.gatherND(S, go) as tf.Tensor2D;
      const g = tf.tanh(tf.gatherND(tf.reshape(A, [B, 4, h]), gg)) as tf.Tensor2D;
      const c = (t === 0 ? tf.mul(i, g) : tf.add(tf.mul(f, s.c[t - 1]), tf.mul(i, g))) as tf.Tensor2D;
      const tc = tf.tanh(c) as tf.Tensor2D;
      return { i, f, g, o, c, tc, h: tf.mul(o, tc) as tf.Tensor2D };
    });
    for (const k of ['i', 'f', 'g', 'o', 'c', 'tc', 'h'] as const) s[k].push(step[k]);
  }
  return s;
}

/** `params` in layout order: E, Wx1, Wh1, b1, Wx2, Wh2, b2, Wo, bo. Call inside tf.tidy. */
export function lstmForward(params: Params, batch: LstmBatch, dims: LstmDims): LstmForward {
  const [E, Wx1, Wh1, b1, Wx2, Wh2, b2, Wo, bo] = params;
  const { positions: T, dHidden: h } = dims;
  const B = batch.n;
  const at = gathers(T, B);
  const ids = tf.reshape(batch.ids, [T * B, 1]) as tf.Tensor2D;
  // tidies free each input projection's intermediates at once (a forward keeps 24h floats per token, measured)
  const X1 = tf.tidy(() => tf.reshape(tf.gatherND(tf.add(tf.matMul(E, Wx1), b1), ids), [T, B, 4 * h])) as tf.Tensor3D;
  const l1 = layerForward(X1, Wh1, h, at);
  const H1 = tf.concat(l1.h, 0);
  const X2 = tf.tidy(() => tf.reshape(tf.add(tf.matMul(H1, Wx2), b2), [T, B, 4 * h])) as tf.Tensor3D;
  const l2 = layerForward(X2, Wh2, h, at);
  const out = tf.add(tf.matMul(l2.h[T - 1], Wo), bo) as tf.Tensor2D;
  return { out, params, ids, at, l1, l2, H1 };
}

/**
 * BPTT through one layer: dA [T·B, 4h] stacked time-major, given e_t (the gradient reaching h_t
 * from above, [B, h], or null where none does).
 */
function layerBackward(s: LayerSteps, Wh: tf.Tensor2D, e: (t: number) => tf.Tensor2D | null, at: Gathers): tf.Tensor2D {
  return tf.tidy(() => {
    const T = s.h.length;
    const [B, h] = s.h[0].shape;
    // the factors dA_t takes from dc_t (i, f, g) and dh_t (o), and dc_t from dh_t, for every step
    // at once (a tidy: only R, Po and F outlive it)
    const [R, Po, F3] = tf.tidy(() => {
      const I = tf.concat(s.i, 0), F = tf.concat(s.f, 0), Gg = tf.concat(s.g, 0), O = tf.concat(s.o, 0), TC = tf.concat(s.tc, 0);
      const Cprev = tf.concat([tf.zeros([B, h]), ...s.c.slice(0, T - 1)], 0);
      const dSig = (x: tf.Tensor) => tf.mul(x, tf.sub(1, x)); // σ' = σ(1 − σ)
      const dTanh = (x: tf.Tensor) => tf.sub(1, tf.square(x)); // tanh' = 1 − tanh²
      return [
        tf.reshape(tf.concat([tf.mul(Gg, dSig(I)), tf.mul(Cprev, dSig(F)), tf.mul(I, dTanh(Gg)), tf.mul(TC, dSig(O))], 1), [T, B, 4 * h]),
        tf.reshape(tf.mul(O, dTanh(TC)), [T, B, h]),
        tf.reshape(F, [T, B, h]),
      ];
    });
    const WhT = tf.transpose(Wh);
    const dA: tf.Tensor2D[] = new Array(T);
    let dhNext: tf.Tensor2D | null = null; // dA_{t+1}·Whᵀ
    let dcNext: tf.Tensor2D | null = null; // dc_{t+1} ⊙ f_{t+1}
    for (let t = T - 1; t >= 0; t--) {
      const [a, dh, dc] = tf.tidy(() => {
        const et = e(t);
        const dh = et && dhNext ? tf.add(et, dhNext) : (et ?? dhNext);
        if (!dh) throw new Error('lstm backward: no gradient reaches the last step');
        const dhPo = tf.mul(dh, tf.gatherND(Po, at.steps[t]));
        const dc = dcNext ? tf.add(dhPo, dcNext) : dhPo;
        const a = tf.mul(tf.concat([dc, dc, dc, dh], 1), tf.gatherND(R, at.steps[t])) as tf.Tensor2D;
        if (t === 0) return [a];
        return [a, tf.matMul(a, WhT), tf.mul(dc, tf.gatherND(F3, at.steps[t]))] as tf.Tensor2D[];
      }) as (tf.Tensor2D | undefined)[];
      dhNext?.dispose();
      dcNext?.dispose();
      dA[t] = a!;
      dhNext = dh ?? null;
      dcNext = dc ?? null;
    }
    return tf.concat(dA, 0);
  });
}

/** ∂L/∂params in layout order, given G = ∂L/∂out. Call inside tf.tidy. */
export function lstmBackward(fwd: LstmForward, G: tf.Tensor2D, vocab: number): Params {
  const [E, Wx1, Wh1, , Wx2, Wh2, , Wo] = fwd.params;
  const { l1, l2, H1, at, ids } = fwd;
  const T = l1.h.length;
  const [B, h] = l1.h[0].shape;
  const zeros = tf.zeros([B, h]);
  const hPrev = (s: LayerSteps) => tf.concat([zeros, ...s.h.slice(0, T - 1)], 0);
  // a row of ones times x: 2–6 ms for [T·B, 4h] against 60–130 ms for tf.sum over the rows
  const rowSum = (x: tf.Tensor2D) => tf.matMul(tf.ones([1, x.shape[0]]) as tf.Tensor2D, x);

  const dWo = tf.matMul(tf.transpose(l2.h[T - 1]), G);
  const dbo = rowSum(G);
  const eLast = tf.matMul(G, tf.transpose(Wo)) as tf.Tensor2D;
  // layer 2 in a tidy: dA2 and the transposed inputs are freed before layer 1's BPTT
  const [dWx2, dWh2, db2, dH1] = tf.tidy(() => {
    const dA2 = layerBackward(l2, Wh2, (t) => (t === T - 1 ? eLast : null), at);
    return [tf.matMul(tf.transpose(H1), dA2), tf.matMul(tf.transpose(hPrev(l2)), dA2), rowSum(dA2), tf.reshape(tf.matMul(dA2, tf.transpose(Wx2)), [T, B, h])];
  });
  const dA1 = layerBackward(l1, Wh1, (t) => tf.gatherND(dH1, at.steps[t]) as tf.Tensor2D, at);
  const dWh1 = tf.matMul(tf.transpose(hPrev(l1)), dA1);
  const dP1 = tf.scatterND(ids, dA1, [vocab, 4 * h]) as tf.Tensor2D;
  const db1 = rowSum(dP1);
  const dWx1 = tf.matMul(tf.transpose(E), dP1);
  const dE = tf.matMul(dP1, tf.transpose(Wx1));
  return [dE, dWx1, dWh1, db1, dWx2, dWh2, db2, dWo, dbo] as Params;
}

const dimsOf = (layout: { dims: Record<string, number> }): LstmDims => ({ vocab: layout.dims.vocab, positions: layout.dims.positions, dHidden: layout.dims.dHidden });

registerModel<LstmConfig>({
  name: 'lstm',
  description: 'embedding 64, 2-layer LSTM (hidden 128), linear read-out of the last step to one logit; hand-written backpropagation through time',
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
  forward: (params, batch, layout) => lstmForward(params, batch as LstmBatch, dimsOf(layout)),
  backward: (fwd, G, _batch, layout) => lstmBackward(fwd as LstmForward, G, layout.dims.vocab),
  // a training step's peak, per example: measured 55–58 h floats per token (tf.profile's peak
  // bytes, differential in B; test/models/lstm.test.ts), half of it the forward's caches
  bytesPerExample: (layout) => 4 * layout.dims.positions * (56 * layout.dims.dHidden + 4),
});
