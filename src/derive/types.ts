import type { z } from 'zod';
import type { LossDef } from '../losses/types.ts';
import type { Layout } from '../models/layout.ts';
import type { ModelDef } from '../models/types.ts';
import type { AdamWConfig } from '../optim/adamw.ts';
import type { Registered } from '../registry.ts';
import type { Split } from '../tasks/types.ts';
import type { ResumeState, Stepper } from '../train/loop.ts';

/** What a derivation works from: the derived run's network and data, and its base run's snapshots. */
export interface DeriveContext {
  /** The `derive` group of the run's config, already validated by the derivation's `fields`. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each derivation narrows it to its own fields
  derive: any;
  model: ModelDef;
  loss: LossDef;
  layout: Layout;
  split: Split;
  outputSize: number;
  optim: AdamWConfig;
  /** θ after `epoch` updates of the base run (0 = its θ0; 'final' = the last). */
  baseSnapshot(epoch: number | 'final'): Promise<Float32Array>;
}

/** A derived run's start: θ0, an optional fixed mask, and (edge-popup) its own stepper. */
export interface Prepared {
  theta0: Float32Array;
  mask?: Float32Array;
  /** Sweeps to extreme ratios may prune a whole layer; anywhere else that is an error. */
  allowEmptyLayers?: boolean;
  /** Recorded in the run's meta.json (e.g. the norm ratio). */
  meta?: { keepFraction?: number; normRatio?: number };
  /** Default: dense training of θ0 under the mask. */
  stepper?: (resumed: ResumeState | null) => Stepper;
}

/**
 * A run derived from a trained dense run (open_lth's "branch"): the grokking ticket and its
 * controls. Registered under its method name with its own config fields and source files.
 */
export interface DerivationDef extends Registered {
  description: string;
  paperRef: string;
  /** The derive group's fields besides `method` and `base`, with their defaults. */
  fields: z.ZodRawShape;
  /** Its `prepare` returns a stepper of its own (a tfjs one): its runs train on the tfjs engine. */
  ownStepper?: boolean;
  prepare(ctx: DeriveContext): Promise<Prepared>;
}
