import * as tf from '@tensorflow/tfjs-core';
import { it } from 'vitest';
import '../setup-backend.ts';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
function hvp(f: (w: tf.Tensor) => tf.Scalar, w: tf.Tensor, v: tf.Tensor) {
  const gf = tf.grad(f);
  return tf.grad((x: tf.Tensor) => tf.sum(tf.mul(gf(x), v)) as tf.Scalar)(w).dataSync();
}
function fd(f: (w: tf.Tensor) => tf.Scalar, w: tf.Tensor, v: tf.Tensor) {
  const gf = tf.grad(f); const h = 1e-2;
  return tf.div(tf.sub(gf(tf.add(w, tf.mul(v, h))), gf(tf.sub(w, tf.mul(v, h)))), 2 * h).dataSync();
}
it('probe', () => {
  console.log(tf.getBackend());
  const w = tf.tensor2d([[0.3, -0.2], [0.5, 0.1]]); const v = tf.tensor2d([[1, 0.5], [-0.3, 0.2]]);
  const X = tf.tensor2d([[1, 2], [0.5, -1]]);
  const cases: Record<string, (w: tf.Tensor) => tf.Scalar> = {
    cube: (w) => tf.sum(tf.pow(w, 3)) as tf.Scalar,
    mulself: (w) => tf.sum(tf.mul(tf.mul(w, w), w)) as tf.Scalar,
    matmulSq: (w) => tf.sum(tf.square(tf.matMul(X, w))) as tf.Scalar,
    matmulWW: (w) => tf.sum(tf.matMul(w, w)) as tf.Scalar,
    matmulWWt: (w) => tf.sum(tf.square(tf.matMul(w, w, false, true))) as tf.Scalar,
    exp: (w) => tf.sum(tf.exp(w)) as tf.Scalar,
    logsumexp: (w) => tf.sum(tf.logSumExp(w, 1)) as tf.Scalar,
    logsoftmax: (w) => tf.sum(tf.mul(tf.logSoftmax(w), X)) as tf.Scalar,
    relu: (w) => tf.sum(tf.pow(tf.relu(w), 3)) as tf.Scalar,
    mean: (w) => tf.mean(tf.square(w)) as tf.Scalar,
  };
  for (const [k, f] of Object.entries(cases)) try { console.log(k, Array.from(hvp(f, w, v)).map((x) => x.toFixed(4)).join(','), '|', Array.from(fd(f, w, v)).map((x) => x.toFixed(4)).join(','));} catch (e) { console.log(k, '| ERR', String(e).slice(0, 80)); }
});
