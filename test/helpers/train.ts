import * as tf from '@tensorflow/tfjs-core';
import { crossEntropyGrad, crossEntropyLoss } from '../../src/losses/cross-entropy.ts';
import { losses } from '../../src/losses/index.ts';
import { toFlat, toParams, type Layout } from '../../src/models/layout.ts';
import { models } from '../../src/models/index.ts';
import { backward, forward, type TokenBatch } from '../../src/models/mlp.ts';
import type { AdamWConfig } from '../../src/optim/adamw.ts';
import { modularSplit, type Dataset } from '../../src/tasks/modular.ts';
import { trainLoop, type RunLog, type TrainIO } from '../../src/train/loop.ts';
import { denseStepper } from '../../src/train/steppers/dense.ts';
import { edgePopupStepper, edgePopupMask } from '../../src/train/steppers/edge-popup.ts';

/** The loop over a modular dataset with the model named by the layout, in the shape the tests use. */
interface Common { layout: Layout; data: Dataset; optim: AdamWConfig; epochs: number; evalEvery: number; snapshotEvery: number }

const loopOf = (c: Common) => ({
  model: models.get(c.layout.model), loss: losses.get('crossEntropy'), layout: c.layout, split: modularSplit(c.data), outputSize: c.data.p,
  epochs: c.epochs, evalEvery: c.evalEvery, snapshotEvery: c.snapshotEvery,
});

export function train(spec: Common & { theta0: Float32Array; mask: Float32Array | null }, io: TrainIO): Promise<RunLog | null> {
  return trainLoop({ ...loopOf(spec), stepper: denseStepper(spec) }, io);
}

export interface EdgePopupSpec extends Common { thetaMem: Float32Array; scores0: Float32Array; keepFraction: number; trainWeights: boolean }

export async function trainEdgePopup(spec: EdgePopupSpec, io: TrainIO): Promise<RunLog | null> {
  for (const [k, v] of Object.entries({ epochs: spec.epochs, evalEvery: spec.evalEvery, snapshotEvery: spec.snapshotEvery })) {
    if (!Number.isInteger(v) || v < (k === 'epochs' ? 0 : 1)) throw new Error(`${k}: ${v} must be a ${k === 'epochs' ? 'non-negative' : 'positive'} integer`);
  }
  return trainLoop({ ...loopOf(spec), stepper: edgePopupStepper(spec) }, io);
}

/**
 * One edge-popup gradient evaluation of the MLP, written out independently of the stepper: the
 * subnet, the loss of W ⊙ subnet, ∂L/∂s = sign(s)·W·∂L/∂w_eff and ∂L/∂W = subnet·∂L/∂w_eff.
 */
export function edgePopupGradients(layout: Layout, weights: Float32Array, scores: Float32Array, keepFraction: number, batch: TokenBatch) {
  const subnet = edgePopupMask(layout, scores, keepFraction);
  return tf.tidy(() => {
    const [S, W, M] = [scores, weights, subnet].map((f) => toParams(f, layout));
    const eff = W.map((w, i) => tf.mul(w, M[i]) as tf.Tensor2D);
    const cache = forward(eff, batch);
    const loss = crossEntropyLoss(cache.out, batch).dataSync()[0];
    const gEff = backward(cache, crossEntropyGrad(cache.out, batch), batch);
    const gS = gEff.map((g, i) => tf.mul(tf.mul(g, W[i]), tf.sign(S[i])) as tf.Tensor2D);
    const gW = gEff.map((g, i) => tf.mul(g, M[i]) as tf.Tensor2D);
    return { subnet, loss, gScores: toFlat(gS, layout), gWeights: toFlat(gW, layout) };
  });
}
