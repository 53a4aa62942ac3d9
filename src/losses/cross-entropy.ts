import * as tf from '@tensorflow/tfjs-core';
import type { Batch } from '../models/types.ts';
import type { Examples } from '../tasks/types.ts';
import { registerLoss } from './registry.ts';

/** Class targets: one-hot labels Y [B, C], 1 − Y, and the labels for accuracy. */
export interface CrossEntropyTargets {
  Y: tf.Tensor2D;
  notY: tf.Tensor2D;
  labels: Int32Array;
}

export function crossEntropyTargets(labels: Int32Array, classes: number): CrossEntropyTargets {
  const n = labels.length;
  const oneHot = new Float32Array(n * classes);
  for (let i = 0; i < n; i++) oneHot[i * classes + labels[i]] = 1;
  return { Y: tf.tensor2d(oneHot, [n, classes]), notY: tf.tensor2d(oneHot.map((v) => 1 - v), [n, classes]), labels: Int32Array.from(labels) };
}

type CeBatch = Pick<CrossEntropyTargets, 'Y' | 'notY'> & { n: number };

/**
 * ∂(mean cross-entropy)/∂logits = (softmax − onehot) / B, with the label entry computed as
 * −Σ(other probabilities). In float32, softmax − 1 at a memorised label is exactly 0 once the
 * probability rounds to 1, which silently drops half of the tiny post-memorisation gradient that
 * drives grokking; the authors avoid this by computing the loss in float64 (spec §3.1).
 */
export function crossEntropyGrad(logits: tf.Tensor2D, batch: CeBatch): tf.Tensor2D {
  // axis −1: the classes, also of a population's [N, B, C] output
  const others = tf.mul(tf.softmax(logits), batch.notY);
  const atLabel = tf.mul(batch.Y, tf.sum(others, -1, true));
  return tf.div(flushBelow(tf.sub(others, atLabel), batch.n * FLT_MIN), batch.n) as tf.Tensor2D;
}

/** The smallest normal float32; below it values are subnormal. */
export const FLT_MIN = 1.1754943508222875e-38;

/**
 * Zeroes the entries of `t` with |t| < `limit` (`limit` ≥ FLT_MIN), so that dividing by the batch
 * size yields no subnormal float32. Why: wasm has no flush-to-zero mode, and every arithmetic op on
 * a subnormal costs ~100 cycles. Without weight decay the memorised network's wrong-class
 * probabilities fall to ~1e-35, 7 % of ∂L/∂logits became subnormal after the division, and the two
 * matmuls that read it ran 10× slower (3000 epochs in: 13 ms/epoch instead of 4). The entries
 * dropped are below 1.2e-38 after the division; measured on such a run, the products with and
 * without them are bit-identical (test/losses/cross-entropy.test.ts keeps it so). The sum at the
 * label is taken before the flush, so the label entry stays exact.
 */
export function flushBelow(t: tf.Tensor2D, limit: number): tf.Tensor2D {
  // t · step(|t| − limit), not tf.where: where() tiles its scalar 0 to t's shape, 8 ms per call on wasm
  return tf.tidy(() => tf.mul(t, tf.step(tf.sub(tf.abs(t), tf.scalar(limit)))) as tf.Tensor2D);
}

/**
 * Mean cross-entropy, via a stable log-sum-exp (float32; the authors cast to float64, spec §3.1).
 * A scalar for logits [B, C]; one mean per lane [N] for a population's [N, B, C], summed over the
 * same B·C entries in the same order as each run alone.
 */
export function crossEntropyLoss(logits: tf.Tensor2D, batch: CeBatch): tf.Tensor {
  const logp = tf.sub(logits, tf.logSumExp(logits, -1, true));
  return tf.div(tf.neg(tf.sum(tf.mul(logp, batch.Y), [-2, -1])), batch.n);
}

/** Fraction of rows whose argmax (first index on ties, as torch) is the label. */
export function accuracy(logits: tf.Tensor2D, batch: { n: number; labels: Int32Array }): number {
  return laneAccuracy(logits, batch)[0];
}

/** The accuracy of each lane of [N, B, C] logits (labels: N·B, lane by lane), or of [B, C] as one lane. */
export function laneAccuracy(logits: tf.Tensor2D, batch: { n: number; labels: Int32Array }): number[] {
  const am = tf.argMax(logits, -1);
  const pred = am.dataSync();
  am.dispose();
  const lanes = pred.length / batch.n;
  return Array.from({ length: lanes }, (_, lane) => {
    let correct = 0;
    for (let i = lane * batch.n; i < (lane + 1) * batch.n; i++) if (pred[i] === batch.labels[i]) correct++;
    return correct / batch.n;
  });
}

/**
 * A population's targets. Runs that share their data (one Examples object) share Y and 1 − Y,
 * [B, C], broadcast over the lanes; otherwise they are stacked [N, B, C].
 */
function laneTargets(exs: Examples[], classes: number): CrossEntropyTargets {
  const labels = exs.map((e) => {
    if (!e.labels) throw new Error('loss crossEntropy: the task gives no class labels');
    return e.labels;
  });
  const all = new Int32Array(labels.reduce((a, l) => a + l.length, 0));
  labels.forEach((l, i) => all.set(l, i * l.length));
  if (exs.every((e) => e === exs[0])) return { ...crossEntropyTargets(labels[0], classes), labels: all };
  const t = crossEntropyTargets(all, classes);
  const shape = [exs.length, exs[0].n, classes];
  const stacked = { Y: tf.reshape(t.Y, shape) as unknown as tf.Tensor2D, notY: tf.reshape(t.notY, shape) as unknown as tf.Tensor2D, labels: all };
  tf.dispose([t.Y, t.notY]);
  return stacked;
}

registerLoss({
  name: 'crossEntropy',
  description: 'mean softmax cross-entropy over the classes (spec §3.1)',
  source: import.meta.url,
  targets(ex, outputSize) {
    if (!ex.labels) throw new Error('loss crossEntropy: the task gives no class labels');
    return { ...crossEntropyTargets(ex.labels, outputSize) };
  },
  value: (out, batch) => crossEntropyLoss(out, batch as Batch & CeBatch),
  grad: (out, batch) => crossEntropyGrad(out, batch as Batch & CeBatch),
  accuracy: (out, batch) => accuracy(out, batch as Batch & { labels: Int32Array }),
  lanes: {
    targets: (exs, outputSize) => ({ ...laneTargets(exs, outputSize) }),
    accuracy: (out, batch) => laneAccuracy(out, batch as Batch & { labels: Int32Array }),
  },
});
