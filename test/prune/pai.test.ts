import * as tf from '@tensorflow/tfjs-core';
import { describe, it } from 'vitest';
import '../setup-backend.ts';
import { mlpLayout, type Layout } from '../../src/model/layout.ts';
import { initTheta } from '../../src/model/init.ts';
import { makeTokenBatch } from '../../src/model/mlp.ts';
import { graspHessianGradient } from '../../src/prune/grasp.ts';
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
  it('fd vs exact', () => {
    for (const dims of [{ p: 5, dEmb: 6, dModel: 4 }, { p: 7, dEmb: 8, dModel: 6 }, { p: 23, dEmb: 60, dModel: 12 }, { p: 67, dEmb: 500, dModel: 48 }]) {
      const layout = mlpLayout(dims);
      for (const seed of [1, 2, 3]) {
        if (dims.p === 67 && seed > 1) continue;
        const theta = initTheta(layout, seed);
        const n = dims.p === 67 ? 911 : 2 * dims.p;
        let s = seed * 77 + 1;
        const rnd = () => ((s = (s * 16807) % 2147483647) / 2147483647);
        const a = Array.from({ length: n }, () => Math.floor(rnd() * dims.p));
        const b = Array.from({ length: n }, () => Math.floor(rnd() * dims.p));
        const y = Array.from({ length: n }, () => Math.floor(rnd() * dims.p));
        const batch = makeTokenBatch(Int32Array.from(a), Int32Array.from(b), Int32Array.from(y), dims.p);
        for (const T of [1, 200]) {
          const g = ref64(layout, theta, null, a, b, y, T).g;
          const ref = ref64(layout, theta, g, a, b, y, T).Hv;
          // sanity: R-op vs float64 FD
          let gn = 0, tn = 0; for (let i = 0; i < g.length; i++) { gn += g[i] ** 2; tn += theta[i] ** 2; }
          const h = 1e-6 * Math.sqrt(tn / gn);
          const gp = ref64(layout, Float64Array.from(theta, (t, i) => t + h * g[i]), null, a, b, y, T).g;
          const gm = ref64(layout, Float64Array.from(theta, (t, i) => t - h * g[i]), null, a, b, y, T).g;
          let fe = 0, sc = 0; for (let i = 0; i < g.length; i++) { fe = Math.max(fe, Math.abs((gp[i] - gm[i]) / (2 * h) - ref[i])); sc = Math.max(sc, Math.abs(ref[i])); }
          const row: string[] = [`f64fd:${(fe / sc).toExponential(1)}`];
          for (const rel of [1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2]) {
            const { Hg } = graspHessianGradient(layout, theta, batch, { temperature: T, fdEps: rel });
            let err = 0, scale = 0;
            for (let k = 0; k < Hg.length; k++) { err = Math.max(err, Math.abs(Hg[k] - ref[k])); scale = Math.max(scale, Math.abs(ref[k])); }
            row.push(`${rel}:${(err / scale).toExponential(1)}`);
          }
          console.log(JSON.stringify(dims), seed, T, row.join(' '));
        }
        batch.dispose();
      }
    }
  });
});
