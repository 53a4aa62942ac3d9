import * as tf from '@tensorflow/tfjs-core';
import type { LossDef } from '../losses/types.ts';
import type { Layout, Params } from '../models/layout.ts';
import { modelInputs, paramGradients } from '../models/registry.ts';
import type { Batch, Forward, ModelDef } from '../models/types.ts';
import type { AdamWState } from '../optim/adamw.ts';
import type { Examples, Split } from '../tasks/types.ts';
import { epochBatches, stepsPerEpoch, subsetExamples, type Minibatch } from './minibatch.ts';
import type { Norms } from './norms.ts';

/**
 * The training loop (spec §3.3), one for every model, task and method: full batch, one optimiser
 * step per epoch, metrics logged BEFORE the update of their epoch. With `minibatch` (sparse parity)
 * an epoch is instead one pass over a seeded order of the training set, one step per batch, and
 * its metrics are those of the whole training set before the epoch's first step. It reads top to
 * bottom: data, state, loop (forward, eval, backward, step, save), final eval. What differs between a dense run,
 * a ticket and edge-popup is the stepper: which weights the network computes with this step, and
 * how a gradient on those weights becomes an update (steppers/).
 */

export interface RunLog {
  /** Epochs with test metrics: 0, evalEvery, 2·evalEvery, … and the final epoch `epochs`. */
  epochs: number[];
  trainLoss: number[]; trainAcc: number[]; testLoss: number[]; testAcc: number[];
  l1: number[]; l2: number[]; l1Mask: number[]; l2Mask: number[];
  /** Train accuracy at every epoch 0…epochs (free: from the training forward). */
  trainAccEvery: number[];
  /** Set when training stopped because it diverged; the columns above end before that epoch. */
  diverged?: Divergence;
}

/**
 * The first epoch whose network output, loss or weight norms are not finite (a too large learning
 * rate or weight decay). Training stops there: the run is a result (it never generalises), stored
 * like any other, not an error that would recur on every request. JSON cannot carry NaN, and
 * nothing of that epoch is logged.
 */
export interface Divergence {
  epoch: number;
  /** What was found non-finite, e.g. "trainLoss is NaN". */
  reason: string;
}

/** Where an interrupted run picks up: the stepper's state, the optimiser's and the log so far. */
export interface ResumeState {
  theta: Float32Array;
  optim: AdamWState;
  log: RunLog;
}

/** The weights the network computes with in one step, and the norms to log for them. */
export interface StepView {
  eff: Params;
  norms(): Norms;
  /** Frees what the view allocated (after the update). */
  release(): void;
}

export interface Stepper {
  /** Updates taken so far (the epoch to run next). */
  readonly step: number;
  view(): StepView;
  /** One optimiser step from ∂L/∂eff of `view`; consumes `gEff`. */
  update(gEff: Params, view: StepView): void;
  /** What is stored as θ_t (the weights the network computes with, flat, layout order). */
  snapshot(): Float32Array;
  resumeState(log: RunLog): ResumeState;
  dispose(): void;
}

export interface LoopSpec {
  model: ModelDef;
  loss: LossDef;
  layout: Layout;
  split: Split;
  outputSize: number;
  /** Builds the stepper, fresh or from the resume state. */
  stepper(resumed: ResumeState | null): Stepper;
  epochs: number;
  /** Test metrics and norms every this many epochs (train accuracy is logged every epoch). */
  evalEvery: number;
  /** Parameter snapshots (θ after t updates) every this many epochs, plus 0 and the final epoch. */
  snapshotEvery: number;
  /** Minibatch SGD in a seeded order; absent (or a batch ≥ the training set): full batch. */
  minibatch?: Minibatch;
}

export interface Progress {
  epoch: number; epochs: number; trainAcc: number; testAcc: number | null; msPerStep: number;
}

export interface TrainIO {
  loadResume(): Promise<ResumeState | null>;
  saveResume(state: ResumeState): Promise<void>;
  saveSnapshot(epoch: number, theta: Float32Array): Promise<void>;
  /** Interrupting loses at most this many epochs. */
  resumeEvery: number;
  onProgress?(p: Progress): void;
  /** Test hook: stop (as if killed) after this epoch, without finishing. */
  stopAfterEpoch?: number;
}

function emptyLog(): RunLog {
  return { epochs: [], trainLoss: [], trainAcc: [], testLoss: [], testAcc: [], l1: [], l2: [], l1Mask: [], l2Mask: [], trainAccEvery: [] };
}

export interface Evaluated { loss: number; acc: number; finite: boolean }

/** x·0 is 0 for every finite x and NaN for NaN and ±∞, so the sum is 0 iff all are finite (no overflow). */
function allFinite(t: tf.Tensor): boolean {
  const probe = tf.tidy(() => tf.sum(tf.mul(t, tf.scalar(0))));
  const v = probe.dataSync()[0];
  probe.dispose();
  return v === 0;
}

/** The first non-finite value among the named ones, as a reason; null when all are finite. */
function nonFinite(values: Record<string, number>, outputFinite = true): string | null {
  if (!outputFinite) return 'the network output is not finite (NaN or ±Infinity)';
  for (const [name, v] of Object.entries(values)) if (!Number.isFinite(v)) return `${name} is ${v}`;
  return null;
}

/** A fixed example set as tensors: the model's inputs and the loss's targets. */
export function makeBatch(model: ModelDef, loss: LossDef, ex: Examples, layout: Layout, outputSize: number): Batch & { dispose(): void } {
  const inputs = modelInputs(model, ex, layout);
  const targets = loss.targets(ex, outputSize);
  return { ...inputs, ...targets, n: ex.n, dispose: () => { inputs.dispose(); tf.dispose(Object.values(targets).filter((t): t is tf.Tensor => t instanceof tf.Tensor)); } };
}

/** Loss and accuracy of the (masked) parameters on a whole set. */
function evaluate(model: ModelDef, loss: LossDef, layout: Layout, eff: Params, batch: Batch): Evaluated {
  const out = tf.tidy(() => model.forward(eff, batch, layout).out);
  const lossT = tf.tidy(() => loss.value(out, batch));
  const res = { loss: lossT.dataSync()[0], acc: loss.accuracy(out, batch), finite: allFinite(out) };
  tf.dispose([out, lossT]);
  return res;
}

/** Appends one evaluated epoch to the log (the columns of spec §3.3). */
function recordEval(log: RunLog, epoch: number, train: Evaluated, test: Evaluated, norms: Norms): void {
  log.epochs.push(epoch);
  log.trainLoss.push(train.loss); log.trainAcc.push(train.acc);
  log.testLoss.push(test.loss); log.testAcc.push(test.acc);
  log.l1.push(norms.l1); log.l2.push(norms.l2); log.l1Mask.push(norms.l1Mask); log.l2Mask.push(norms.l2Mask);
}

/** Frees every tensor a forward pass made; the weights it was given belong to the stepper. */
function disposeExcept(container: unknown, keep: Params): void {
  const kept = new Set<tf.Tensor>(keep);
  const walk = (v: unknown): void => {
    if (v instanceof tf.Tensor) {
      if (!kept.has(v)) v.dispose();
    } else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') Object.values(v).forEach(walk);
  };
  walk(container);
}

export async function trainLoop(spec: LoopSpec, io: TrainIO): Promise<RunLog | null> {
  const { model, loss, layout, split, epochs, evalEvery, snapshotEvery } = spec;

  // data, uploaded once
  const trainBatch = makeBatch(model, loss, split.train, layout, spec.outputSize);
  const testBatch = makeBatch(model, loss, split.test, layout, spec.outputSize);

  // state: fresh from θ0, or where the last resume checkpoint left it
  const resumed = await io.loadResume();
  const stepper = spec.stepper(resumed);
  const log = resumed?.log ?? emptyLog();
  if (!resumed) await io.saveSnapshot(0, stepper.snapshot());

  /** Evaluates on the test set; records the epoch unless something is non-finite (then: why). */
  const logEval = (epoch: number, view: StepView, train: Evaluated): { test: Evaluated; diverged: string | null } => {
    const test = evaluate(model, loss, layout, view.eff, testBatch);
    const norms = view.norms();
    const diverged = nonFinite({ trainLoss: train.loss, testLoss: test.loss, ...norms }, train.finite && test.finite);
    if (!diverged) recordEval(log, epoch, train, test, norms);
    return { test, diverged };
  };

  let lastTestAcc: number | null = log.testAcc.length ? log.testAcc[log.testAcc.length - 1] : null;
  const nTrain = split.train.n;
  const mb = spec.minibatch && spec.minibatch.size < nTrain ? spec.minibatch : null;
  // resume states are saved at the end of an epoch, so this is a whole number
  const perEpoch = mb ? stepsPerEpoch(nTrain, mb.size) : 1;

  /** One optimiser step from a forward on `batch`; frees the forward and the view. */
  const descend = (view: StepView, fwd: Forward, batch: Batch) => {
    const gEff = tf.tidy(() => paramGradients(model, fwd, loss.grad(fwd.out, batch), view.eff, batch, layout));
    stepper.update(gEff, view);
    disposeExcept(fwd, view.eff);
    view.release();
  };
  const forwardOn = (view: StepView, batch: Batch) => tf.tidy(() => model.forward(view.eff, batch, layout) as unknown as tf.TensorContainer) as unknown as Forward;

  const t0 = performance.now();
  const startEpoch = stepper.step / perEpoch;
  try {
    for (let epoch = startEpoch; epoch < epochs; epoch++) {
      let trainAcc: number;
      // a non-finite output, loss or norm ends the run at this epoch: divergence is a result
      const stop = (reason: string): RunLog => {
        log.diverged = { epoch, reason };
        return log;
      };
      if (!mb) {
        // one full-batch step; the accuracy of its forward is this epoch's (pre-update) train accuracy
        const view = stepper.view();
        const fwd = forwardOn(view, trainBatch);
        if (!allFinite(fwd.out)) {
          disposeExcept(fwd, view.eff);
          view.release();
          return stop(nonFinite({}, false)!);
        }
        trainAcc = loss.accuracy(fwd.out, trainBatch);
        if (epoch % evalEvery === 0) {
          const trainLoss = tf.tidy(() => loss.value(fwd.out, trainBatch));
          const ev = logEval(epoch, view, { loss: trainLoss.dataSync()[0], acc: trainAcc, finite: true });
          trainLoss.dispose();
          if (ev.diverged) {
            disposeExcept(fwd, view.eff);
            view.release();
            return stop(ev.diverged);
          }
          lastTestAcc = ev.test.acc;
        }
        log.trainAccEvery.push(trainAcc);
        descend(view, fwd, trainBatch);
      } else {
        // the epoch's metrics: the whole training set before its first step
        const view = stepper.view();
        const train = evaluate(model, loss, layout, view.eff, trainBatch);
        const ev = !train.finite ? { diverged: nonFinite({}, false) } : epoch % evalEvery === 0 ? logEval(epoch, view, train) : null;
        view.release();
        if (ev?.diverged) return stop(ev.diverged);
        if (ev && 'test' in ev) lastTestAcc = ev.test.acc;
        trainAcc = train.acc;
        log.trainAccEvery.push(trainAcc);
        for (const idx of epochBatches(nTrain, mb, epoch)) {
          const batch = makeBatch(model, loss, subsetExamples(split.train, idx), layout, spec.outputSize);
          const v = stepper.view();
          descend(v, forwardOn(v, batch), batch);
          batch.dispose();
        }
      }

      const done = epoch + 1;
      if (done % snapshotEvery === 0 && done < epochs) await io.saveSnapshot(done, stepper.snapshot());
      if (done % io.resumeEvery === 0 && done < epochs) await io.saveResume(stepper.resumeState(log));
      // the step is synchronous: yield now and then so the run-store lock keeps being refreshed
      if (done % 50 === 0) await new Promise((r) => setImmediate(r));
      if (io.onProgress && (done % 50 === 0 || done === epochs)) {
        io.onProgress({ epoch: done, epochs, trainAcc, testAcc: lastTestAcc, msPerStep: (performance.now() - t0) / (done - startEpoch) });
      }
      if (io.stopAfterEpoch !== undefined && done >= io.stopAfterEpoch && done < epochs) return null;
    }

    // the final model (after `epochs` updates) gets a full evaluation too
    const view = stepper.view();
    const trainFinal = evaluate(model, loss, layout, view.eff, trainBatch);
    let diverged = nonFinite({ trainLoss: trainFinal.loss }, trainFinal.finite);
    if (!diverged && log.epochs[log.epochs.length - 1] !== epochs) diverged = logEval(epochs, view, trainFinal).diverged;
    view.release();
    if (diverged) {
      log.diverged = { epoch: epochs, reason: diverged };
      return log;
    }
    log.trainAccEvery.push(trainFinal.acc);
    await io.saveSnapshot(epochs, stepper.snapshot());
    return log;
  } finally {
    stepper.dispose();
    trainBatch.dispose();
    testBatch.dispose();
  }
}
