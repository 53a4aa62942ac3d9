import type { LossDef } from '../losses/types.ts';
import type { Layout } from '../models/layout.ts';
import type { ModelDef } from '../models/types.ts';
import type { AdamWConfig } from '../optim/adamw.ts';
import type { Split } from '../tasks/types.ts';
import type { LaneStepper, ResumeState, RunLog } from '../train/loop.ts';
import type { Norms } from '../train/norms.ts';

/**
 * The engine seam: all of a run's numerical work goes through a Session, so the loop, the store,
 * checkpoints and claims never see which engine computed it. An engine is one folder under
 * src/engines/ (tfjs/, native/) that opens sessions; `src/engines/choose.ts` picks one per run.
 */

/** A forward pass's metrics for one lane: the loss (NaN when not asked), accuracy, finiteness of the output. */
export interface Evaluated { loss: number; acc: number; finite: boolean }

/** How the weights train: AdamW on θ ⊙ M per lane (every engine), or a tfjs stepper of its own (edge-popup). */
export type Training =
  | { kind: 'dense'; optim: AdamWConfig; lanes: { theta0: Float32Array; mask: Float32Array | null }[] }
  | { kind: 'stepper'; stepper(resumed: (ResumeState | null)[]): LaneStepper };

export interface SessionSpec {
  model: ModelDef;
  loss: LossDef;
  layout: Layout;
  outputSize: number;
  /** One split per lane (the same object where runs share their data). */
  splits: Split[];
  training: Training;
}

/** One run, or a population's lanes, in an engine's memory. */
export interface Session {
  /** Optimiser steps taken so far. */
  readonly step: number;
  /** A forward on the whole training set with the current weights; the next `update` descends from it. */
  forwardTrain(withLoss: boolean): Evaluated[];
  /** One optimiser step from the last `forwardTrain`. */
  update(): void;
  /** Metrics of the current weights on a set, loss included. */
  evaluate(set: 'train' | 'test'): Evaluated[];
  /** The logged norms of the current weights (spec §3.4), per lane. */
  norms(): Norms[];
  /** One optimiser step on these training examples (a minibatch; one lane). */
  stepOn(indices: Int32Array): void;
  /** θ_t of a lane, flat, layout order. */
  snapshot(lane: number): Float32Array;
  resumeState(lane: number, log: RunLog): ResumeState;
  dispose(): void;
}

export interface Engine {
  /** 'tfjs' or 'native'. */
  name: string;
  /** Why this engine cannot train the run (null: it can). */
  refuses(run: { model: ModelDef; loss: LossDef; training: Training['kind']; lanes: number }): string | null;
  open(spec: SessionSpec, resumed: (ResumeState | null)[]): Session;
}
