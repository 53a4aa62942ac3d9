import '../setup-backend.ts';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { crossEntropyGrad, crossEntropyTargets } from '../../src/losses/cross-entropy.ts';
import { initTheta } from '../../src/models/init.ts';
import { layer, toFlat, toParams, torchMatrix, type Layout, type Params } from '../../src/models/layout.ts';
import { modelInit, modelInputs, models, paramGradients } from '../../src/models/registry.ts';
import {
  TransformerSchema,
  backward,
  forward,
  transformerInputs,
  transformerLayout,
  transformerModel,
  type TransformerDims,
  type TransformerInputs,
} from '../../src/models/transformer.ts';
import type { Batch } from '../../src/models/types.ts';
import type { TokenExamples } from '../../src/tasks/types.ts';

const NAMES = ['W_E', 'W_K', 'W_Q', 'W_V', 'W_O', 'W_in', 'W_out', 'W_U'] as const;

/** Each layer of a flat vector as a tensor in the authors' torch orientation (layout order). */
function torchTensors(layout: Layout, flat: Float32Array): tf.Tensor2D[] {
  return NAMES.map((n) => {
    const m = torchMatrix(layout, flat, n);
    return tf.tensor2d(m.data, [m.rows, m.cols]);
  });
}

/**
 * The authors' forward (spec §2.2), literally, in torch orientation: embed both positions
 * [B, 2, d_model] (one-hot matmul instead of gather), per-position K/Q/V, the full 2×2 causal score
 * matrix with the −1e10 mask applied before the 1/√d_head scaling, residual stream, ReLU MLP,
 * unembed every position and keep the last.
 */
function literalLogits(ws: tf.Tensor[], Xa: tf.Tensor2D, Xb: tf.Tensor2D, dims: TransformerDims): tf.Tensor2D {
  const [WE, WK, WQ, WV, WO, Win, Wout, WU] = ws as tf.Tensor2D[];
  const { p, dModel: d, dHead: h } = dims;
  const B = Xa.shape[0];
  const x = tf.reshape(tf.stack([tf.matMul(Xa, WE, false, true), tf.matMul(Xb, WE, false, true)], 1), [B * 2, d]);
  const heads = (W: tf.Tensor2D) => tf.reshape(tf.matMul(x, W, false, true), [B, 2, h]);
  const [k, q, v] = [heads(WK), heads(WQ), heads(WV)];
  const S = tf.matMul(q, k, false, true); // S[b, q, p] = q_q · k_p
  const tril = tf.tensor2d([
    [1, 0],
    [1, 1],
  ]);
  const masked = tf.sub(tf.mul(S, tril), tf.mul(1e10, tf.sub(1, tril)));
  const A = tf.softmax(tf.div(masked, Math.sqrt(h)));
  const z = tf.reshape(tf.matMul(A, v), [B * 2, h]);
  const x1 = tf.add(x, tf.matMul(z, WO, false, true));
  const x2 = tf.add(x1, tf.matMul(tf.relu(tf.matMul(x1, Win, false, true)), Wout, false, true));
  const logits = tf.reshape(tf.matMul(x2, WU), [B, 2, p]);
  return tf.reshape(tf.slice(logits, [0, 1, 0], [B, 1, p]), [B, p]);
}

const oneHot = (t: number[], p: number) => tf.cast(tf.oneHot(tf.tensor1d(t, 'int32'), p), 'float32') as tf.Tensor2D;

/** Mean CE of the literal model and its gradients w.r.t. the raw torch weights (masks inside), by autodiff. */
function literalLossAndGrads(layout: Layout, theta: Float32Array, mask: Float32Array, a: number[], b: number[], y: number[]) {
  const dims = layout.dims as unknown as TransformerDims;
  const masks = torchTensors(layout, mask);
  const [Xa, Xb, Y] = [oneHot(a, dims.p), oneHot(b, dims.p), oneHot(y, dims.p)];
  const f = (...ws: tf.Tensor[]) => {
    const logits = literalLogits(
      ws.map((w, i) => tf.mul(w, masks[i])),
      Xa,
      Xb,
      dims,
    );
    return tf.neg(tf.mean(tf.sum(tf.mul(tf.logSoftmax(logits), Y), 1))) as tf.Scalar;
  };
  const { value, grads } = tf.valueAndGrads(f)(torchTensors(layout, theta));
  return { loss: value.dataSync()[0], grads: grads.map((g) => g.dataSync() as Float32Array) };
}

const maxAbs = (x: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i]));
  return m;
};

/** |a − b| ≤ tol · scale elementwise; scale defaults to max|b| (float32 rounding grows with the largest entry). */
function close(a: ArrayLike<number>, b: ArrayLike<number>, tol: number, what: string, scale = Math.max(1e-6, maxAbs(b))) {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  expect(worst / scale, what).toBeLessThanOrEqual(tol);
}

/**
 * Per-layer gradients within tol of the layer's largest entry, or of 1 % of the model's largest
 * gradient when the layer's own is smaller. Once the attention saturates (A_a·A_b below float32
 * resolution), W_K and W_Q get gradients of ~1e-9 that a float32 reference cannot resolve: a
 * softmax backward computes ∂s_b = A_b (∂A_b − Σ A ∂A), whose tiny difference is lost in rounding,
 * and autodiff of σ(δ) takes A_a(1 − A_a) = 0. Ours keeps them (A_a·A_b from two sigmoids).
 */
function closeGrads(ours: ArrayLike<number>[], ref: ArrayLike<number>[], tol: number, names: readonly string[]) {
  const floor = 1e-2 * Math.max(...ref.map(maxAbs));
  ref.forEach((r, i) => close(ours[i], r, tol, names[i], Math.max(1e-6, floor, maxAbs(r))));
}

/**
 * One random case: dims, θ (init × a gain, with W_Q and W_K scaled further so the attention is
 * sometimes saturated), an optional mask, tokens.
 */
const caseArb = fc
  .record({
    p: fc.constantFrom(2, 3, 5, 7, 11),
    dModel: fc.integer({ min: 1, max: 9 }),
    dMlp: fc.integer({ min: 1, max: 9 }),
    dHead: fc.integer({ min: 1, max: 9 }),
    n: fc.integer({ min: 1, max: 30 }),
    gain: fc.constantFrom(0.5, 1, 1.5),
    attnGain: fc.constantFrom(1, 4),
    useMask: fc.boolean(),
    seed: fc.integer({ min: 0, max: 1_000_000 }),
  })
  .map((c) => {
    const dims: TransformerDims = { p: c.p, dModel: c.dModel, dMlp: c.dMlp, dHead: c.dHead };
    const layout = transformerLayout(dims);
    const theta = initTheta(layout, c.seed).map((v) => v * c.gain);
    for (const name of ['W_Q', 'W_K']) {
      const l = layer(layout, name);
      for (let i = l.offset; i < l.offset + l.size; i++) theta[i] *= c.attnGain;
    }
    let s = c.seed + 1;
    const rnd = () => (s = (s * 16807) % 2147483647) / 2147483647;
    const mask = Float32Array.from({ length: layout.size }, () => (!c.useMask || rnd() < 0.6 ? 1 : 0));
    const toks = () => Array.from({ length: c.n }, () => Math.floor(rnd() * c.p));
    return { dims, layout, theta, mask, a: toks(), b: toks(), y: toks() };
  });

type Case = typeof caseArb extends fc.Arbitrary<infer T> ? T : never;

function examples(c: Case): TokenExamples {
  return { kind: 'tokens', n: c.a.length, vocab: c.dims.p, tokens: [Int32Array.from(c.a), Int32Array.from(c.b)], labels: Int32Array.from(c.y) };
}

/** Our effective (masked) params, the model's batch and the CE targets; call inside tf.tidy. */
function setup(c: Case) {
  const eff = toParams(
    c.theta.map((v, i) => v * c.mask[i]),
    c.layout,
  );
  const inputs = modelInputs(transformerModel, examples(c), c.layout) as Batch & TransformerInputs & { dispose(): void };
  const batch = { ...inputs, ...crossEntropyTargets(Int32Array.from(c.y), c.dims.p) };
  return { eff, batch };
}

describe('transformer model', () => {
  it('is registered with the authors’ paper sizes: 115 456 prunable parameters in torch order', () => {
    expect(models.get('transformer')).toBe(transformerModel);
    const cfg = TransformerSchema.parse({});
    expect(cfg).toEqual({ dModel: 128, dMlp: 128, dHead: 128, weightScale: 1 });
    const layout = transformerModel.layout(cfg, { inputKind: 'tokens', vocab: 67, positions: 2, outputSize: 67 });
    expect(layout.size).toBe(115_456);
    expect(layout.size).toBe(2 * 8576 + 6 * 16384);
    expect(layout.layers.every((l) => l.prunable)).toBe(true);
    expect(layout.layers.map((l) => l.torch!.key)).toEqual([
      'embed.W_E',
      'blocks.0.attn.W_K',
      'blocks.0.attn.W_Q',
      'blocks.0.attn.W_V',
      'blocks.0.attn.W_O',
      'blocks.0.mlp.W_in',
      'blocks.0.mlp.W_out',
      'unembed.W_U',
    ]);
    // torch shapes of spec §2.2 (W_K/Q/V with their heads axis)
    expect(layout.layers.map((l) => l.torch!.shape)).toEqual([[128, 67], [1, 128, 128], [1, 128, 128], [1, 128, 128], [128, 128], [128, 128], [128, 128], [128, 67]]);
    expect(transformerModel.orderAware).toBe(true);
    expect(transformerModel.accepts).toEqual(['tokens']);
  });

  it('initialises with the authors’ stds (κ ignored): W_E 1/√67, every other matrix 1/√128', () => {
    const layout = transformerLayout({ p: 67, dModel: 128, dMlp: 128, dHead: 128 });
    const theta = modelInit(transformerModel, layout, 7, { weightScale: 1 });
    for (const name of NAMES) {
      const l = layer(layout, name);
      const w = theta.subarray(l.offset, l.offset + l.size);
      let s2 = 0;
      for (const v of w) s2 += v * v;
      const std = Math.sqrt(s2 / w.length);
      const want = name === 'W_E' ? 1 / Math.sqrt(67) : 1 / Math.sqrt(128);
      expect(Math.abs(std / want - 1), name).toBeLessThan(0.05);
    }
    // κ cannot leak in through the generic init either
    const scaled = initTheta(layout, 7, 8);
    expect(scaled).toEqual(theta);
  });

  it('refuses a weightScale other than 1 and a task that is not two tokens', () => {
    expect(TransformerSchema.parse({ weightScale: 1 }).weightScale).toBe(1);
    const r = TransformerSchema.safeParse({ weightScale: 2 });
    expect(r.success).toBe(false);
    expect(r.error!.issues[0].message).toMatch(/ignores weight_scale/);
    expect(r.error!.issues[0].path).toEqual(['weightScale']);
    expect(TransformerSchema.safeParse({ dModel: 64, heads: 2 }).success).toBe(false);
    const cfg = TransformerSchema.parse({});
    expect(() => transformerModel.layout(cfg, { inputKind: 'tokens', vocab: 67, positions: 3, outputSize: 67 })).toThrow(/exactly two tokens.*gives 3/);
    expect(() => transformerModel.layout(cfg, { inputKind: 'tokens', vocab: 67, positions: 2, outputSize: 10 })).toThrow(/outputSize 10/);
  });

  it('factorised forward equals the literal causal-attention forward', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        tf.tidy(() => {
          const { eff, batch } = setup(c);
          const ours = forward(eff, batch).out.dataSync();
          const ws = torchTensors(
            c.layout,
            c.theta.map((v, i) => v * c.mask[i]),
          );
          const ref = literalLogits(ws, oneHot(c.a, c.dims.p), oneHot(c.b, c.dims.p), c.dims).dataSync();
          close(ours, ref, 1e-4, 'logits');
        });
      }),
      { numRuns: 60 },
    );
  });

  it('hand-written backward equals autodiff of the literal model under mean cross-entropy', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        tf.tidy(() => {
          const { eff, batch } = setup(c);
          const fwd = forward(eff, batch);
          const masks = toParams(c.mask, c.layout);
          const grads = backward(fwd, crossEntropyGrad(fwd.out, batch), batch).map((g, i) => tf.mul(g, masks[i]) as tf.Tensor2D);
          const ours = toFlat(grads, c.layout);
          const ref = literalLossAndGrads(c.layout, c.theta, c.mask, c.a, c.b, c.y);
          // Mean CE's gradient is softmax − one-hot: once the model is confident, 1 − p (≈ the loss) is
          // resolved only to float32's ~6e-8, so both sides' gradients carry a relative error of about
          // 6e-8 / loss (seen: loss −0, every gradient ~1e-8, W_E differing by a third); 1e-5 / loss is that
          // with a margin, and it stays below 5e-4 for any loss above 0.02.
          closeGrads(
            NAMES.map((name) => torchMatrix(c.layout, ours, name).data),
            ref.grads,
            Math.max(5e-4, 1e-5 / Math.max(ref.loss, 1e-30)),
            NAMES,
          );
          // pruned entries get exactly zero gradient
          for (let i = 0; i < ours.length; i++) if (c.mask[i] === 0) expect(Math.abs(ours[i])).toBe(0);
        });
      }),
      { numRuns: 40 },
    );
  });

  // The forward's row selections are tf.gatherND, whose gradient (scatter-add) transformer.ts
  // registers because tfjs lacks it; the literal comparison above checks that pair independently.
  it('hand-written backward equals the autodiff fallback of paramGradients', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        tf.tidy(() => {
          const { eff, batch } = setup(c);
          const fwd = transformerModel.forward(eff, batch, c.layout);
          const G = crossEntropyGrad(fwd.out, batch);
          const ours = toFlat(paramGradients(transformerModel, fwd, G, eff, batch, c.layout), c.layout);
          const auto = toFlat(paramGradients({ ...transformerModel, backward: undefined }, fwd, G, eff, batch, c.layout), c.layout);
          const slices = (flat: Float32Array) => c.layout.layers.map((l) => flat.subarray(l.offset, l.offset + l.size));
          closeGrads(slices(ours), slices(auto), 5e-4, NAMES);
        });
      }),
      { numRuns: 40 },
    );
  });

  it('leaks no tensors: inputs, forward and backward inside tf.tidy', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const before = tf.memory().numTensors;
        tf.tidy(() => {
          const { eff, batch } = setup(c);
          const fwd = forward(eff, batch);
          const grads: Params = backward(fwd, crossEntropyGrad(fwd.out, batch), batch);
          expect(grads.map((g) => g.shape)).toEqual(c.layout.layers.map((l) => l.shape));
        });
        expect(tf.memory().numTensors).toBe(before);
        // the batch's own dispose frees exactly what inputs() uploaded
        const batch = modelInputs(transformerModel, examples(c), c.layout);
        batch.dispose();
        expect(tf.memory().numTensors).toBe(before);
      }),
      { numRuns: 20 },
    );
  });

  it('is order-aware without positional embeddings: f(a, b) ≠ f(b, a)', () => {
    const layout = transformerLayout({ p: 5, dModel: 8, dMlp: 8, dHead: 8 });
    const theta = initTheta(layout, 3);
    const diff = tf.tidy(() => {
      const eff = toParams(theta, layout);
      const ab = forward(eff, transformerInputs(Int32Array.from([1]), Int32Array.from([3]))).out;
      const ba = forward(eff, transformerInputs(Int32Array.from([3]), Int32Array.from([1]))).out;
      return tf.max(tf.abs(tf.sub(ab, ba))).dataSync()[0];
    });
    expect(diff).toBeGreaterThan(1e-3);
  });
});
