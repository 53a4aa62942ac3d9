import * as tf from '@tensorflow/tfjs-core';
import type { LossDef } from '../../losses/types.ts';
import type { Layout, Params } from '../../models/layout.ts';
import { modelInputs, paramGradients } from '../../models/registry.ts';
import type { Batch, Forward, ModelDef } from '../../models/types.ts';
import type { Examples } from '../../tasks/types.ts';
import type { LaneStepper, LaneView, ResumeState } from '../../train/loop.ts';
import { subsetExamples } from '../../train/minibatch.ts';
import { denseLanes } from '../../train/steppers/dense.ts';
import type { Engine, Evaluated, Session, SessionSpec } from '../types.ts';

/**
 * The tfjs engine: a run's tensors in whichever tfjs backend src/backend chose (wasm, cpu,
 * tensorflow, gpu), the model's forward and (hand-written or autodiff) backward as tfjs ops, a
 * stepper for the update. It trains everything, populations and edge-popup's stepper included.
 */

/** A fixed example set as tensors: the model's inputs and the loss's targets. */
export function makeBatch(model: ModelDef, loss: LossDef, ex: Examples, layout: Layout, outputSize: number): Batch & { dispose(): void } {
  const inputs = modelInputs(model, ex, layout);
  const targets = loss.targets(ex, outputSize);
  return { ...inputs, ...targets, n: ex.n, dispose: () => { inputs.dispose(); tf.dispose(Object.values(targets).filter((t): t is tf.Tensor => t instanceof tf.Tensor)); } };
}

/** Whether a model and loss can train as a population (their ops take a leading lane axis). */
export function canTrainInLanes(model: ModelDef, loss: LossDef): boolean {
  return !!model.lanes && !!loss.lanes;
}

/** One example set per lane as a population's batch; one lane is a plain batch. */
export function makeLaneBatch(model: ModelDef, loss: LossDef, exs: Examples[], layout: Layout, outputSize: number): Batch & { dispose(): void } {
  if (exs.length === 1) return makeBatch(model, loss, exs[0], layout, outputSize);
  if (!model.lanes || !loss.lanes) throw new Error(`model ${model.name} with loss ${loss.name} cannot train as a population (no lanes)`);
  if (exs.some((e) => e.n !== exs[0].n)) throw new Error(`a population's runs need example sets of one size; got ${exs.map((e) => e.n).join(', ')}`);
  const inputs = model.lanes.inputs(exs, layout);
  const targets = loss.lanes.targets(exs, outputSize);
  return {
    ...inputs, ...targets, n: exs[0].n, lanes: exs.length,
    dispose: () => tf.dispose([...Object.values(inputs), ...Object.values(targets).filter((t): t is tf.Tensor => t instanceof tf.Tensor)]),
  };
}

/** x·0 is 0 for every finite x and NaN for NaN and ±∞, so a lane's sum is 0 iff all its entries are finite. */
function finiteLanes(t: tf.Tensor, lanes: number): boolean[] {
  const probe = tf.tidy(() => tf.sum(tf.reshape(tf.mul(t, tf.scalar(0)), [lanes, -1]), 1));
  const v = probe.dataSync();
  probe.dispose();
  return Array.from(v, (x) => x === 0);
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

export function openTfjsSession(spec: SessionSpec, resumed: (ResumeState | null)[]): Session {
  const { model, loss, layout, outputSize, splits } = spec;
  const lanes = splits.length;
  const stepper: LaneStepper = spec.training.kind === 'dense' ? denseLanes({ layout, optim: spec.training.optim, lanes: spec.training.lanes })(resumed) : spec.training.stepper(resumed);

  const losses = (out: tf.Tensor2D, batch: Batch): number[] => {
    const t = tf.tidy(() => loss.value(out, batch));
    const v = Array.from(t.dataSync());
    t.dispose();
    return v;
  };
  const accuracies = (out: tf.Tensor2D, batch: Batch): number[] => (lanes === 1 ? [loss.accuracy(out, batch)] : loss.lanes!.accuracy(out, batch));
  const evaluateOn = (eff: Params, batch: Batch): Evaluated[] => {
    const out = tf.tidy(() => model.forward(eff, batch, layout).out);
    const ls = losses(out, batch), accs = accuracies(out, batch), finite = finiteLanes(out, lanes);
    out.dispose();
    return ls.map((l, i) => ({ loss: l, acc: accs[i], finite: finite[i] }));
  };
  const forwardOn = (view: LaneView, batch: Batch) => tf.tidy(() => model.forward(view.eff, batch, layout) as unknown as tf.TensorContainer) as unknown as Forward;
  /** One optimiser step from a forward on `batch`; frees the forward and the view. */
  const descend = (view: LaneView, fwd: Forward, batch: Batch) => {
    const gEff = tf.tidy(() => paramGradients(model, fwd, loss.grad(fwd.out, batch), view.eff, batch, layout));
    stepper.update(gEff, view);
    disposeExcept(fwd, view.eff);
    view.release();
  };

  // data, uploaded once
  const trainBatch = makeLaneBatch(model, loss, splits.map((s) => s.train), layout, outputSize);
  const testBatch = makeLaneBatch(model, loss, splits.map((s) => s.test), layout, outputSize);
  // the view and forward of the last forwardTrain, until its update
  let pending: { view: LaneView; fwd: Forward } | null = null;
  const drop = () => {
    if (!pending) return;
    disposeExcept(pending.fwd, pending.view.eff);
    pending.view.release();
    pending = null;
  };
  /** The current weights' view: the pending one, or a fresh one released after `f`. */
  const withView = <T>(f: (v: LaneView) => T): T => {
    if (pending) return f(pending.view);
    const v = stepper.view();
    try {
      return f(v);
    } finally {
      v.release();
    }
  };

  return {
    get step() {
      return stepper.step;
    },
    forwardTrain(withLoss) {
      drop();
      const view = stepper.view();
      const fwd = forwardOn(view, trainBatch);
      pending = { view, fwd };
      const finite = finiteLanes(fwd.out, lanes);
      const acc = accuracies(fwd.out, trainBatch);
      const ls = withLoss ? losses(fwd.out, trainBatch) : acc.map(() => Number.NaN);
      return acc.map((a, i) => ({ loss: ls[i], acc: a, finite: finite[i] }));
    },
    update() {
      if (!pending) throw new Error('update without a forward on the training set');
      const { view, fwd } = pending;
      pending = null;
      descend(view, fwd, trainBatch);
    },
    evaluate: (set) => withView((v) => evaluateOn(v.eff, set === 'train' ? trainBatch : testBatch)),
    norms: () => withView((v) => v.norms()),
    stepOn(indices) {
      drop();
      const batch = makeBatch(model, loss, subsetExamples(splits[0].train, indices), layout, outputSize);
      const v = stepper.view();
      descend(v, forwardOn(v, batch), batch);
      batch.dispose();
    },
    snapshot: (lane) => stepper.snapshot(lane),
    resumeState: (lane, log) => stepper.resumeState(lane, log),
    dispose() {
      drop();
      stepper.dispose();
      trainBatch.dispose();
      testBatch.dispose();
    },
  };
}

export const tfjsEngine: Engine = {
  name: 'tfjs',
  refuses: ({ model, loss, lanes }) => (lanes > 1 && !canTrainInLanes(model, loss) ? `model ${model.name} with loss ${loss.name} has no lanes` : null),
  open: openTfjsSession,
};
