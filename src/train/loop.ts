import { tfjsEngine } from '../engines/tfjs/session.ts';
import type { Engine, Evaluated, Training } from '../engines/types.ts';
import type { LossDef } from '../losses/types.ts';
import type { Layout, Params } from '../models/layout.ts';
import type { ModelDef } from '../models/types.ts';
import type { AdamWState } from '../optim/adamw.ts';
import type { Split } from '../tasks/types.ts';
import { epochBatches, stepsPerEpoch, type Minibatch } from './minibatch.ts';
import type { Norms } from './norms.ts';

export { canTrainInLanes, makeBatch, makeLaneBatch } from '../engines/tfjs/session.ts';

/**
 * The training loop (spec §3.3), one for every model, task and method: full batch, one optimiser
 * step per epoch, metrics logged BEFORE the update of their epoch. With `minibatch` (sparse parity)
 * an epoch is instead one pass over a seeded order of the training set, one step per batch, and
 * its metrics are those of the whole training set before the epoch's first step. It reads top to
 * bottom: state, loop (forward, eval, step, save), final eval. The numbers are an engine's
 * (src/engines: tfjs, or the native addon): the loop only says when to step, evaluate and save.
 * What differs between a dense run, a ticket and edge-popup is the training: which weights the
 * network computes with this step, and how a gradient on those weights becomes an update (steppers/).
 *
 * The same loop trains a population: N runs of one shape stepped together as one tensor program,
 * each parameter with a leading lane axis [N, …] (a model and loss that declare `lanes`). Each lane
 * keeps the log, snapshots and resume file of its run trained alone, and a lane that diverges stops
 * logging while the others go on. A single run is one lane without that axis: the kernels it
 * always ran, so its results are unchanged.
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

/** A stepper over the lanes of a population (one lane: a single run, no lane axis). */
export interface LaneStepper {
  readonly step: number;
  view(): LaneView;
  update(gEff: Params, view: LaneView): void;
  /** θ_t of one lane, flat, layout order. */
  snapshot(lane: number): Float32Array;
  resumeState(lane: number, log: RunLog): ResumeState;
  dispose(): void;
}

/** The weights of every lane for one step; `norms` has one entry per lane. */
export interface LaneView {
  eff: Params;
  norms(): Norms[];
  release(): void;
}

/** A single run's stepper as a population of one lane. */
export function oneLane(s: Stepper): LaneStepper {
  const inner = new WeakMap<LaneView, StepView>();
  return {
    get step() {
      return s.step;
    },
    view() {
      const v = s.view();
      const lv: LaneView = { eff: v.eff, norms: () => [v.norms()], release: () => v.release() };
      inner.set(lv, v);
      return lv;
    },
    update: (gEff, view) => s.update(gEff, inner.get(view)!),
    snapshot: () => s.snapshot(),
    resumeState: (_lane, log) => s.resumeState(log),
    dispose: () => s.dispose(),
  };
}

interface LoopShape {
  model: ModelDef;
  loss: LossDef;
  layout: Layout;
  outputSize: number;
  epochs: number;
  /** Test metrics and norms every this many epochs (train accuracy is logged every epoch). */
  evalEvery: number;
  /** Parameter snapshots (θ after t updates) every this many epochs, plus 0 and the final epoch. */
  snapshotEvery: number;
  /** Minibatch SGD in a seeded order; absent (or a batch ≥ the training set): full batch. */
  minibatch?: Minibatch;
  /** Who computes (src/engines); default the tfjs engine. */
  engine?: Engine;
}

/** One run: how it trains (AdamW on θ ⊙ M, or a tfjs stepper of its own). */
export type LoopSpec = LoopShape & { split: Split } & (
  | { training: Training; stepper?: undefined }
  | { stepper(resumed: ResumeState | null): Stepper; training?: undefined }
);

/** A population: one split per lane (the same object where runs share their data), one training for all. */
export type PopulationSpec = LoopShape & { splits: Split[] } & (
  | { training: Training; stepper?: undefined }
  | { stepper(resumed: (ResumeState | null)[]): LaneStepper; training?: undefined }
);

export interface Progress {
  epoch: number; epochs: number; trainAcc: number; testAcc: number | null; msPerStep: number;
}

/** Where one run's state goes. */
export interface RunIO {
  loadResume(): Promise<ResumeState | null>;
  saveResume(state: ResumeState): Promise<void>;
  saveSnapshot(epoch: number, theta: Float32Array): Promise<void>;
}

interface Schedule {
  /** Interrupting loses at most this many epochs. */
  resumeEvery: number;
  /** Test hook: stop (as if killed) after this epoch, without finishing. */
  stopAfterEpoch?: number;
}

export interface TrainIO extends RunIO, Schedule {
  onProgress?(p: Progress): void;
}

export interface PopulationIO extends Schedule {
  lanes: RunIO[];
  onProgress?(lane: number, p: Progress): void;
}

function emptyLog(): RunLog {
  return { epochs: [], trainLoss: [], trainAcc: [], testLoss: [], testAcc: [], l1: [], l2: [], l1Mask: [], l2Mask: [], trainAccEvery: [] };
}

/** The first non-finite value among the named ones, as a reason; null when all are finite. */
function nonFinite(values: Record<string, number>, outputFinite = true): string | null {
  if (!outputFinite) return 'the network output is not finite (NaN or ±Infinity)';
  for (const [name, v] of Object.entries(values)) if (!Number.isFinite(v)) return `${name} is ${v}`;
  return null;
}

/** Appends one evaluated epoch to the log (the columns of spec §3.3). */
function recordEval(log: RunLog, epoch: number, train: Evaluated, test: Evaluated, norms: Norms): void {
  log.epochs.push(epoch);
  log.trainLoss.push(train.loss); log.trainAcc.push(train.acc);
  log.testLoss.push(test.loss); log.testAcc.push(test.acc);
  log.l1.push(norms.l1); log.l2.push(norms.l2); log.l1Mask.push(norms.l1Mask); log.l2Mask.push(norms.l2Mask);
}

/** One run: a population of one lane. */
export async function trainLoop(spec: LoopSpec, io: TrainIO): Promise<RunLog | null> {
  const { split, stepper, training, ...shape } = spec;
  const { onProgress, resumeEvery, stopAfterEpoch, ...run } = io;
  const [log] = await trainPopulation(
    { ...shape, splits: [split], training: training ?? { kind: 'stepper', stepper: ([r]) => oneLane(stepper!(r)) } },
    { lanes: [run], resumeEvery, stopAfterEpoch, onProgress: onProgress && ((_lane, p) => onProgress(p)) },
  );
  return log;
}

export async function trainPopulation(spec: PopulationSpec, io: PopulationIO): Promise<(RunLog | null)[]> {
  const { model, loss, layout, epochs, evalEvery, snapshotEvery } = spec;
  const lanes = io.lanes.length;
  if (spec.splits.length !== lanes) throw new Error(`a population of ${lanes} runs got ${spec.splits.length} data splits`);
  const nTrain = spec.splits[0].train.n;
  const mb = spec.minibatch && spec.minibatch.size < nTrain ? spec.minibatch : null;
  if (mb && lanes > 1) throw new Error('a population trains full batch only: each run orders its minibatches by its own seed');
  const training: Training = spec.training ?? { kind: 'stepper', stepper: spec.stepper };
  const engine = spec.engine ?? tfjsEngine;

  // state: fresh from θ0, or where the last resume checkpoints left it (every lane at the same step)
  const resumed = await Promise.all(io.lanes.map((l) => l.loadResume()));
  const session = engine.open({ model, loss, layout, outputSize: spec.outputSize, splits: spec.splits, training }, resumed);
  const logs = resumed.map((r) => r?.log ?? emptyLog());
  try {
    for (const [lane, r] of resumed.entries()) if (!r) await io.lanes[lane].saveSnapshot(0, session.snapshot(lane));

    // a lane whose output, loss or norms turn non-finite ends at that epoch: divergence is a result
    const live = logs.map(() => true);
    const liveLanes = () => live.flatMap((l, lane) => (l ? [lane] : []));
    const diverge = (lane: number, epoch: number, reason: string) => {
      logs[lane].diverged = { epoch, reason };
      live[lane] = false;
    };
    const lastTestAcc = logs.map((l) => (l.testAcc.length ? l.testAcc[l.testAcc.length - 1] : null));

    /** Evaluates the current weights on the test set and records the epoch for every lane still finite. */
    const logEval = (epoch: number, train: Evaluated[]) => {
      const test = session.evaluate('test');
      const norms = session.norms();
      for (const lane of liveLanes()) {
        const reason = nonFinite({ trainLoss: train[lane].loss, testLoss: test[lane].loss, ...norms[lane] }, train[lane].finite && test[lane].finite);
        if (reason) diverge(lane, epoch, reason);
        else {
          recordEval(logs[lane], epoch, train[lane], test[lane], norms[lane]);
          lastTestAcc[lane] = test[lane].acc;
        }
      }
    };

    // resume states are saved at the end of an epoch, so this is a whole number
    const perEpoch = mb ? stepsPerEpoch(nTrain, mb.size) : 1;
    const t0 = performance.now();
    const startEpoch = session.step / perEpoch;
    for (let epoch = startEpoch; epoch < epochs; epoch++) {
      let trainAcc: number[];
      if (!mb) {
        // one full-batch step; the accuracy of its forward is this epoch's (pre-update) train accuracy
        const train = session.forwardTrain(epoch % evalEvery === 0);
        trainAcc = train.map((t) => t.acc);
        if (epoch % evalEvery === 0) logEval(epoch, train);
        else for (const lane of liveLanes()) if (!train[lane].finite) diverge(lane, epoch, nonFinite({}, false)!);
        for (const lane of liveLanes()) logs[lane].trainAccEvery.push(trainAcc[lane]);
        if (!live.some(Boolean)) return logs;
        session.update();
      } else {
        // the epoch's metrics: the whole training set before its first step (one lane)
        const train = session.evaluate('train');
        if (!train[0].finite) diverge(0, epoch, nonFinite({}, false)!);
        else if (epoch % evalEvery === 0) logEval(epoch, train);
        if (!live[0]) return logs;
        trainAcc = [train[0].acc];
        logs[0].trainAccEvery.push(train[0].acc);
        for (const idx of epochBatches(nTrain, mb, epoch)) session.stepOn(idx);
      }

      const done = epoch + 1;
      for (const lane of liveLanes()) {
        if (done % snapshotEvery === 0 && done < epochs) await io.lanes[lane].saveSnapshot(done, session.snapshot(lane));
        if (done % io.resumeEvery === 0 && done < epochs) await io.lanes[lane].saveResume(session.resumeState(lane, logs[lane]));
      }
      // the step is synchronous: yield now and then so the run-store locks keep being refreshed
      if (done % 50 === 0) await new Promise((r) => setImmediate(r));
      if (io.onProgress && (done % 50 === 0 || done === epochs)) {
        const msPerStep = (performance.now() - t0) / (done - startEpoch);
        for (const lane of liveLanes()) io.onProgress(lane, { epoch: done, epochs, trainAcc: trainAcc[lane], testAcc: lastTestAcc[lane], msPerStep });
      }
      if (io.stopAfterEpoch !== undefined && done >= io.stopAfterEpoch && done < epochs) return logs.map(() => null);
    }

    // the final model (after `epochs` updates) gets a full evaluation too
    const trainFinal = session.evaluate('train');
    for (const lane of liveLanes()) {
      const reason = nonFinite({ trainLoss: trainFinal[lane].loss }, trainFinal[lane].finite);
      if (reason) diverge(lane, epochs, reason);
    }
    // every lane evaluates on the same schedule, so the last logged epoch is the same for all
    const pending = liveLanes();
    if (pending.length && logs[pending[0]].epochs[logs[pending[0]].epochs.length - 1] !== epochs) logEval(epochs, trainFinal);
    for (const lane of liveLanes()) {
      logs[lane].trainAccEvery.push(trainFinal[lane].acc);
      await io.lanes[lane].saveSnapshot(epochs, session.snapshot(lane));
    }
    return logs;
  } finally {
    session.dispose();
  }
}
