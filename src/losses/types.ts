import type * as tf from '@tensorflow/tfjs-core';
import type { Registered } from '../registry.ts';
import type { Batch } from '../models/types.ts';
import type { Examples } from '../tasks/types.ts';

/** A loss on the model's output [B, outputSize]; its targets are uploaded once with the batch. */
export interface LossDef extends Registered {
  description: string;
  targets(ex: Examples, outputSize: number): Record<string, tf.Tensor | Int32Array>;
  /** Mean loss over the batch (call inside tf.tidy); per lane [N] for a population. */
  value(out: tf.Tensor2D, batch: Batch): tf.Tensor;
  /** ∂(mean loss)/∂out (call inside tf.tidy). */
  grad(out: tf.Tensor2D, batch: Batch): tf.Tensor2D;
  /** Fraction of rows whose argmax is the label; NaN when the task has no labels. */
  accuracy(out: tf.Tensor2D, batch: Batch): number;
  /**
   * Present when the loss also takes a population's output [N, B, C] (src/train/loop.ts): `value`
   * then gives one mean per lane [N] and `grad` is taken lane by lane. `targets` here are those of one
   * example set per lane (the same object where runs share their data).
   */
  lanes?: {
    targets(exs: Examples[], outputSize: number): Record<string, tf.Tensor | Int32Array>;
    accuracy(out: tf.Tensor2D, batch: Batch): number[];
  };
}
