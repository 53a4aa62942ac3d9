import * as tf from '@tensorflow/tfjs-core';
import { laneOf, stackLanes, toFlat, toLaneParams, toParams, type Layout, type Params } from '../../models/layout.ts';
import { AdamW, type AdamWConfig, type AdamWState } from '../../optim/adamw.ts';
import type { LaneStepper, ResumeState, Stepper } from '../loop.ts';
import { weightNorms } from '../norms.ts';

/**
 * Dense training, or a ticket with a fixed mask M: the network computes with θ ⊙ M, and the
 * gradient is masked the same way, so pruned weights get exactly 0 gradient (spec §4.4) while
 * AdamW's decoupled decay still shrinks them (spec §12.3). Snapshots and the resume state hold θ.
 *
 * `denseLanes` steps a population: θ, AdamW's moments and the masks stacked [N, …] per layer, one
 * lane per run. AdamW is elementwise, so each lane's update is its run's; a lane without a mask
 * gets a mask of ones, and θ·1 = θ exactly.
 */
export interface DenseLane {
  theta0: Float32Array;
  mask: Float32Array | null;
}

export function denseLanes(spec: { layout: Layout; optim: AdamWConfig; lanes: DenseLane[] }) {
  const { layout, optim, lanes } = spec;
  const n = lanes.length;
  return (resumed: (ResumeState | null)[]): LaneStepper => {
    const steps = new Set(resumed.map((r) => r?.optim.step ?? 0));
    if (steps.size > 1) throw new Error(`a population's runs must resume from one step; got steps ${[...steps].join(', ')}`);
    const upload = (flats: Float32Array[]) => (n === 1 ? toParams(flats[0], layout) : toLaneParams(flats, layout));
    let theta = upload(lanes.map((l, i) => resumed[i]?.theta ?? l.theta0));
    const masks = lanes.map((l) => l.mask);
    const mask = masks.some(Boolean) ? upload(masks.map((m) => m ?? new Float32Array(layout.size).fill(1))) : null;
    const state = (which: 'm' | 'v'): Float32Array => (n === 1 ? resumed[0]!.optim[which] : stackLanes(resumed.map((r) => r!.optim[which]), layout));
    const optimState: AdamWState | undefined = resumed[0] ? { m: state('m'), v: state('v'), step: resumed[0].optim.step } : undefined;
    const opt = new AdamW<tf.Tensor2D>(optim, theta.map((t) => t.shape), optimState);
    const masked = (ps: Params): Params => (mask ? ps.map((t, i) => tf.mul(t, mask[i]) as tf.Tensor2D) : ps);
    const flatTheta = () => toFlat(theta, { ...layout, size: n * layout.size, layers: layout.layers.map((l) => ({ ...l, offset: n * l.offset })) });
    const lane = (flat: Float32Array, i: number) => (n === 1 ? flat : laneOf(flat, layout, n, i));
    return {
      get step() {
        return opt.step;
      },
      view() {
        const eff = masked(theta);
        return {
          eff,
          norms: () => {
            const flat = flatTheta();
            return lanes.map((l, i) => weightNorms(layout, lane(flat, i), l.mask));
          },
          release: () => {
            if (eff !== theta) tf.dispose(eff);
          },
        };
      },
      update(gEff) {
        const grads = mask ? tf.tidy(() => masked(gEff)) : gEff;
        const next = opt.update(theta, grads);
        tf.dispose([gEff, grads, theta]);
        theta = next;
      },
      snapshot: (i) => lane(flatTheta(), i),
      resumeState: (i, log) => {
        const s = opt.state();
        return { theta: lane(flatTheta(), i), optim: { m: lane(s.m, i), v: lane(s.v, i), step: s.step }, log };
      },
      dispose() {
        tf.dispose([...theta, ...(mask ?? [])]);
        opt.dispose();
      },
    };
  };
}

/** One run's dense stepper (a population of one). */
export function denseStepper(spec: { layout: Layout; theta0: Float32Array; mask: Float32Array | null; optim: AdamWConfig }) {
  const make = denseLanes({ layout: spec.layout, optim: spec.optim, lanes: [{ theta0: spec.theta0, mask: spec.mask }] });
  return (resumed: ResumeState | null): Stepper => {
    const s = make([resumed]);
    return {
      get step() {
        return s.step;
      },
      view() {
        const v = s.view();
        return { eff: v.eff, norms: () => v.norms()[0], release: v.release };
      },
      update: (gEff, view) => s.update(gEff, { ...view, norms: () => [view.norms()] }),
      snapshot: () => s.snapshot(0),
      resumeState: (log) => s.resumeState(0, log),
      dispose: () => s.dispose(),
    };
  };
}
