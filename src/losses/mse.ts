import * as tf from '@tensorflow/tfjs-core';
import type { Batch } from '../models/types.ts';
import { accuracy } from './cross-entropy.ts';
import { registerLoss } from './registry.ts';

/**
 * Mean squared error over all B × outputSize entries (torch's `MSELoss()` default, the authors'
 * MNIST loss against one-hot targets; spec §3.5). Accuracy is defined when the task has labels.
 */
type MseBatch = Batch & { T: tf.Tensor2D; labels?: Int32Array };

registerLoss({
  name: 'mse',
  description: 'mean squared error over every output entry (torch MSELoss)',
  source: import.meta.url,
  targets(ex, outputSize) {
    if (ex.kind !== 'vectors') {
      const T = new Float32Array(ex.n * outputSize);
      for (let i = 0; i < ex.n; i++) T[i * outputSize + ex.labels[i]] = 1;
      return { T: tf.tensor2d(T, [ex.n, outputSize]), labels: ex.labels };
    }
    return { T: tf.tensor2d(ex.targets, [ex.n, outputSize]), ...(ex.labels ? { labels: ex.labels } : {}) };
  },
  value: (out, batch) => tf.mean(tf.squaredDifference(out, (batch as MseBatch).T)) as tf.Scalar,
  grad: (out, batch) => tf.mul(tf.sub(out, (batch as MseBatch).T), 2 / out.size) as tf.Tensor2D,
  accuracy: (out, batch) => {
    const b = batch as MseBatch;
    return b.labels ? accuracy(out, { n: b.n, labels: b.labels }) : Number.NaN;
  },
});
