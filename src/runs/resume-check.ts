import type { Layout } from '../models/layout.ts';
import type { TensorRecord } from '../store/safetensors.ts';
import { RESUME_FILE, type RunContext } from '../store/store.ts';

/**
 * A resume state is trusted only once it fits its run. Its checksum says the file is as it was
 * written, not that what was written makes sense: a bug or an edit that recomputed the checksum can
 * leave a step of 1e9 or −20, a NaN in θ, or vectors of another model. Resuming from such a state
 * would train garbage into a run stored as a result, so it is dropped and the run recomputed from
 * scratch, with one line saying why (RunContext.restart).
 */

export interface ResumeExpectation {
  layout: Layout;
  /**
   * The derivation brings its own stepper, whose state may be a multiple of the layout (edge-popup
   * keeps [scores, weights]); that stepper checks its exact length itself.
   */
  ownStepper: boolean;
  epochs: number;
  /** Optimiser steps per epoch (several with minibatches). */
  perEpoch: number;
  /** The columns of the run's log, stored as `log.<name>`. */
  logFields: readonly string[];
}

const isVector = (rec: TensorRecord, name: string, type: typeof Float32Array | typeof Float64Array): boolean =>
  rec.tensors[name] instanceof type && rec.shapes[name]?.length === 1;

/** What makes `rec` unfit to resume the run from, or null if nothing does. */
export function resumeProblem(rec: TensorRecord, e: ResumeExpectation): string | null {
  const maxStep = e.epochs * e.perEpoch;
  const raw = rec.meta.step;
  const step = Number(raw);
  if (raw === undefined || raw.trim() === '' || !Number.isInteger(step) || step < 0 || step > maxStep) {
    return `step ${raw} is not a whole number within 0…${maxStep} (${e.epochs} epochs of ${e.perEpoch} steps)`;
  }
  if (step % e.perEpoch !== 0) return `step ${step} is not at the end of an epoch (${e.perEpoch} steps each)`;

  for (const name of ['theta', 'm', 'v']) if (!isVector(rec, name, Float32Array)) return `${name} is missing or not a float32 vector`;
  const n = rec.tensors.theta.length;
  const size = e.layout.size;
  if (e.ownStepper ? n === 0 || n % size !== 0 : n !== size) {
    return `theta has ${n} entries; the layout (${e.layout.model}) has ${size}${e.ownStepper ? ' (or a multiple)' : ''}`;
  }
  for (const name of ['m', 'v']) if (rec.tensors[name].length !== n) return `${name} has ${rec.tensors[name].length} entries; theta has ${n}`;
  for (const name of ['theta', 'm', 'v']) {
    const t = rec.tensors[name];
    const i = t.findIndex((x) => !Number.isFinite(x));
    if (i >= 0) return `${name}[${i}] is ${t[i]}`;
  }

  for (const f of e.logFields) if (!isVector(rec, `log.${f}`, Float64Array)) return `log.${f} is missing or not a float64 vector`;
  // the log holds one train accuracy per epoch trained, and one row per evaluated epoch
  const trained = step / e.perEpoch;
  const every = rec.tensors['log.trainAccEvery'];
  if (every && every.length !== trained) return `log.trainAccEvery has ${every.length} entries for ${trained} epochs trained`;
  const evaluated = rec.tensors['log.epochs'];
  if (evaluated) {
    for (const f of e.logFields.filter((f) => f !== 'trainAccEvery' && f !== 'epochs')) {
      if (rec.tensors[`log.${f}`].length !== evaluated.length) return `log.${f} has ${rec.tensors[`log.${f}`].length} entries; log.epochs has ${evaluated.length}`;
    }
    const bad = evaluated.findIndex((x, i) => !Number.isInteger(x) || x < 0 || x >= trained || (i > 0 && x <= evaluated[i - 1]));
    if (bad >= 0) return `log.epochs[${bad}] is ${evaluated[bad]}, not an epoch below ${trained} after the one before`;
  }
  return null;
}

/** The run's resume state if it fits the run; otherwise null, after the run's earlier progress is dropped. */
export async function checkedResume(ctx: RunContext, e: ResumeExpectation): Promise<TensorRecord | null> {
  const rec = await ctx.loadResume();
  const problem = rec && resumeProblem(rec, e);
  if (!problem) return rec;
  await ctx.restart(`${RESUME_FILE}: ${problem}`);
  return null;
}
