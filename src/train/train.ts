import * as tf from '@tensorflow/tfjs-core';
import type { Layout } from '../model/layout.ts';
import { accuracy, backward, crossEntropyGrad, crossEntropyLoss, forward, makeTokenBatch, toFlat, toParams, type Params, type TokenBatch } from '../model/mlp.ts';
import { AdamW, type AdamWConfig, type AdamWState } from '../optim/adamw.ts';
import { weightNorms, type Norms } from './norms.ts';

/**
 * The training loop (spec §3.3): full batch, one AdamW step per epoch, metrics logged BEFORE the
 * update of their epoch. Reads top to bottom: data, state, loop (eval, step, log, save), final eval.
 */

export interface TrainData {
  p: number;
  trainA: Int32Array; trainB: Int32Array; trainY: Int32Array;
  testA: Int32Array; testB: Int32Array; testY: Int32Array;
}

export interface TrainSpec {
  layout: Layout;
  data: TrainData;
  theta0: Float32Array;
  /** 0/1 per parameter; null for a dense run. */
  mask: Float32Array | null;
  optim: AdamWConfig;
  epochs: number;
  /** Test metrics and norms every this many epochs (train accuracy is logged every epoch). */
  evalEvery: number;
  /** Parameter snapshots (θ after t updates) every this many epochs, plus 0 and the final epoch. */
  snapshotEvery: number;
}

export interface RunLog {
  /** Epochs with test metrics: 0, evalEvery, 2·evalEvery, … and the final epoch `epochs`. */
  epochs: number[];
  trainLoss: number[]; trainAcc: number[]; testLoss: number[]; testAcc: number[];
  l1: number[]; l2: number[]; l1Mask: number[]; l2Mask: number[];
  /** Train accuracy at every epoch 0…epochs (free: from the training forward). */
  trainAccEvery: number[];
}

export interface ResumeState {
  theta: Float32Array;
  optim: AdamWState;
  log: RunLog;
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

export function emptyLog(): RunLog {
  return { epochs: [], trainLoss: [], trainAcc: [], testLoss: [], testAcc: [], l1: [], l2: [], l1Mask: [], l2Mask: [], trainAccEvery: [] };
}

export interface Evaluated { loss: number; acc: number }

/** Loss and accuracy of the (masked) parameters on a whole set. */
export function evaluate(eff: Params, batch: TokenBatch): Evaluated {
  const logits = tf.tidy(() => forward(eff, batch).logits);
  const lossT = tf.tidy(() => crossEntropyLoss(logits, batch));
  const out = { loss: lossT.dataSync()[0], acc: accuracy(logits, batch) };
  tf.dispose([logits, lossT]);
  return out;
}

/** Appends one evaluated epoch to the log (the columns of spec §3.3). */
export function recordEval(log: RunLog, epoch: number, train: Evaluated, test: Evaluated, norms: Norms): void {
  log.epochs.push(epoch);
  log.trainLoss.push(train.loss); log.trainAcc.push(train.acc);
  log.testLoss.push(test.loss); log.testAcc.push(test.acc);
  log.l1.push(norms.l1); log.l2.push(norms.l2); log.l1Mask.push(norms.l1Mask); log.l2Mask.push(norms.l2Mask);
}

export async function train(spec: TrainSpec, io: TrainIO): Promise<RunLog | null> {
  const { layout, data, epochs, evalEvery, snapshotEvery } = spec;

  // data, uploaded once
  const trainBatch = makeTokenBatch(data.trainA, data.trainB, data.trainY, data.p);
  const testBatch = makeTokenBatch(data.testA, data.testB, data.testY, data.p);

  // state: fresh from θ0, or where the last resume checkpoint left it
  const resumed = await io.loadResume();
  let theta = toParams(resumed?.theta ?? spec.theta0, layout);
  const mask = spec.mask ? toParams(spec.mask, layout) : null;
  const opt = new AdamW<tf.Tensor2D>(spec.optim, layout.layers.map((l) => l.shape), resumed?.optim);
  const log = resumed?.log ?? emptyLog();
  if (!resumed) await io.saveSnapshot(0, spec.theta0);

  // θ ⊙ M; for a ticket the gradient is masked the same way, so pruned weights get exactly 0
  const masked = (ps: Params): Params => (mask ? ps.map((t, i) => tf.mul(t, mask[i]) as tf.Tensor2D) : ps);
  const logEval = (epoch: number, eff: Params, trainLoss: number, trainAcc: number) => {
    const test = evaluate(eff, testBatch);
    recordEval(log, epoch, { loss: trainLoss, acc: trainAcc }, test, weightNorms(layout, toFlat(theta, layout), spec.mask));
    return test;
  };

  let lastTestAcc: number | null = log.testAcc.length ? log.testAcc[log.testAcc.length - 1] : null;
  const t0 = performance.now();
  const startEpoch = opt.step;
  try {
    for (let epoch = startEpoch; epoch < epochs; epoch++) {
      // one full-batch step; the accuracy of its forward is this epoch's (pre-update) train accuracy
      const eff = masked(theta);
      const cache = tf.tidy(() => forward(eff, trainBatch));
      const trainAcc = accuracy(cache.logits, trainBatch);
      log.trainAccEvery.push(trainAcc);
      if (epoch % evalEvery === 0) {
        const trainLoss = tf.tidy(() => crossEntropyLoss(cache.logits, trainBatch));
        lastTestAcc = logEval(epoch, eff, trainLoss.dataSync()[0], trainAcc).acc;
        trainLoss.dispose();
      }
      const grads = tf.tidy(() => masked(backward(cache, crossEntropyGrad(cache.logits, trainBatch), trainBatch)));
      const next = opt.update(theta, grads);
      tf.dispose([cache, grads, theta, eff === theta ? [] : eff]);
      theta = next;

      const done = epoch + 1;
      if (done % snapshotEvery === 0 && done < epochs) await io.saveSnapshot(done, toFlat(theta, layout));
      if (done % io.resumeEvery === 0 && done < epochs) {
        await io.saveResume({ theta: toFlat(theta, layout), optim: opt.state(), log });
      }
      // the step is synchronous: yield now and then so the run-store lock keeps being refreshed
      if (done % 50 === 0) await new Promise((r) => setImmediate(r));
      if (io.onProgress && (done % 50 === 0 || done === epochs)) {
        io.onProgress({ epoch: done, epochs, trainAcc, testAcc: lastTestAcc, msPerStep: (performance.now() - t0) / (done - startEpoch) });
      }
      if (io.stopAfterEpoch !== undefined && done >= io.stopAfterEpoch && done < epochs) return null;
    }

    // the final model (after `epochs` updates) gets a full evaluation too
    const eff = masked(theta);
    const trainFinal = evaluate(eff, trainBatch);
    log.trainAccEvery.push(trainFinal.acc);
    if (log.epochs[log.epochs.length - 1] !== epochs) logEval(epochs, eff, trainFinal.loss, trainFinal.acc);
    if (eff !== theta) tf.dispose(eff);
    await io.saveSnapshot(epochs, toFlat(theta, layout));
    return log;
  } finally {
    tf.dispose([...theta, ...(mask ?? [])]);
    opt.dispose();
    trainBatch.dispose();
    testBatch.dispose();
  }
}
