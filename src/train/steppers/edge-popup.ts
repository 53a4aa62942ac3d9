import * as tf from '@tensorflow/tfjs-core';
import seedrandom from 'seedrandom';
import { toFlat, toParams, type Layout, type Params } from '../../models/layout.ts';
import { AdamW, type AdamWConfig } from '../../optim/adamw.ts';
import type { ResumeState, Stepper } from '../loop.ts';
import { weightNorms } from '../norms.ts';

/**
 * Edge-popup from a memorising checkpoint θ_mem (paper §5.2, Table 1; spec §7), the two arms
 * "EP w/o WD" (trainWeights = false: W frozen, so never decayed; only the scores s learn) and
 * "EP w/ WD" (trainWeights = true: W and s both learn). Per layer and per step:
 *
 *   subnet = GetSubnet(|s|, keep)   top-k of |s| within the layer, k = n − floor((1 − keep)·n)
 *   w_eff  = W ⊙ subnet              → logits, loss and ∂L/∂w_eff from the factorised MLP
 *   ∂L/∂s  = sign(s) ⊙ W ⊙ ∂L/∂w_eff   straight-through GetSubnet, sign from the |·| (sign(0) = 0)
 *   ∂L/∂W  = subnet ⊙ ∂L/∂w_eff        (only when trainWeights)
 *
 * One AdamW (the same class and config as dense training) over [scores…, weights…]: the authors
 * build it over model.parameters(), so the scores are weight-decayed too (spec §7.2).
 *
 * The loop, its logging (pre-update metrics, train accuracy every epoch, test metrics every
 * evalEvery epochs and at the end) and its IO are those of loop.ts, with these meanings:
 *   - snapshots (`io.saveSnapshot`) hold the EFFECTIVE weights W ⊙ subnet(s) (what the network
 *     computes with), at 0, every snapshotEvery epochs and at the end;
 *   - norms are `weightNorms(layout, W, subnet)`: l1/l2 of the raw weights W behind the mask
 *     (frozen θ_mem in the w/o-WD arm), l1Mask/l2Mask of the effective weights W ⊙ subnet;
 *   - ResumeState.theta = scores (length layout.size) when the weights are frozen, and the
 *     concatenation [scores, weights] (length 2·layout.size) when they are trained; the AdamW
 *     state's m and v are concatenated in the same order (that is AdamW's own flat order).
 *     A resumed run is bit-identical to an uninterrupted one (the subnet depends only on s).
 *
 * Top-k: a JS radix select per layer (SubnetWorker), measured on tfjs-wasm at the paper sizes
 * (layers 33 500, 33 500, 24 000, 24 000; 2-core machine, Node 20):
 *   radix select, all four layers                          0.52 ms
 *   … plus downloading s and uploading the subnet          0.84–0.92 ms   ← used
 *   Wirth/Hoare quickselect on |s| (first version)         3.2–3.6 ms
 *   tf.topk(|s|, k) values alone                           4.7–4.9 ms
 *   tf.topk threshold + greaterEqual + exact-count check   11.6–11.7 ms
 *   Float32Array.sort of |s|                               17 ms
 * The threshold route would also still need a JS fix-up to keep exactly k when ties straddle it.
 */

/**
 * The authors' `GetSubnet` (spec §7.1) for one layer, exact and fast.
 *
 * Tie rule: |s| are ordered by (|s|, index) ascending, i.e. a STABLE sort, so among equal |s| the
 * lower flat indices are dropped first; exactly j = floor((1 − keep)·n) zeros, always. (torch's
 * `sort` makes no stability promise; ties between float scores practically never occur.) −0 counts
 * as 0; a NaN score sorts above +∞ (kept), as torch's sort puts NaN last.
 *
 * Method: a two-pass radix select on the IEEE bits of |s| (for non-negative floats the bit pattern
 * orders like the value): pass 1 histograms the high 16 bits; the bin holding the j-th smallest
 * is found by a prefix scan; pass 2 writes 0/1 for every entry outside that bin and collects the
 * few inside it as (low 16 bits, index) keys, whose numeric sort decides them with the tie rule.
 * The result depends only on the scores (no state carried between calls).
 */
export class SubnetWorker {
  private readonly hist = new Int32Array(1 << 16);
  private keys: Float64Array;
  constructor(maxLayerSize: number) {
    this.keys = new Float64Array(maxLayerSize);
  }

  /** Writes GetSubnet(|scores|, keep) of one layer's scores into `out` (same length). */
  layer(scores: Float32Array, keep: number, out: Float32Array): void {
    const n = scores.length;
    if (out.length !== n) throw new Error(`subnet: out has ${out.length} entries for ${n} scores`);
    const j = Math.floor((1 - keep) * n);
    if (j <= 0) return void out.fill(1);
    if (j >= n) return void out.fill(0);
    if (this.keys.length < n) this.keys = new Float64Array(n);
    const u = new Uint32Array(scores.buffer, scores.byteOffset, n);
    const o = out;
    const hist = this.hist;
    hist.fill(0);
    for (let i = 0; i < n; i++) hist[(u[i] & 0x7fffffff) >>> 16]++;
    let below = 0, bin = 0;
    while (below + hist[bin] < j) below += hist[bin++];
    const keys = this.keys;
    let m = 0;
    for (let i = 0; i < n; i++) {
      const b = u[i] & 0x7fffffff;
      const h = b >>> 16;
      o[i] = (bin - h) >>> 31; // branch-free: 1 iff h > bin (a 60/40 branch mispredicts a lot)
      if (h === bin) keys[m++] = (b & 0xffff) * 4294967296 + i;
    }
    const inBin = keys.subarray(0, m).sort();
    const zeros = j - below;
    for (let r = 0; r < m; r++) o[inBin[r] % 4294967296] = r < zeros ? 0 : 1;
  }
}

/** The authors' GetSubnet per layer (spec §7.1): 0/1, exactly n − floor((1 − keep)·n) ones per layer. */
export function edgePopupMask(layout: Layout, scores: Float32Array, keepFraction: number): Float32Array {
  const out = new Float32Array(layout.size);
  const w = new SubnetWorker(Math.max(...layout.layers.map((l) => l.size)));
  for (const l of layout.layers) w.layer(scores.subarray(l.offset, l.offset + l.size), keepFraction, out.subarray(l.offset, l.offset + l.size));
  return out;
}

/** kaiming_uniform(a = √5): U(−1/√fan_in, 1/√fan_in) per layer (spec §2.5). */
export function initScores(layout: Layout, seed: number): Float32Array {
  const rng = seedrandom.alea(`grok-scores:${seed}`);
  const s = new Float32Array(layout.size);
  for (const l of layout.layers) {
    const bound = 1 / Math.sqrt(l.fanIn);
    for (let i = 0; i < l.size; i++) s[l.offset + i] = (2 * rng() - 1) * bound;
  }
  return s;
}

/** Per-layer subnets of the score tensors, as a fresh flat 0/1 vector (layout order). */
function subnetOf(layout: Layout, scores: Params, keep: number, worker: SubnetWorker): Float32Array {
  // a fresh array each call: some backends (cpu) keep a reference to an uploaded typed array
  const out = new Float32Array(layout.size);
  layout.layers.forEach((l, i) => worker.layer(scores[i].dataSync() as Float32Array, keep, out.subarray(l.offset, l.offset + l.size)));
  return out;
}

/** W ⊙ subnet as a flat vector (the same float32 products as tf.mul). */
function effectiveFlat(weights: Float32Array, subnet: Float32Array): Float32Array {
  const out = new Float32Array(weights.length);
  for (let i = 0; i < out.length; i++) out[i] = weights[i] * subnet[i];
  return out;
}

/**
 * Straight-through gradients from ∂L/∂w_eff (call inside tf.tidy). torch's chain through
 * `weight * GetSubnet(scores.abs())` is g·W at the subnet output, passed straight through, then
 * ·sign(s) by abs' backward; sign(s) ∈ {−1, 0, 1}, so the order of the products is exact.
 * Returns [∂L/∂s per layer] or [∂L/∂s…, ∂L/∂W…] (AdamW's parameter order).
 */
function straightThrough(gEff: Params, scores: Params, weights: Params, subnet: Params, trainWeights: boolean): Params {
  const gS = gEff.map((g, i) => tf.mul(tf.mul(g, weights[i]), tf.sign(scores[i])) as tf.Tensor2D);
  return trainWeights ? [...gS, ...gEff.map((g, i) => tf.mul(g, subnet[i]) as tf.Tensor2D)] : gS;
}

export interface EdgePopupSpec {
  layout: Layout;
  /** The memorising checkpoint θ_mem (flat, layout order): the weights W at step 0. */
  thetaMem: Float32Array;
  /** Scores at step 0 (flat, layout order), e.g. `initScores(layout, seed)`. */
  scores0: Float32Array;
  /** Fraction of each layer kept (the code's "prune_rate"; 0.4 in the paper). */
  keepFraction: number;
  /** false = "EP w/o WD" (W frozen, no decay on it); true = "EP w/ WD" (W and scores trained). */
  trainWeights: boolean;
  /** AdamW for the scores, and for the weights when trained (paper: lr 0.01, WD 1). */
  optim: AdamWConfig;
}

function validate(spec: EdgePopupSpec): void {
  const { layout, thetaMem, scores0, keepFraction } = spec;
  if (thetaMem.length !== layout.size) throw new Error(`thetaMem: ${thetaMem.length} entries; the layout has ${layout.size}`);
  if (scores0.length !== layout.size) throw new Error(`scores0: ${scores0.length} entries; the layout has ${layout.size}`);
  if (!(keepFraction >= 0 && keepFraction <= 1)) throw new Error(`keepFraction: ${keepFraction} is not in [0, 1]`);
}

export function edgePopupStepper(spec: EdgePopupSpec) {
  validate(spec);
  const { layout, keepFraction: keep, trainWeights } = spec;
  const n = layout.size;
  return (resumed: ResumeState | null): Stepper => {
    if (resumed && resumed.theta.length !== (trainWeights ? 2 * n : n)) {
      throw new Error(`edge-popup resume: theta has ${resumed.theta.length} entries; expected ${trainWeights ? `2·${n} ([scores, weights])` : `${n} (scores)`}`);
    }
    let scores = toParams(resumed ? resumed.theta.subarray(0, n) : spec.scores0, layout);
    let weights = toParams(resumed && trainWeights ? resumed.theta.subarray(n) : spec.thetaMem, layout);
    const shapes = layout.layers.map((l) => l.shape);
    const opt = new AdamW<tf.Tensor2D>(spec.optim, trainWeights ? [...shapes, ...shapes] : shapes, resumed?.optim);
    const worker = new SubnetWorker(Math.max(...layout.layers.map((l) => l.size)));
    const weightsFlat = () => (trainWeights ? toFlat(weights, layout) : spec.thetaMem);
    let M: Params = [];
    return {
      get step() {
        return opt.step;
      },
      view() {
        // W ⊙ subnet(s): the subnet depends only on s, so a resumed run is bit-identical
        const subnet = subnetOf(layout, scores, keep, worker);
        M = toParams(subnet, layout);
        const mask = M;
        const eff = tf.tidy(() => weights.map((w, i) => tf.mul(w, mask[i]) as tf.Tensor2D));
        return { eff, norms: () => weightNorms(layout, weightsFlat(), subnet), release: () => tf.dispose([...mask, ...eff]) };
      },
      update(gEff) {
        const grads = tf.tidy(() => straightThrough(gEff, scores, weights, M, trainWeights));
        const next = opt.update(trainWeights ? [...scores, ...weights] : scores, grads);
        tf.dispose([gEff, grads, scores, trainWeights ? weights : []]);
        scores = next.slice(0, scores.length);
        if (trainWeights) weights = next.slice(scores.length);
      },
      snapshot: () => effectiveFlat(weightsFlat(), subnetOf(layout, scores, keep, worker)),
      resumeState(log) {
        const s = toFlat(scores, layout);
        let theta = s;
        if (trainWeights) {
          theta = new Float32Array(2 * n);
          theta.set(s);
          theta.set(toFlat(weights, layout), n);
        }
        return { theta, optim: opt.state(), log };
      },
      dispose() {
        tf.dispose([...scores, ...weights]);
        opt.dispose();
      },
    };
  };
}
