import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import '../setup-backend.ts';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { mlpLayout, torchMatrix, type Layout } from '../../src/model/layout.ts';
import { initTheta } from '../../src/model/init.ts';
import { makeTokenBatch } from '../../src/model/mlp.ts';
import { graspHessianGradient } from '../../src/prune/grasp.ts';

const NAMES = ['W_U', 'W_E', 'W_in', 'W_out'] as const;

function plainHvp(layout: Layout, flat: Float32Array, a: number[], b: number[], y: number[], T: number) {
  return tf.tidy(() => {
    const p = layout.dims.p;
    const mats = NAMES.map((n) => { const m = torchMatrix(layout, flat, n); return tf.tensor2d(m.data, [m.rows, m.cols]); });
    const Xa = tf.cast(tf.oneHot(tf.tensor1d(a, 'int32'), p), 'float32');
    const Xb = tf.cast(tf.oneHot(tf.tensor1d(b, 'int32'), p), 'float32');
    const Y = tf.cast(tf.oneHot(tf.tensor1d(y, 'int32'), p), 'float32');
    const f = (U: tf.Tensor, E: tf.Tensor, Win: tf.Tensor, Wout: tf.Tensor) => {
      const e = tf.add(tf.matMul(Xa, E, false, true), tf.matMul(Xb, E, false, true)) as tf.Tensor2D;
      const h = tf.relu(tf.matMul(e, Win, false, true)) as tf.Tensor2D;
      const logits = tf.div(tf.matMul(tf.matMul(h, Wout, false, true), U), T) as tf.Tensor2D;
      return tf.neg(tf.mean(tf.sum(tf.mul(tf.logSoftmax(logits), Y), 1))) as tf.Scalar;
    };
    const gradF = tf.grads(f as (...xs: tf.Tensor[]) => tf.Scalar);
    const g = gradF(mats).map((t) => tf.tensor(t.dataSync(), t.shape));
    const hvp = tf.grads(((...xs: tf.Tensor[]) => {
      const gs = gradF(xs);
      return tf.addN(gs.map((gi, i) => tf.sum(tf.mul(gi, g[i])))) as tf.Scalar;
    }) as (...xs: tf.Tensor[]) => tf.Scalar)(mats);
    return { g: g.map((t) => t.dataSync() as Float32Array), Hg: hvp.map((t) => t.dataSync() as Float32Array) };
  });
}

describe('explore', () => {
  it('fd vs autodiff', () => {
    for (const dims of [{ p: 5, dEmb: 6, dModel: 4 }, { p: 7, dEmb: 8, dModel: 6 }, { p: 23, dEmb: 60, dModel: 12 }]) {
      const layout = mlpLayout(dims);
      for (const seed of [1, 2, 3]) {
        const theta = initTheta(layout, seed);
        const n = 2 * dims.p;
        let s = seed * 77 + 1;
        const rnd = () => ((s = (s * 16807) % 2147483647) / 2147483647);
        const a = Array.from({ length: n }, () => Math.floor(rnd() * dims.p));
        const b = Array.from({ length: n }, () => Math.floor(rnd() * dims.p));
        const y = Array.from({ length: n }, () => Math.floor(rnd() * dims.p));
        const batch = makeTokenBatch(Int32Array.from(a), Int32Array.from(b), Int32Array.from(y), dims.p);
        for (const T of [1, 200]) {
          const ref = plainHvp(layout, theta, a, b, y, T);
          const row: string[] = [];
          for (const rel of [1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2]) {
            const { Hg } = graspHessianGradient(layout, theta, batch, { temperature: T, fdEps: rel });
            const hg = Float32Array.from(Hg);
            let err = 0, scale = 0;
            NAMES.forEach((nm, i) => {
              const ours = torchMatrix(layout, hg, nm).data;
              for (let k = 0; k < ours.length; k++) { err = Math.max(err, Math.abs(ours[k] - ref.Hg[i][k])); scale = Math.max(scale, Math.abs(ref.Hg[i][k])); }
            });
            row.push(`${rel}:${(err / scale).toExponential(1)}`);
          }
          console.log(JSON.stringify(dims), seed, T, row.join(' '));
        }
        batch.dispose();
      }
    }
  });
});
