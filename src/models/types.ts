import type * as tf from '@tensorflow/tfjs-core';
import type { z } from 'zod';
import type { Registered } from '../registry.ts';
import type { Examples, InputKind, TaskShape } from '../tasks/types.ts';
import type { Layout, Params } from './layout.ts';

/**
 * Tensors of one fixed example set, uploaded once: the model's inputs (`model.inputs`) and the
 * loss's targets (`loss.targets`) side by side, plus n. Each model and loss reads its own keys.
 */
export interface Batch {
  n: number;
  [key: string]: unknown;
}

/** A forward pass: the output [B, outputSize] and whatever the hand-written backward needs. */
export interface Forward {
  out: tf.Tensor2D;
  [key: string]: unknown;
}

export interface ModelDef<C = any> extends Registered {
  description: string;
  paperRef: string;
  /** The model group's fields (without `name`), with their defaults. */
  schema: z.ZodObject<any>;
  accepts: InputKind[];
  /** false when the output cannot depend on the order of the tokens (the MLP sums embeddings). */
  orderAware: boolean;
  layout(cfg: C, shape: TaskShape): Layout;
  /** θ0 for a seed; default `initTheta` (N(0, κ/√fan_in) per layer, κ = cfg.weightScale ?? 1). */
  init?(layout: Layout, seed: number, cfg: C): Float32Array;
  /** The model's input tensors for a fixed example set. */
  inputs(ex: Examples, layout: Layout): Record<string, tf.Tensor>;
  /** `params` are the effective (masked) weights, one tensor per layout layer; call inside tf.tidy. */
  forward(params: Params, batch: Batch, layout: Layout): Forward;
  /**
   * ∂L/∂params given G = ∂L/∂out, in layout order (call inside tf.tidy). Optional: without it
   * gradients come from tfjs autodiff of `forward`. A hand-written backward lives in the model's
   * own file and is property-tested against autodiff on the same model.
   */
  backward?(fwd: Forward, G: tf.Tensor2D, batch: Batch, layout: Layout): Params;
  /**
   * Present when `forward` and `backward` also train a population: each parameter with a leading
   * lane axis [N, …shape], these inputs (one example set per lane, all of one size; the same object
   * where runs share their data), and an output [N, B, outputSize]. Lane n must compute what the
   * model computes for run n alone, in the same order of operations (test/train/population.test.ts).
   */
  lanes?: { inputs(exs: Examples[], layout: Layout): Record<string, tf.Tensor> };
  /** Bytes of the largest intermediate per example, for the memory bound (default: outputSize·4·8). */
  bytesPerExample?(layout: Layout): number;
}
