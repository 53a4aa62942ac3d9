import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import '../setup-backend.ts';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { makeDataset } from '../../src/tasks/modular.ts';
import { initTheta } from '../../src/models/init.ts';
import type { Layout } from '../../src/models/layout.ts';
import { mlpLayout } from '../../src/models/mlp.ts';
import { toFlat, toParams } from '../../src/models/layout.ts';
import { makeTokenBatch } from '../../src/models/mlp.ts';
import { PAPER_ADAMW, type AdamWConfig } from '../../src/optim/adamw.ts';
import { edgePopupMask, initScores } from '../../src/train/steppers/edge-popup.ts';
import { edgePopupGradients, train, trainEdgePopup, type EdgePopupSpec } from '../helpers/train.ts';
import { weightNorms } from '../../src/train/norms.ts';
import type { ResumeState, TrainIO } from '../../src/train/loop.ts';

const tiny = { p: 11, dEmb: 8, dModel: 6 };
const data = makeDataset({ task: 'add', p: tiny.p, fracTrain: 0.5, seed: 1, symmetric: true });
const layout = mlpLayout(tiny);
/** The edge-popup settings of the paper's scripts: AdamW lr 0.01, WD 1 (spec §7.2). */
const EP_ADAMW: AdamWConfig = { ...PAPER_ADAMW, lr: 0.01 };

const memoryIO = (snaps: Map<number, Float32Array>, extra: Partial<TrainIO> = {}): TrainIO => ({
  loadResume: async () => null, saveResume: async () => {}, saveSnapshot: async (e, t) => void snaps.set(e, Float32Array.from(t)), resumeEvery: 1e9, ...extra,
});

const spec = (over: Partial<EdgePopupSpec> = {}): EdgePopupSpec => ({
  layout, data, thetaMem: initTheta(layout, 3, 1.5), scores0: initScores(layout, 3), keepFraction: 0.4, trainWeights: false,
  optim: EP_ADAMW, epochs: 40, evalEvery: 5, snapshotEvery: 10, ...over,
});

const cmp = (x: number, y: number) => (x < y ? -1 : x > y ? 1 : 0);

/** GetSubnet literally (spec §7.1) with a stable sort: the j = floor((1−q)n) smallest |s| → 0. */
function referenceMask(lay: Layout, scores: Float32Array, q: number): Float32Array {
  const out = new Float32Array(lay.size);
  for (const l of lay.layers) {
    const abs = Array.from(scores.subarray(l.offset, l.offset + l.size), Math.abs);
    const idx = abs.map((_, i) => i).sort((a, b) => cmp(abs[a], abs[b])); // Array.prototype.sort is stable
    const j = Math.floor((1 - q) * l.size);
    idx.forEach((i, r) => (out[l.offset + i] = r < j ? 0 : 1));
  }
  return out;
}

const dimsArb = fc.record({ p: fc.constantFrom(2, 3, 5, 7, 11), dEmb: fc.integer({ min: 1, max: 9 }), dModel: fc.integer({ min: 1, max: 7 }) });
/** Scores with many exact ties (incl. 0, −0, ±x, ±∞) mixed with arbitrary floats. */
const scoreArb = fc.oneof(
  fc.constantFrom(0, -0, 0.5, -0.5, 1e-3, -1e-3, 2, Infinity, -Infinity),
  fc.float({ noNaN: true }),
);
const keepArb = fc.oneof(fc.constantFrom(0, 0.4, 0.5, 1), fc.double({ min: 0, max: 1, noNaN: true }));

describe('GetSubnet (edgePopupMask)', () => {
  it('keeps exactly n − floor((1−q)n) per layer, the largest |s|, ties dropped in index order', () => {
    fc.assert(
      fc.property(
        dimsArb.chain((dims) => {
          const size = mlpLayout(dims).size;
          return fc.tuple(fc.constant(dims), fc.array(scoreArb, { minLength: size, maxLength: size }), keepArb);
        }),
        ([dims, arr, q]) => {
          const lay = mlpLayout(dims);
          const s = Float32Array.from(arr);
          const m = edgePopupMask(lay, s, q);
          for (const l of lay.layers) {
            let kept = 0, minKept = Infinity, maxDropped = -Infinity;
            for (let i = l.offset; i < l.offset + l.size; i++) {
              expect(m[i] === 0 || m[i] === 1).toBe(true);
              if (m[i] === 1) { kept++; minKept = Math.min(minKept, Math.abs(s[i])); } else maxDropped = Math.max(maxDropped, Math.abs(s[i]));
            }
            expect(kept).toBe(l.size - Math.floor((1 - q) * l.size));
            expect(maxDropped <= minKept).toBe(true);
          }
          expect(Array.from(m)).toEqual(Array.from(referenceMask(lay, s, q)));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('is exact at the paper sizes, with heavy ties and with continuous scores', () => {
    const paper = mlpLayout({ p: 67, dEmb: 500, dModel: 48 });
    const s = initScores(paper, 7);
    const coarse = s.map((v) => Math.round(v * 20) / 20); // ~8 distinct |s| per layer: huge tie blocks
    for (const scores of [s, coarse, new Float32Array(paper.size)]) {
      expect(Array.from(edgePopupMask(paper, scores, 0.4))).toEqual(Array.from(referenceMask(paper, scores, 0.4)));
    }
    const t0 = performance.now();
    for (let r = 0; r < 20; r++) edgePopupMask(paper, s, 0.4);
    expect((performance.now() - t0) / 20).toBeLessThan(20); // ~0.5 ms measured; guards against a quadratic path
  });
});

describe('initScores', () => {
  it('is kaiming_uniform(a=√5): U(−1/√fan_in, 1/√fan_in) per layer, deterministic per seed', () => {
    const paper = mlpLayout({ p: 67, dEmb: 500, dModel: 48 });
    const s = initScores(paper, 0);
    expect(Array.from(initScores(paper, 0))).toEqual(Array.from(s));
    expect(initScores(paper, 1)).not.toEqual(s);
    expect(paper.layers.map((l) => l.fanIn)).toEqual([500, 67, 500, 48]); // unembed, embed, inproj, outproj (spec §2.5)
    for (const l of paper.layers) {
      const b = 1 / Math.sqrt(l.fanIn);
      let max = 0, sum = 0, sq = 0;
      for (let i = l.offset; i < l.offset + l.size; i++) {
        max = Math.max(max, Math.abs(s[i]));
        sum += s[i];
        sq += s[i] * s[i];
      }
      expect(max).toBeLessThanOrEqual(b);
      expect(max).toBeGreaterThan(0.999 * b);
      expect(Math.abs(sum / l.size)).toBeLessThan(0.02 * b);
      expect(sq / l.size / ((b * b) / 3)).toBeCloseTo(1, 1); // variance of U(−b, b) is b²/3
    }
  });
});

describe('straight-through gradient', () => {
  /** Plain (unfactorised) MLP in our orientation, differentiated by tfjs autodiff wrt w_eff. */
  function autodiffEffGrads(lay: Layout, eff: Float32Array, a: Int32Array, b: Int32Array, y: Int32Array): Float32Array {
    return tf.tidy(() => {
      const p = lay.dims.p;
      const X = tf.cast(tf.add(tf.oneHot(tf.tensor1d(a, 'int32'), p), tf.oneHot(tf.tensor1d(b, 'int32'), p)), 'float32') as tf.Tensor2D;
      const Y = tf.cast(tf.oneHot(tf.tensor1d(y, 'int32'), p), 'float32');
      const f = (U: tf.Tensor2D, Et: tf.Tensor2D, Ain: tf.Tensor2D, Bt: tf.Tensor2D) => {
        const h = tf.relu(tf.matMul(tf.matMul(X, Et), Ain)) as tf.Tensor2D;
        const logits = tf.matMul(tf.matMul(h, Bt), U);
        return tf.neg(tf.mean(tf.sum(tf.mul(tf.logSoftmax(logits), Y), 1))) as tf.Scalar;
      };
      const grads = tf.grads(f as (...xs: tf.Tensor[]) => tf.Scalar)(toParams(eff, lay));
      return toFlat(grads as tf.Tensor2D[], lay);
    });
  }

  it('∂L/∂s = sign(s) ⊙ W ⊙ ∂L/∂w_eff and ∂L/∂W = subnet ⊙ ∂L/∂w_eff (autodiff of the plain loss)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000 }), fc.constantFrom(0.2, 0.4, 0.7, 1), (seed, q) => {
        const W = initTheta(layout, seed, 1.5);
        const s = initScores(layout, seed);
        for (let i = seed % 7; i < s.length; i += 13) s[i] = 0; // sign(0) = 0 as in torch
        const batch = makeTokenBatch(data.trainA, data.trainB, data.trainY, data.p);
        const before = tf.memory().numTensors;
        const g = edgePopupGradients(layout, W, s, q, batch);
        expect(tf.memory().numTensors).toBe(before);
        batch.dispose();
        expect(Array.from(g.subnet)).toEqual(Array.from(edgePopupMask(layout, s, q)));
        const eff = W.map((w, i) => w * g.subnet[i]);
        const gEff = autodiffEffGrads(layout, eff, data.trainA, data.trainB, data.trainY);
        let scale = 1e-6;
        for (const v of gEff) scale = Math.max(scale, Math.abs(v) * 3);
        for (let i = 0; i < layout.size; i++) {
          const wantS = Math.sign(s[i]) * W[i] * gEff[i];
          const wantW = g.subnet[i] * gEff[i];
          expect(Math.abs(g.gScores[i] - wantS)).toBeLessThanOrEqual(2e-4 * scale);
          expect(Math.abs(g.gWeights[i] - wantW)).toBeLessThanOrEqual(2e-4 * scale);
          if (s[i] === 0) expect(g.gScores[i] === 0).toBe(true); // ±0
          if (g.subnet[i] === 0) expect(g.gWeights[i] === 0).toBe(true); // ±0
        }
      }),
      { numRuns: 15 },
    );
  });
});

/** Runs to `stop` with a resume checkpoint there and returns that checkpoint and the snapshots. */
async function runTo(sp: EdgePopupSpec, stop: number) {
  let saved: ResumeState | null = null;
  const snaps = new Map<number, Float32Array>();
  const out = await trainEdgePopup({ ...sp, epochs: stop + 1, snapshotEvery: stop }, memoryIO(snaps, {
    resumeEvery: stop, stopAfterEpoch: stop, saveResume: async (st) => void (saved = structuredClone(st)),
  }));
  expect(out).toBeNull();
  return { state: saved! as ResumeState, snaps };
}

describe('edge-popup training loop', () => {
  it('EP w/o WD: the weights stay bit-identical to θ_mem, the scores (and the subnet) change', async () => {
    const sp = spec();
    const steps = 60;
    const { state, snaps } = await runTo(sp, steps);
    expect(state.theta.length).toBe(layout.size); // scores only
    expect(state.optim.m.length).toBe(layout.size);
    const scores = state.theta;
    const mask0 = edgePopupMask(layout, sp.scores0, 0.4);
    const mask = edgePopupMask(layout, scores, 0.4);
    let scoreChanges = 0, maskChanges = 0;
    for (let i = 0; i < layout.size; i++) {
      if (scores[i] !== sp.scores0[i]) scoreChanges++;
      if (mask[i] !== mask0[i]) maskChanges++;
    }
    expect(scoreChanges).toBe(layout.size); // every score is decayed, at least
    expect(maskChanges).toBeGreaterThan(0);
    // snapshots are W ⊙ subnet; W is θ_mem to the bit wherever it is used
    for (const [epoch, m] of [[0, mask0], [steps, mask]] as const) {
      const eff = snaps.get(epoch)!;
      for (let i = 0; i < layout.size; i++) {
        if (m[i] === 1) expect(Object.is(eff[i], sp.thetaMem[i])).toBe(true);
        else expect(eff[i] === 0).toBe(true); // −0 for a dropped negative weight, as torch's W * subnet
      }
    }
  });

  it('EP w/ WD: resume state is [scores, weights]; both move; snapshots are W ⊙ subnet(s)', async () => {
    const sp = spec({ trainWeights: true });
    const { state, snaps } = await runTo(sp, 30);
    expect(state.theta.length).toBe(2 * layout.size);
    expect(state.optim.m.length).toBe(2 * layout.size);
    const scores = state.theta.subarray(0, layout.size);
    const W = state.theta.subarray(layout.size);
    expect(W.some((w, i) => w !== sp.thetaMem[i])).toBe(true);
    expect(scores.some((v, i) => v !== sp.scores0[i])).toBe(true);
    const eff = snaps.get(30)!;
    const mask = edgePopupMask(layout, scores, 0.4);
    for (let i = 0; i < layout.size; i++) expect(Object.is(eff[i], W[i] * mask[i]) || (eff[i] === 0 && mask[i] === 0)).toBe(true);
  });

  it('logs like train.ts: pre-update metrics, train acc every epoch, test every evalEvery + last; norms of W and W ⊙ subnet', async () => {
    for (const trainWeights of [false, true]) {
      const snaps = new Map<number, Float32Array>();
      const log = (await trainEdgePopup(spec({ trainWeights, epochs: 23, evalEvery: 10, snapshotEvery: 10 }), memoryIO(snaps)))!;
      expect(log.epochs).toEqual([0, 10, 20, 23]);
      expect(log.trainAccEvery.length).toBe(24);
      expect(log.trainAcc[1]).toBe(log.trainAccEvery[10]);
      expect([...snaps.keys()].sort((a, b) => a - b)).toEqual([0, 10, 20, 23]);
      // l1Mask/l2Mask are the norms of the effective weights (= the snapshot)
      for (const [k, e] of [[0, 0], [1, 10], [2, 20], [3, 23]]) {
        const nEff = weightNorms(layout, snaps.get(e)!, null);
        expect(log.l1Mask[k]).toBeCloseTo(nEff.l1, 4);
        expect(log.l2Mask[k]).toBeCloseTo(nEff.l2, 5);
        if (!trainWeights) expect(log.l1[k]).toBe(weightNorms(layout, spec().thetaMem, null).l1);
      }
    }
  });

  it('holds constant memory: as many tensors after many steps as after one (both arms)', async () => {
    for (const trainWeights of [false, true]) {
      const before = tf.memory().numTensors;
      const counts: number[] = [];
      await trainEdgePopup(spec({ trainWeights, epochs: 400, evalEvery: 7, snapshotEvery: 100 }), memoryIO(new Map(), {
        onProgress: () => void counts.push(tf.memory().numTensors),
      }));
      expect(counts.length).toBe(8);
      expect(new Set(counts).size).toBe(1);
      expect(tf.memory().numTensors).toBe(before);
    }
  });

  it('a run stopped mid-way and resumed is bit-identical to an uninterrupted one (both arms)', async () => {
    for (const trainWeights of [false, true]) {
      const sp = spec({ trainWeights, epochs: 60, evalEvery: 5, snapshotEvery: 20 });
      const snapsA = new Map<number, Float32Array>();
      const resumesA: ResumeState[] = [];
      const a = await trainEdgePopup(sp, memoryIO(snapsA, { resumeEvery: 10, saveResume: async (st) => void resumesA.push(structuredClone(st)) }));

      let saved: ResumeState | null = null;
      const snapsB = new Map<number, Float32Array>();
      const io = memoryIO(snapsB, { resumeEvery: 10, saveResume: async (st) => void (saved = structuredClone(st)) });
      expect(await trainEdgePopup(sp, { ...io, stopAfterEpoch: 37 })).toBeNull();
      expect(saved).not.toBeNull();
      const atStop = structuredClone(saved!) as ResumeState;
      expect(atStop.optim.step).toBe(30);
      expect(atStop).toEqual(resumesA[2]);
      const b = await trainEdgePopup(sp, { ...io, loadResume: async () => structuredClone(atStop) });

      expect(b).toEqual(a);
      for (const e of [0, 20, 40, 60]) {
        expect(Buffer.from(snapsB.get(e)!.buffer)).toEqual(Buffer.from(snapsA.get(e)!.buffer));
      }
    }
  });

  it('rejects a resume state of the other arm and inconsistent inputs', async () => {
    const { state } = await runTo(spec(), 5);
    await expect(trainEdgePopup(spec({ trainWeights: true }), memoryIO(new Map(), { loadResume: async () => state }))).rejects.toThrow(/2·/);
    await expect(trainEdgePopup(spec({ keepFraction: 1.5 }), memoryIO(new Map()))).rejects.toThrow(/keepFraction/);
    await expect(trainEdgePopup(spec({ scores0: new Float32Array(3) }), memoryIO(new Map()))).rejects.toThrow(/scores0/);
  });

  it('sanity: on a task a dense net memorises, learning only a subnet of frozen random weights raises train accuracy', async () => {
    const lay = mlpLayout({ p: 11, dEmb: 128, dModel: 48 }); // wide enough to hold a good subnet
    const dense = (await train(
      { layout: lay, data, theta0: initTheta(lay, 5), mask: null, optim: PAPER_ADAMW, epochs: 300, evalEvery: 100, snapshotEvery: 1000 },
      memoryIO(new Map()),
    ))!;
    expect(dense.trainAccEvery[dense.trainAccEvery.length - 1]).toBe(1);
    const ep = (await trainEdgePopup(
      { layout: lay, data, thetaMem: initTheta(lay, 6), scores0: initScores(lay, 6), keepFraction: 0.4, trainWeights: false, optim: EP_ADAMW, epochs: 300, evalEvery: 100, snapshotEvery: 1000 },
      memoryIO(new Map()),
    ))!;
    const acc = ep.trainAccEvery;
    const first = acc[0], last = acc[acc.length - 1];
    expect(first).toBeLessThan(0.2); // chance is 1/11 (measured 0.09 → 0.79 over 300 epochs)
    expect(last).toBeGreaterThan(first + 0.4);
  });
});
