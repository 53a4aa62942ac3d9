import type { z } from 'zod';
import type { Registered } from '../registry.ts';

/** What a task feeds a model. Tokens: one column of token ids per position, ids < vocab. */
export interface TokenExamples {
  kind: 'tokens';
  n: number;
  vocab: number;
  tokens: Int32Array[];
  /** Class labels in [0, outputSize). */
  labels: Int32Array;
}

/** Real-valued inputs [n, dim] and targets [n, outputSize] (regression, or one-hot for MSE). */
export interface VectorExamples {
  kind: 'vectors';
  n: number;
  dim: number;
  x: Float32Array;
  targets: Float32Array;
  /** Class labels when the targets are one-hot (accuracy is then defined). */
  labels?: Int32Array;
}

export type Examples = TokenExamples | VectorExamples;
export type InputKind = Examples['kind'];

/** The shape of a task's data, which a model's layout is built from. */
export interface TaskShape {
  inputKind: InputKind;
  /** tokens: vocabulary size and sequence length. */
  vocab?: number;
  positions?: number;
  /** vectors: input dimension. */
  inputDim?: number;
  outputSize: number;
  /** false when f(a, b) ≠ f(b, a) for some pair (a model blind to token order cannot learn it). */
  commutative?: boolean;
}

/**
 * When a run counts as having memorised / generalised (spec §3.7): the first epoch at which the
 * train (test) metric crosses the threshold. Accuracy rises above it; a loss falls below it.
 */
export type Milestone = { metric: 'accuracy'; threshold: number } | { metric: 'loss'; threshold: number };

export interface Split {
  train: Examples;
  test: Examples;
}

export interface TaskDef<C = any> extends Registered {
  description: string;
  paperRef: string;
  /** The data group's fields (without `task`), with their defaults. */
  schema: z.ZodObject<any>;
  /** Registered loss name. */
  loss: string;
  milestone: Milestone;
  /** The model a run of this task gets when none is named. */
  defaultModel: string;
  shape(cfg: C): TaskShape;
  /** Cross-field problems as "field: value is invalid (why)" lines. */
  check?(cfg: C): string[];
  /**
   * How many train and test examples `make` gives, without making them (cheap arithmetic): config
   * validation refuses an empty set and bounds memory with it before anything is built.
   */
  size?(cfg: C): { train: number; test: number };
  make(cfg: C): Split;
}
