import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import '../setup-backend.ts';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { torchMatrix, type Layout } from '../../src/models/layout.ts';
import { mlpLayout } from '../../src/models/mlp.ts';
const LAYER_NAMES = ['W_U', 'W_E', 'W_in', 'W_out'] as const;
import { initTheta } from '../../src/models/init.ts';
import { makeTokenBatch, type TokenBatch } from '../../src/models/mlp.ts';
import { GRASP_TEMPERATURE, graspHessianGradient, graspScores, temperedGradient } from '../../src/prune/grasp.ts';
import { globalMask, kthSmallest, maskDensity, pruneCount } from '../../src/prune/mask.ts';
import { randomScores } from '../../src/prune/random.ts';
import { PAI_METHODS, paiMask, paiScores, parsePaiMethod } from '../../src/prune/scores.ts';
import { snipScores } from '../../src/prune/snip.ts';
import { synflowScores, synflowScoresF64 } from '../../src/prune/synflow.ts';

// ---------------------------------------------------------------------------------------------
// References. All are the plain (torch-orientation) formulation, independent of the factorised
// forward/backward under test: one-hot lookups, sum, W_in, ReLU, W_out, W_U.

interface Case {
  layout: Layout;
  theta: Float32Array;
  a: number[];
  b: number[];
  y: number[];
}

const dimsArb = fc.record({ p: fc.constantFrom(3, 5, 7), dEmb: fc.integer({ min: 1, max: 8 }), dModel: fc.integer({ min: 1, max: 6 }) });
const caseArb = fc.record({ dims: dimsArb, n: fc.integer({ min: 1, max: 20 }), seed: fc.nat(100_000) }).map(({ dims, n, seed }) => makeCase(dims, n, seed));

function makeCase(dims: { p: number; dEmb: number; dModel: number }, n: number, seed: number): Case {
  const layout = mlpLayout(dims);
  const theta = initTheta(layout, seed);
  let s = seed + 1;
  const rnd = () => ((s = (s * 16807) % 2147483647) / 2147483647);
  const draw = () => Array.from({ length: n }, () => Math.floor(rnd() * dims.p));
  return { layout, theta, a: draw(), b: draw(), y: draw() };
}

function batchOf(c: Case): TokenBatch {
  return makeTokenBatch(Int32Array.from(c.a), Int32Array.from(c.b), Int32Array.from(c.y), c.layout.dims.p);
}

/** Our flat (layout-order) vector → the four torch-orientation matrices, for comparisons. */
function torchLayers(layout: Layout, flat: ArrayLike<number>): Float32Array[] {
  const f32 = Float32Array.from(flat);
  return LAYER_NAMES.map((n) => torchMatrix(layout, f32, n).data);
}

function torchTensors(layout: Layout, flat: Float32Array): tf.Tensor2D[] {
  return LAYER_NAMES.map((n) => {
    const m = torchMatrix(layout, flat, n);
    return tf.tensor2d(m.data, [m.rows, m.cols]);
  });
}

/**
 * Mean CE(logits/T) of the plain formulation. log-sum-exp is built as a chain of softplus
 * (lse ← lse + softplus(ℓ_k − lse)) because tfjs-core 4.22 cannot differentiate exp, softmax,
 * logSoftmax or sigmoid twice: their gradients read the saved forward output, which the outer
 * tape does not connect, so double backprop either throws ("Cannot compute gradient") or silently
 * drops the softmax-curvature term (measured: Hg off by 40–130 % at T = 1). softplus's gradient
 * is recomputed from its input and differentiates twice correctly.
 */
function plainLoss(c: Case, T: number, Xa: tf.Tensor2D, Xb: tf.Tensor2D, Y: tf.Tensor2D) {
  const p = c.layout.dims.p;
  return (U: tf.Tensor, E: tf.Tensor, Win: tf.Tensor, Wout: tf.Tensor): tf.Scalar => {
    const e = tf.add(tf.matMul(Xa, E, false, true), tf.matMul(Xb, E, false, true)) as tf.Tensor2D;
    const h = tf.relu(tf.matMul(e, Win as tf.Tensor2D, false, true)) as tf.Tensor2D;
    const logits = tf.div(tf.matMul(tf.matMul(h, Wout as tf.Tensor2D, false, true), U as tf.Tensor2D), T) as tf.Tensor2D;
    let lse: tf.Tensor = tf.slice(logits, [0, 0], [-1, 1]);
    for (let k = 1; k < p; k++) lse = tf.add(lse, tf.softplus(tf.sub(tf.slice(logits, [0, k], [-1, 1]), lse)));
    return tf.mean(tf.sub(tf.squeeze(lse, [1]), tf.sum(tf.mul(logits, Y), 1))) as tf.Scalar;
  };
}

/** tfjs autodiff: g = ∇L and the authors' double backprop Hg = ∇(g · stopgrad(g)), torch orientation. */
function autodiffGradHvp(c: Case, T: number): { g: Float32Array[]; Hg: Float32Array[] } {
  return tf.tidy(() => {
    const p = c.layout.dims.p;
    const oneHot = (v: number[]) => tf.cast(tf.oneHot(tf.tensor1d(v, 'int32'), p), 'float32') as tf.Tensor2D;
    const f = plainLoss(c, T, oneHot(c.a), oneHot(c.b), oneHot(c.y));
    const mats = torchTensors(c.layout, c.theta);
    const gradF = tf.grads(f as (...xs: tf.Tensor[]) => tf.Scalar);
    const gStop = gradF(mats).map((t) => tf.tensor(t.dataSync(), t.shape));
    const Hg = tf.grads((...xs: tf.Tensor[]) => tf.addN(gradF(xs).map((gi, i) => tf.sum(tf.mul(gi, gStop[i])))) as tf.Scalar)(mats);
    return { g: gStop.map((t) => t.dataSync() as Float32Array), Hg: Hg.map((t) => t.dataSync() as Float32Array) };
  });
}

/** tfjs autodiff of SynFlow's R = Σ logits with |θ| and ReLU as the identity, torch orientation. */
function autodiffSynflowGrad(c: Case): Float32Array[] {
  return tf.tidy(() => {
    const p = c.layout.dims.p;
    const oneHot = (v: number[]) => tf.cast(tf.oneHot(tf.tensor1d(v, 'int32'), p), 'float32') as tf.Tensor2D;
    const Xa = oneHot(c.a);
    const Xb = oneHot(c.b);
    const R = (U: tf.Tensor, E: tf.Tensor, Win: tf.Tensor, Wout: tf.Tensor): tf.Scalar => {
      const e = tf.add(tf.matMul(Xa, E as tf.Tensor2D, false, true), tf.matMul(Xb, E as tf.Tensor2D, false, true)) as tf.Tensor2D;
      const h = tf.matMul(e, Win as tf.Tensor2D, false, true);
      return tf.sum(tf.matMul(tf.matMul(h, Wout as tf.Tensor2D, false, true), U as tf.Tensor2D)) as tf.Scalar;
    };
    const abs = torchTensors(c.layout, Float32Array.from(c.theta, Math.abs));
    return tf.grads(R as (...xs: tf.Tensor[]) => tf.Scalar)(abs).map((t) => t.dataSync() as Float32Array);
  });
}

/**
 * Float64, per sample, in our layout order: loss, gradient and, given v, the exact Hessian-vector
 * product by forward-over-reverse (Pearlmutter's R-operator) with ReLU'' = 0, which is what the
 * authors' double backprop computes. Used where float32 references are too coarse (paper size).
 */
function ref64(layout: Layout, th: ArrayLike<number>, v: ArrayLike<number> | null, a: number[], b: number[], y: number[], T: number) {
  const { p, dEmb: D, dModel: M } = layout.dims;
  const [oU, oE, oI, oO] = layout.layers.map((l) => l.offset);
  const V = v ?? new Float64Array(layout.size);
  const g = new Float64Array(layout.size);
  const Hv = new Float64Array(layout.size);
  const B = a.length;
  const vec = (k: number) => new Float64Array(k);
  const [e, Re, o, Ro, dO, RdO] = [vec(D), vec(D), vec(D), vec(D), vec(D), vec(D)];
  const [z, h, Rh, dz, Rdz] = [vec(M), vec(M), vec(M), vec(M), vec(M)];
  const [l, Rl, dl, Rdl] = [vec(p), vec(p), vec(p), vec(p)];
  for (let n = 0; n < B; n++) {
    for (let d = 0; d < D; d++) {
      e[d] = th[oE + a[n] * D + d] + th[oE + b[n] * D + d];
      Re[d] = V[oE + a[n] * D + d] + V[oE + b[n] * D + d];
    }
    for (let j = 0; j < M; j++) {
      let s = 0;
      let r = 0;
      for (let d = 0; d < D; d++) {
        s += th[oI + d * M + j] * e[d];
        r += V[oI + d * M + j] * e[d] + th[oI + d * M + j] * Re[d];
      }
      z[j] = s;
      h[j] = s > 0 ? s : 0;
      Rh[j] = s > 0 ? r : 0;
    }
    for (let k = 0; k < D; k++) {
      let s = 0;
      let r = 0;
      for (let j = 0; j < M; j++) {
        s += th[oO + j * D + k] * h[j];
        r += V[oO + j * D + k] * h[j] + th[oO + j * D + k] * Rh[j];
      }
      o[k] = s;
      Ro[k] = r;
    }
    let mx = -Infinity;
    for (let q = 0; q < p; q++) {
      let s = 0;
      let r = 0;
      for (let k = 0; k < D; k++) {
        s += th[oU + k * p + q] * o[k];
        r += V[oU + k * p + q] * o[k] + th[oU + k * p + q] * Ro[k];
      }
      l[q] = s / T;
      Rl[q] = r / T;
      mx = Math.max(mx, l[q]);
    }
    let Z = 0;
    for (let q = 0; q < p; q++) Z += Math.exp(l[q] - mx);
    let sRl = 0;
    for (let q = 0; q < p; q++) sRl += (Math.exp(l[q] - mx) / Z) * Rl[q];
    for (let q = 0; q < p; q++) {
      const s = Math.exp(l[q] - mx) / Z;
      dl[q] = (s - (q === y[n] ? 1 : 0)) / (B * T);
      Rdl[q] = (s * (Rl[q] - sRl)) / (B * T);
    }
    for (let k = 0; k < D; k++) {
      let s = 0;
      let r = 0;
      for (let q = 0; q < p; q++) {
        g[oU + k * p + q] += o[k] * dl[q];
        Hv[oU + k * p + q] += Ro[k] * dl[q] + o[k] * Rdl[q];
        s += th[oU + k * p + q] * dl[q];
        r += V[oU + k * p + q] * dl[q] + th[oU + k * p + q] * Rdl[q];
      }
      dO[k] = s;
      RdO[k] = r;
    }
    for (let j = 0; j < M; j++) {
      let s = 0;
      let r = 0;
      for (let k = 0; k < D; k++) {
        g[oO + j * D + k] += h[j] * dO[k];
        Hv[oO + j * D + k] += Rh[j] * dO[k] + h[j] * RdO[k];
        s += th[oO + j * D + k] * dO[k];
        r += V[oO + j * D + k] * dO[k] + th[oO + j * D + k] * RdO[k];
      }
      dz[j] = z[j] > 0 ? s : 0;
      Rdz[j] = z[j] > 0 ? r : 0;
    }
    for (let d = 0; d < D; d++) {
      let s = 0;
      let r = 0;
      for (let j = 0; j < M; j++) {
        g[oI + d * M + j] += e[d] * dz[j];
        Hv[oI + d * M + j] += Re[d] * dz[j] + e[d] * Rdz[j];
        s += th[oI + d * M + j] * dz[j];
        r += V[oI + d * M + j] * dz[j] + th[oI + d * M + j] * Rdz[j];
      }
      for (const t of [a[n], b[n]]) {
        g[oE + t * D + d] += s;
        Hv[oE + t * D + d] += r;
      }
    }
  }
  return { g, Hv };
}

function maxAbs(xs: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < xs.length; i++) m = Math.max(m, Math.abs(xs[i]));
  return m;
}

/** max |a − b| ≤ tol · max(max|b|, floor): an absolute tolerance on the reference's own scale. */
function expectClose(a: ArrayLike<number>, b: ArrayLike<number>, tol: number, floor = 1e-30): void {
  expect(a.length).toBe(b.length);
  const scale = Math.max(maxAbs(b), floor);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  expect(worst / scale).toBeLessThanOrEqual(tol);
}

function expectCloseLayers(layout: Layout, ours: ArrayLike<number>, refTorch: Float32Array[], tol: number): void {
  const mine = torchLayers(layout, ours);
  const scale = Math.max(...refTorch.map(maxAbs), 1e-30);
  mine.forEach((m, i) => {
    for (let k = 0; k < m.length; k++) expect(Math.abs(m[k] - refTorch[i][k])).toBeLessThanOrEqual(tol * scale);
  });
}

/** Runs f and checks that it leaves no tensor behind. */
function noLeak<T>(f: () => T): T {
  const before = tf.memory().numTensors;
  const out = f();
  expect(tf.memory().numTensors).toBe(before);
  return out;
}

function withBatch<T>(c: Case, f: (batch: TokenBatch) => T): T {
  const batch = batchOf(c);
  try {
    return f(batch);
  } finally {
    batch.dispose();
  }
}

function hasTies(xs: Float64Array): boolean {
  const s = Float64Array.from(xs).sort();
  for (let i = 1; i < s.length; i++) if (s[i] === s[i - 1]) return true;
  return false;
}

function kept(mask: Float32Array): number {
  let k = 0;
  for (const m of mask) k += m;
  return k;
}

/** SynFlow's R = Σ_n Σ_q logits with |θ| (ReLU = identity), float64, per sample. */
function synflowR(c: Case): number {
  const { p, dEmb: D, dModel: M } = c.layout.dims;
  const [oU, oE, oI, oO] = c.layout.layers.map((l) => l.offset);
  const t = (i: number) => Math.abs(c.theta[i]);
  let R = 0;
  for (let n = 0; n < c.a.length; n++) {
    const e = Array.from({ length: D }, (_, d) => t(oE + c.a[n] * D + d) + t(oE + c.b[n] * D + d));
    const h = Array.from({ length: M }, (_, j) => e.reduce((s, ed, d) => s + t(oI + d * M + j) * ed, 0));
    const o = Array.from({ length: D }, (_, k) => h.reduce((s, hj, j) => s + t(oO + j * D + k) * hj, 0));
    for (let q = 0; q < p; q++) for (let k = 0; k < D; k++) R += t(oU + k * p + q) * o[k];
  }
  return R;
}

/** A per-sample paper-sized case: p = 67, 911 pairs (the authors' training set size). */
function paperCase(seed: number): Case {
  return makeCase({ p: 67, dEmb: 500, dModel: 48 }, 911, seed);
}

// ---------------------------------------------------------------------------------------------

describe('random pruning scores', () => {
  it('are reproducible per seed, differ across seeds, and are tie-free at the paper size', () => {
    const n = 115_000;
    const s1 = randomScores(n, 7);
    expect(randomScores(n, 7)).toEqual(s1);
    expect(randomScores(n, '7')).toEqual(s1); // seeds are stringified into the stream name
    const s2 = randomScores(n, 8);
    let same = 0;
    for (let i = 0; i < n; i++) same += s1[i] === s2[i] ? 1 : 0;
    expect(same).toBeLessThan(5);
    expect(hasTies(s1)).toBe(false);
    for (const v of s1) expect(v >= 0 && v < 1).toBe(true);
  });

  it('prune a uniformly random set: exact count and every layer near the keep fraction', () => {
    const layout = mlpLayout({ p: 67, dEmb: 500, dModel: 48 });
    for (const q of [0.4, 0.19, 0.9]) {
      const mask = globalMask(randomScores(layout.size, 3), q);
      expect(kept(mask)).toBe(layout.size - pruneCount(q, layout.size));
      // binomial sd per layer ≤ √(0.25/24 000) ≈ 0.0032: 0.015 is ~5 sd
      for (const d of maskDensity(mask, layout.layers)) expect(Math.abs(d.density - q)).toBeLessThan(0.015);
    }
  });

  it('are not the init stream: independent of θ0 drawn with the same seed', () => {
    const layout = mlpLayout({ p: 67, dEmb: 500, dModel: 48 });
    const theta = initTheta(layout, 5);
    const r = randomScores(layout.size, 5);
    // Spearman-free check: Pearson of |θ| with the uniform scores, sd ≈ 1/√N ≈ 0.003
    let sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
    for (let i = 0; i < layout.size; i++) {
      const x = Math.abs(theta[i]);
      sx += x; sy += r[i]; sxx += x * x; syy += r[i] * r[i]; sxy += x * r[i];
    }
    const n = layout.size;
    const corr = (sxy - (sx * sy) / n) / Math.sqrt((sxx - (sx * sx) / n) * (syy - (sy * sy) / n));
    expect(Math.abs(corr)).toBeLessThan(0.02);
  });
});

describe('SNIP', () => {
  it('equals |θ ⊙ ∂L/∂θ| of the plain formulation under tfjs autodiff and in float64', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const scores = withBatch(c, (batch) => noLeak(() => snipScores(c.layout, c.theta, batch)));
        const { g } = autodiffGradHvp(c, 1);
        const thetaT = torchLayers(c.layout, c.theta);
        expectCloseLayers(c.layout, scores, g.map((gl, i) => gl.map((v, k) => Math.abs(v * thetaT[i][k]))), 1e-4);
        const g64 = ref64(c.layout, c.theta, null, c.a, c.b, c.y, 1).g;
        expectClose(scores, Float64Array.from(g64, (v, i) => Math.abs(v * c.theta[i])), 1e-5);
      }),
      { numRuns: 30 },
    );
  });
});

describe('GraSP', () => {
  it('the tempered gradient is ∇ CE(logits/T) (autodiff and float64)', () => {
    fc.assert(
      fc.property(caseArb, fc.constantFrom(1, 7, GRASP_TEMPERATURE), (c, T) => {
        const g = withBatch(c, (batch) => noLeak(() => temperedGradient(c.layout, c.theta, batch, T)));
        expectCloseLayers(c.layout, g, autodiffGradHvp(c, T).g, 1e-4);
        expectClose(g, ref64(c.layout, c.theta, null, c.a, c.b, c.y, T).g, 1e-5);
      }),
      { numRuns: 25 },
    );
  });

  it('the float64 R-operator reference agrees with a fine float64 finite difference', () => {
    fc.assert(
      fc.property(caseArb, fc.constantFrom(1, GRASP_TEMPERATURE), (c, T) => {
        const { g } = ref64(c.layout, c.theta, null, c.a, c.b, c.y, T);
        const { Hv } = ref64(c.layout, c.theta, g, c.a, c.b, c.y, T);
        let gg = 0;
        let tt = 0;
        for (let i = 0; i < g.length; i++) {
          gg += g[i] * g[i];
          tt += c.theta[i] * c.theta[i];
        }
        fc.pre(gg > 0);
        const h = 1e-7 * Math.sqrt(tt / gg);
        const gp = ref64(c.layout, Float64Array.from(c.theta, (t, i) => t + h * g[i]), null, c.a, c.b, c.y, T).g;
        const gm = ref64(c.layout, Float64Array.from(c.theta, (t, i) => t - h * g[i]), null, c.a, c.b, c.y, T).g;
        expectClose(Float64Array.from(gp, (v, i) => (v - gm[i]) / (2 * h)), Hv, 1e-6, 1e-300);
      }),
      { numRuns: 25 },
    );
  });

  it('Hg by finite differences matches tfjs double backprop (g · stopgrad(g)) and the exact float64 Hg', () => {
    fc.assert(
      fc.property(caseArb, fc.constantFrom(1, GRASP_TEMPERATURE), (c, T) => {
        const { Hg, eps } = withBatch(c, (batch) => noLeak(() => graspHessianGradient(c.layout, c.theta, batch, { temperature: T })));
        const { g } = ref64(c.layout, c.theta, null, c.a, c.b, c.y, T);
        const exact = ref64(c.layout, c.theta, g, c.a, c.b, c.y, T).Hv;
        if (eps === 0) {
          // g = 0 exactly (every neuron dead on the batch): then Hg = 0 too
          expect(maxAbs(Hg)).toBe(0);
          return;
        }
        // measured ≤ 6e-5 on these shapes; the references agree with each other to ~1e-6
        expectClose(Hg, exact, 5e-4);
        expectCloseLayers(c.layout, Hg, autodiffGradHvp(c, T).Hg, 5e-4);
      }),
      { numRuns: 40 },
    );
  });

  it('scores are θ ⊙ Hg / (|Σ θ⊙Hg| + 1e-10), and the mask keeps the HIGHEST', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        withBatch(c, (batch) => {
          const scores = noLeak(() => graspScores(c.layout, c.theta, batch));
          const { Hg } = graspHessianGradient(c.layout, c.theta, batch);
          const raw = Float64Array.from(Hg, (h, i) => h * c.theta[i]);
          const sum = raw.reduce((s, v) => s + v, 0);
          expectClose(scores, raw.map((v) => v / (Math.abs(sum) + 1e-10)), 1e-12, 1e-300);
          fc.pre(maxAbs(raw) > 0);
          expect(Math.abs(scores.reduce((s, v) => s + v, 0))).toBeCloseTo(Math.abs(sum) / (Math.abs(sum) + 1e-10), 9);
          const mask = globalMask(scores, 0.5);
          let hi = 0;
          let lo = 0;
          for (let i = 0; i < scores.length; i++) {
            if (scores[i] > scores[hi]) hi = i;
            if (scores[i] < scores[lo]) lo = i;
          }
          expect(mask[hi]).toBe(1);
          expect(mask[lo]).toBe(0);
        });
      }),
      { numRuns: 25 },
    );
  });

  it('ranks like the exact θ ⊙ Hg on tiny nets: masks differ only at near-ties', () => {
    fc.assert(
      fc.property(caseArb, fc.constantFrom(0.1, 0.4, 0.5, 0.9), (c, q) => {
        const scores = withBatch(c, (batch) => graspScores(c.layout, c.theta, batch));
        const { g } = ref64(c.layout, c.theta, null, c.a, c.b, c.y, GRASP_TEMPERATURE);
        const Hv = ref64(c.layout, c.theta, g, c.a, c.b, c.y, GRASP_TEMPERATURE).Hv;
        const exact = Float64Array.from(Hv, (h, i) => h * c.theta[i]);
        const sum = exact.reduce((s, v) => s + v, 0);
        const exactScores = exact.map((v) => v / (Math.abs(sum) + 1e-10));
        const k = pruneCount(q, exactScores.length);
        fc.pre(k >= 1);
        const threshold = kthSmallest(exactScores, k);
        const m1 = globalMask(scores, q);
        const m0 = globalMask(exactScores, q);
        const scale = maxAbs(exactScores);
        for (let i = 0; i < m0.length; i++) {
          if (m0[i] !== m1[i]) expect(Math.abs(exactScores[i] - threshold)).toBeLessThanOrEqual(1e-3 * scale);
        }
      }),
      { numRuns: 30 },
    );
  });

  it('at the paper size (p = 67, 911 pairs, T = 200): Hg within 1e-4 of exact, 40 % mask nearly identical', () => {
    const c = paperCase(1);
    const { Hg, scores } = withBatch(c, (batch) =>
      noLeak(() => ({ Hg: graspHessianGradient(c.layout, c.theta, batch).Hg, scores: graspScores(c.layout, c.theta, batch) })),
    );
    const { g } = ref64(c.layout, c.theta, null, c.a, c.b, c.y, GRASP_TEMPERATURE);
    const Hv = ref64(c.layout, c.theta, g, c.a, c.b, c.y, GRASP_TEMPERATURE).Hv;
    expectClose(Hg, Hv, 1e-4);
    const m0 = globalMask(Float64Array.from(Hv, (h, i) => h * c.theta[i]), 0.4);
    const m1 = globalMask(scores, 0.4);
    let diff = 0;
    for (let i = 0; i < m0.length; i++) diff += m0[i] !== m1[i] ? 1 : 0;
    expect(diff).toBeLessThanOrEqual(50); // measured 4 of 115 000
  });
});

describe('SynFlow (single shot, real tokens)', () => {
  it('equals |θ| ⊙ ∂R/∂|θ| of R = Σ logits under tfjs autodiff (ReLU = identity), and the float64 path', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const [s32, s64] = withBatch(c, (batch) => noLeak(() => [synflowScores(c.layout, c.theta, batch), synflowScoresF64(c.layout, c.theta, batch)]));
        const absT = torchLayers(c.layout, Float32Array.from(c.theta, Math.abs));
        expectCloseLayers(c.layout, s32, autodiffSynflowGrad(c).map((gl, i) => gl.map((v, k) => Math.abs(v * absT[i][k]))), 1e-5);
        for (let i = 0; i < s32.length; i++) expect(Math.abs(s32[i] - s64[i])).toBeLessThanOrEqual(1e-5 * s64[i] + 1e-300);
      }),
      { numRuns: 30 },
    );
  });

  it('conserves synaptic flow: each layer sums to R, and at every hidden unit incoming = outgoing', () => {
    // R = cᵀ|W_E|ᵀ|W_in|ᵀ|W_out|ᵀ|W_U|1 is a linear chain whose first layer is fed the token counts
    // c, so the embedding lookup does not break Tanaka et al.'s conservation: it holds exactly.
    fc.assert(
      fc.property(caseArb, (c) => {
        const { p, dEmb: D, dModel: M } = c.layout.dims;
        const [lU, lE, lIn, lOut] = c.layout.layers;
        const R = synflowR(c);
        const pair = withBatch(c, (batch) => [synflowScores(c.layout, c.theta, batch), synflowScoresF64(c.layout, c.theta, batch)]);
        for (const [s, tol] of [[pair[0], 1e-5], [pair[1], 1e-10]] as const) {
          for (const l of c.layout.layers) {
            let tot = 0;
            for (let i = l.offset; i < l.offset + l.size; i++) tot += s[i];
            expect(Math.abs(tot - R)).toBeLessThanOrEqual(tol * R);
          }
          const sumE = (d: number) => Array.from({ length: p }, (_, t) => s[lE.offset + t * D + d]).reduce((x, y) => x + y, 0);
          const outIn = (d: number) => Array.from({ length: M }, (_, j) => s[lIn.offset + d * M + j]).reduce((x, y) => x + y, 0);
          const inIn = (j: number) => Array.from({ length: D }, (_, d) => s[lIn.offset + d * M + j]).reduce((x, y) => x + y, 0);
          const outOut = (j: number) => Array.from({ length: D }, (_, k) => s[lOut.offset + j * D + k]).reduce((x, y) => x + y, 0);
          const inOut = (k: number) => Array.from({ length: M }, (_, j) => s[lOut.offset + j * D + k]).reduce((x, y) => x + y, 0);
          const sumU = (k: number) => Array.from({ length: p }, (_, q) => s[lU.offset + k * p + q]).reduce((x, y) => x + y, 0);
          for (let d = 0; d < D; d++) expect(Math.abs(sumE(d) - outIn(d))).toBeLessThanOrEqual(tol * R);
          for (let j = 0; j < M; j++) expect(Math.abs(inIn(j) - outOut(j))).toBeLessThanOrEqual(tol * R);
          for (let k = 0; k < D; k++) expect(Math.abs(inOut(k) - sumU(k))).toBeLessThanOrEqual(tol * R);
        }
      }),
      { numRuns: 30 },
    );
  });

  it('scores the embedding row of a token by its frequency in the batch: absent tokens score 0', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const s = withBatch(c, (batch) => synflowScoresF64(c.layout, c.theta, batch));
        const { dEmb: D, p } = c.layout.dims;
        const lE = c.layout.layers[1];
        const count = new Array<number>(p).fill(0);
        for (let n = 0; n < c.a.length; n++) {
          count[c.a[n]]++;
          count[c.b[n]]++;
        }
        // every token sees the same downstream gain w_d, so row t's score is count_t·|E_t|·w
        const w = Array.from({ length: D }, () => NaN);
        for (let t = 0; t < p; t++) {
          for (let d = 0; d < D; d++) {
            const sc = s[lE.offset + t * D + d];
            if (count[t] === 0) expect(sc).toBe(0);
            else {
              const wd = sc / (count[t] * Math.abs(c.theta[lE.offset + t * D + d]));
              if (Number.isNaN(w[d])) w[d] = wd;
              else expect(Math.abs(wd - w[d])).toBeLessThanOrEqual(1e-9 * w[d]);
            }
          }
        }
      }),
      { numRuns: 30 },
    );
  });

  it('conserves at the paper size too (float64), and float32 gives the same 40 % mask', () => {
    const c = paperCase(2);
    const [s32, s64] = withBatch(c, (batch) => noLeak(() => [synflowScores(c.layout, c.theta, batch), synflowScoresF64(c.layout, c.theta, batch)]));
    const R = synflowR(c);
    for (const l of c.layout.layers) {
      let tot = 0;
      for (let i = l.offset; i < l.offset + l.size; i++) tot += s64[i];
      expect(Math.abs(tot - R)).toBeLessThanOrEqual(1e-10 * R);
    }
    const m32 = globalMask(s32, 0.4);
    const m64 = globalMask(s64, 0.4);
    let diff = 0;
    for (let i = 0; i < m32.length; i++) diff += m32[i] !== m64[i] ? 1 : 0;
    expect(diff).toBeLessThanOrEqual(10); // measured 0
  });

  it('throws on float32 underflow (Synaptic-Flow issue #11); the float64 path keeps the ranking', () => {
    const c = makeCase({ p: 7, dEmb: 8, dModel: 6 }, 20, 3);
    const tiny = { ...c, theta: Float32Array.from(c.theta, (v) => v * 1e-20) };
    withBatch(tiny, (batch) => {
      expect(() => noLeak(() => synflowScores(tiny.layout, tiny.theta, batch))).toThrow(/all 0 in float32.*underflow/);
      const small = synflowScoresF64(tiny.layout, tiny.theta, batch);
      const normal = synflowScoresF64(c.layout, c.theta, batch);
      // every score scales by (1e-20)^4: the ranking and hence the mask are unchanged
      expect(globalMask(small, 0.4)).toEqual(globalMask(normal, 0.4));
    });
    const zero = { ...c, theta: new Float32Array(c.theta.length) };
    withBatch(zero, (batch) => expect(() => synflowScoresF64(zero.layout, zero.theta, batch)).toThrow(/all 0/));
  });
});

describe('paiScores / masks', () => {
  it('dispatches to each method and rejects unknown names with the allowed values', () => {
    expect([...PAI_METHODS]).toEqual(['random', 'snip', 'grasp', 'synflow']);
    const c = makeCase({ p: 5, dEmb: 4, dModel: 3 }, 12, 9);
    withBatch(c, (batch) => {
      expect(paiScores('random', c.layout, c.theta, batch, 4)).toEqual(randomScores(c.layout.size, 4));
      expect(paiScores('snip', c.layout, c.theta, batch, 4)).toEqual(snipScores(c.layout, c.theta, batch));
      expect(paiScores('grasp', c.layout, c.theta, batch, 4)).toEqual(graspScores(c.layout, c.theta, batch));
      expect(paiScores('synflow', c.layout, c.theta, batch, 4)).toEqual(synflowScores(c.layout, c.theta, batch));
      expect(() => paiScores('mag', c.layout, c.theta, batch, 4)).toThrow(/"mag".*random, snip, grasp, synflow/);
    });
    expect(() => parsePaiMethod('SNIP')).toThrow(/allowed values: random, snip, grasp, synflow/);
  });

  it('every method keeps exactly the requested fraction up to ties (the authors’ <= rule), without leaking tensors', () => {
    fc.assert(
      fc.property(caseArb, fc.constantFrom(...PAI_METHODS), fc.constantFrom(0.05, 0.19, 0.4, 0.5, 0.9, 1), fc.nat(1000), (c, method, q, seed) => {
        withBatch(c, (batch) => {
          const scores = noLeak(() => paiScores(method, c.layout, c.theta, batch, seed));
          const mask = noLeak(() => paiMask(method, c.layout, c.theta, batch, seed, q));
          expect(mask).toEqual(globalMask(scores, q));
          const n = c.layout.size;
          const k = pruneCount(q, n);
          if (k < 1) expect(kept(mask)).toBe(n);
          else {
            const threshold = kthSmallest(scores, k);
            expect(kept(mask)).toBe(scores.filter((s) => s > threshold).length);
            if (!hasTies(scores)) expect(kept(mask)).toBe(n - k);
            else expect(kept(mask)).toBeLessThanOrEqual(n - k);
          }
        });
      }),
      { numRuns: 60 },
    );
  });
});
