import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import '../setup-backend.ts';
import { crossEntropyGrad, crossEntropyTargets, FLT_MIN } from '../../src/losses/cross-entropy.ts';

/**
 * A memorised network without weight decay: the label's logit leads the others by 80–86, so the
 * wrong-class probabilities are ~1e-35…1e-38 and, divided by the batch size, would be subnormal
 * (slow on wasm, see flushBelow). The gradient must hold no subnormal, and what it feeds (the
 * matmuls of the backward) must not change.
 */
describe('cross-entropy gradient of a memorised network', () => {
  const n = 120;
  const c = 67;
  const labels = Int32Array.from({ length: n }, (_, i) => (i * 7) % c);
  const logitsData = new Float32Array(n * c);
  for (let i = 0; i < n; i++) for (let j = 0; j < c; j++) logitsData[i * c + j] = j === labels[i] ? 80 + ((i * 13 + j) % 7) : ((i + j) % 5) * 0.3;
  const subnormals = (a: ArrayLike<number>) => Array.from(a).filter((x) => x !== 0 && Math.abs(x) < FLT_MIN).length;
  /** The gradient as it was before the flush: the reference its products must equal. */
  const unflushed = (logits: tf.Tensor2D, batch: { Y: tf.Tensor2D; notY: tf.Tensor2D; n: number }) =>
    tf.tidy(() => {
      const others = tf.mul(tf.softmax(logits), batch.notY);
      return tf.div(tf.sub(others, tf.mul(batch.Y, tf.sum(others, 1, true))), batch.n) as tf.Tensor2D;
    });

  it('holds no subnormal value; it keeps every entry ≥ 2·FLT_MIN exactly, and moves the backward products by at most the dropped mass', () => {
    const before = tf.memory().numTensors;
    const logits = tf.tensor2d(logitsData, [n, c]);
    const batch = { ...crossEntropyTargets(labels, c), n };
    const G = tf.tidy(() => crossEntropyGrad(logits, batch));
    const G0 = unflushed(logits, batch);
    expect(subnormals(G0.dataSync())).toBeGreaterThan(1000); // the case exists
    expect(subnormals(G.dataSync())).toBe(0);
    const H = tf.tensor2d(Float32Array.from({ length: n * 48 }, (_, k) => ((k * 37) % 101) / 10), [n, 48]);
    const Q = tf.tensor2d(Float32Array.from({ length: c * 48 }, (_, k) => ((k * 53) % 97) / 50 - 1), [c, 48]);
    const prods = (g: tf.Tensor2D) => tf.tidy(() => [tf.matMul(tf.transpose(H), g), tf.matMul(g, Q)].map((t) => t.dataSync()));
    const [a, b] = [prods(G), prods(G0)];
    const g = G.dataSync(), g0 = G0.dataSync();
    let dropped = 0;
    let changed = 0;
    for (let k = 0; k < g.length; k++) {
      if (g[k] === g0[k]) continue;
      // only entries at the subnormal edge go (the limit is compared before the division by n)
      if (g[k] !== 0 || Math.abs(g0[k]) >= 2 * FLT_MIN) changed++;
      dropped += Math.abs(g0[k]);
    }
    expect(changed).toBe(0);
    // |Σ x·g − Σ x·g0| ≤ max|x| · Σ|dropped| (+ float32 rounding of sums this small): ~1e-35 at most
    const bound = 10 * dropped + 64 * FLT_MIN;
    for (let m = 0; m < 2; m++) for (let k = 0; k < a[m].length; k++) expect(Math.abs(a[m][k] - b[m][k])).toBeLessThanOrEqual(bound);
    tf.dispose([logits, batch.Y, batch.notY, G, G0, H, Q]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
