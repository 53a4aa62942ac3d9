import * as tf from '@tensorflow/tfjs-core';
import type { Batch } from '../models/types.ts';
import { registerLoss } from './registry.ts';

/**
 * Binary cross-entropy on one logit z per example (torch's BCEWithLogitsLoss, mean over the
 * batch), the loss of the paper's IMDb LSTM (App. J). Computed from the logit, never from a
 * sigmoid that has rounded to 0 or 1: L = max(z, 0) − z·y + log(1 + e^−|z|), ∂L/∂z = (σ(z) − y) / B.
 * Accuracy: the prediction is z > 0.
 */
type BceBatch = Batch & { y: tf.Tensor2D; labels: Int32Array };

registerLoss({
  name: 'binaryCrossEntropy',
  description: 'mean binary cross-entropy on one logit per example (torch BCEWithLogitsLoss)',
  source: import.meta.url,
  targets(ex, outputSize) {
    if (outputSize !== 1) throw new Error(`loss binaryCrossEntropy: needs one output (a logit), the task gives ${outputSize}`);
    if (!ex.labels) throw new Error('loss binaryCrossEntropy: the task gives no labels');
    const bad = ex.labels.find((l) => l !== 0 && l !== 1);
    if (bad !== undefined) throw new Error(`loss binaryCrossEntropy: label ${bad} is not 0 or 1`);
    return { y: tf.tensor2d(Float32Array.from(ex.labels), [ex.n, 1]), labels: Int32Array.from(ex.labels) };
  },
  value: (z, batch) => {
    const { y } = batch as BceBatch;
    return tf.mean(tf.add(tf.sub(tf.relu(z), tf.mul(z, y)), tf.softplus(tf.neg(tf.abs(z))))) as tf.Scalar;
  },
  grad: (z, batch) => tf.div(tf.sub(tf.sigmoid(z), (batch as BceBatch).y), batch.n) as tf.Tensor2D,
  accuracy: (z, batch) => {
    const { labels, n } = batch as BceBatch;
    const v = z.dataSync();
    let correct = 0;
    for (let i = 0; i < n; i++) if ((v[i] > 0 ? 1 : 0) === labels[i]) correct++;
    return correct / n;
  },
});
