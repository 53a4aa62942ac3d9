import * as tf from '@tensorflow/tfjs-core';
import { describe, it } from 'vitest';
import '../setup-backend.ts';
import { mlpLayout, type Layout } from '../../src/model/layout.ts';
import { initTheta } from '../../src/model/init.ts';
import { makeTokenBatch } from '../../src/model/mlp.ts';
import { graspHessianGradient, graspScores, temperedGradient } from '../../src/prune/grasp.ts';
import { snipScores } from '../../src/prune/snip.ts';
import { synflowScores, synflowScoresF64 } from '../../src/prune/synflow.ts';
import { globalMask } from '../../src/prune/mask.ts';
/**
 * Float64 reference, written per sample in the plain formulation (lookup, sum, W_in, ReLU, W_out,
 * W_U), independent of the factorised matmuls: loss, gradient and, given v, the exact
 * Hessian-vector product Hv by forward-over-reverse (Pearlmutter's R-operator) with ReLU'' = 0,
 * i.e. what the authors' double backprop computes.
 */
function ref64(layout: Layout, th: ArrayLike<number>, v: ArrayLike<number> | null, a: number[], b: number[], y: number[], T: number) {
  const { p, dEmb: D, dModel: M } = layout.dims;
  const [oU, oE, oI, oO] = layout.layers.map((l) => l.offset);
  const V = v ?? new Float64Array(layout.size);
  const g = new Float64Array(layout.size);
  const Hv = new Float64Array(layout.size);
  const B = a.length;
  let loss = 0;
  const e = new Float64Array(D), Re = new Float64Array(D), z = new Float64Array(M), Rz = new Float64Array(M);
  const h = new Float64Array(M), Rh = new Float64Array(M), o = new Float64Array(D), Ro = new Float64Array(D);
  const l = new Float64Array(p), Rl = new Float64Array(p), dl = new Float64Array(p), Rdl = new Float64Array(p);
  const dO = new Float64Array(D), RdO = new Float64Array(D), dz = new Float64Array(M), Rdz = new Float64Array(M);
  for (let n = 0; n < B; n++) {
    for (let d = 0; d < D; d++) {
      e[d] = th[oE + a[n] * D + d] + th[oE + b[n] * D + d];
      Re[d] = V[oE + a[n] * D + d] + V[oE + b[n] * D + d];
    }
    for (let j = 0; j < M; j++) {
      let s = 0, r = 0;
      for (let d = 0; d < D; d++) { s += th[oI + d * M + j] * e[d]; r += V[oI + d * M + j] * e[d] + th[oI + d * M + j] * Re[d]; }
      z[j] = s; Rz[j] = r;
      h[j] = s > 0 ? s : 0; Rh[j] = s > 0 ? r : 0;
    }
    for (let k = 0; k < D; k++) {
      let s = 0, r = 0;
      for (let j = 0; j < M; j++) { s += th[oO + j * D + k] * h[j]; r += V[oO + j * D + k] * h[j] + th[oO + j * D + k] * Rh[j]; }
      o[k] = s; Ro[k] = r;
    }
    let mx = -Infinity;
    for (let q = 0; q < p; q++) {
      let s = 0, r = 0;
      for (let k = 0; k < D; k++) { s += th[oU + k * p + q] * o[k]; r += V[oU + k * p + q] * o[k] + th[oU + k * p + q] * Ro[k]; }
      l[q] = s / T; Rl[q] = r / T; mx = Math.max(mx, l[q]);
    }
    let Z = 0;
    for (let q = 0; q < p; q++) Z += Math.exp(l[q] - mx);
    loss += (mx + Math.log(Z) - l[y[n]]) / B;
    let sRl = 0;
    for (let q = 0; q < p; q++) sRl += (Math.exp(l[q] - mx) / Z) * Rl[q];
    for (let q = 0; q < p; q++) {
      const s = Math.exp(l[q] - mx) / Z;
      dl[q] = (s - (q === y[n] ? 1 : 0)) / (B * T);
      Rdl[q] = (s * (Rl[q] - sRl)) / (B * T);
    }
    for (let k = 0; k < D; k++) {
      let s = 0, r = 0;
      for (let q = 0; q < p; q++) {
        g[oU + k * p + q] += o[k] * dl[q];
        Hv[oU + k * p + q] += Ro[k] * dl[q] + o[k] * Rdl[q];
        s += th[oU + k * p + q] * dl[q]; r += V[oU + k * p + q] * dl[q] + th[oU + k * p + q] * Rdl[q];
      }
      dO[k] = s; RdO[k] = r;
    }
    for (let j = 0; j < M; j++) {
      let s = 0, r = 0;
      for (let k = 0; k < D; k++) {
        g[oO + j * D + k] += h[j] * dO[k];
        Hv[oO + j * D + k] += Rh[j] * dO[k] + h[j] * RdO[k];
        s += th[oO + j * D + k] * dO[k]; r += V[oO + j * D + k] * dO[k] + th[oO + j * D + k] * RdO[k];
      }
      dz[j] = z[j] > 0 ? s : 0; Rdz[j] = z[j] > 0 ? r : 0;
    }
    for (let d = 0; d < D; d++) {
      let s = 0, r = 0;
      for (let j = 0; j < M; j++) {
        g[oI + d * M + j] += e[d] * dz[j];
        Hv[oI + d * M + j] += Re[d] * dz[j] + e[d] * Rdz[j];
        s += th[oI + d * M + j] * dz[j]; r += V[oI + d * M + j] * dz[j] + th[oI + d * M + j] * Rdz[j];
      }
      for (const t of [a[n], b[n]]) { g[oE + t * D + d] += s; Hv[oE + t * D + d] += r; }
    }
  }
  return { loss, g, Hv };
}

describe('explore', () => {
  it('paper size', () => {
    const dims = { p: 67, dEmb: 500, dModel: 48 };
    const layout = mlpLayout(dims);
    const theta = initTheta(layout, 1);
    const n = 911;
    let s = 78;
    const rnd = () => ((s = (s * 16807) % 2147483647) / 2147483647);
    const a = Array.from({ length: n }, () => Math.floor(rnd() * dims.p));
    const b = Array.from({ length: n }, () => Math.floor(rnd() * dims.p));
    const y = Array.from({ length: n }, () => Math.floor(rnd() * dims.p));
    const batch = makeTokenBatch(Int32Array.from(a), Int32Array.from(b), Int32Array.from(y), dims.p);
    const T = 200;
    const g = ref64(layout, theta, null, a, b, y, T).g;
    const ref = ref64(layout, theta, g, a, b, y, T).Hv;
    const t0 = performance.now();
    const { Hg, eps } = graspHessianGradient(layout, theta, batch, { temperature: T });
    const t1 = performance.now();
    const gp = temperedGradient(layout, Float32Array.from(theta, (t, i) => t + eps * g[i]), batch, T);
    const gm = temperedGradient(layout, Float32Array.from(theta, (t, i) => t - eps * g[i]), batch, T);
    let e1 = 0, e2 = 0, sc = 0, nbad = 0;
    for (let i = 0; i < Hg.length; i++) {
      sc = Math.max(sc, Math.abs(ref[i]));
      e1 = Math.max(e1, Math.abs(Hg[i] - ref[i]));
      const fr = (gp[i] - gm[i]) / (2 * eps);
      e2 = Math.max(e2, Math.abs(fr - ref[i]));
    }
    for (let i = 0; i < Hg.length; i++) if (Math.abs((gp[i] - gm[i]) / (2 * eps) - ref[i]) > 1e-3 * sc) nbad++;
    const m1 = globalMask(Float64Array.from(Hg, (h, i) => h * theta[i]), 0.4);
    const m0 = globalMask(Float64Array.from(ref, (h, i) => h * theta[i]), 0.4);
    let diff = 0; for (let i = 0; i < m0.length; i++) if (m0[i] !== m1[i]) diff++;
    console.log('gated err', e1 / sc, 'free err', e2 / sc, 'free bad entries', nbad, 'mask diffs', diff, 'grasp ms', t1 - t0);
    let t = performance.now(); snipScores(layout, theta, batch); console.log('snip ms', performance.now() - t);
    t = performance.now(); graspScores(layout, theta, batch); console.log('grasp ms', performance.now() - t);
    t = performance.now(); const s32 = synflowScores(layout, theta, batch); console.log('synflow ms', performance.now() - t);
    t = performance.now(); const s64 = synflowScoresF64(layout, theta, batch); console.log('synflow64 ms', performance.now() - t);
    let es = 0, ss = 0; for (let i = 0; i < s32.length; i++) { es = Math.max(es, Math.abs(s32[i] - s64[i]) / s64[i]); ss += s64[i]; }
    const m32 = globalMask(s32, 0.4), m64 = globalMask(s64, 0.4); diff = 0; for (let i = 0; i < m0.length; i++) if (m32[i] !== m64[i]) diff++;
    console.log('synflow rel err', es, 'mask diffs', diff, 'sum', ss);
    const lay = layout.layers.map((l) => { let z = 0; for (let i = l.offset; i < l.offset + l.size; i++) z += s64[i]; return z; });
    console.log('layer sums', lay);
    batch.dispose();
  });
});
