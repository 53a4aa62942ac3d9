import * as tf from '@tensorflow/tfjs-core';
import { toFlat, toParams, type Layout, type Params } from '../../models/layout.ts';
import { AdamW, type AdamWConfig } from '../../optim/adamw.ts';
import type { ResumeState, Stepper } from '../loop.ts';
import { weightNorms } from '../norms.ts';

/**
 * Dense training, or a ticket with a fixed mask M: the network computes with θ ⊙ M, and the
 * gradient is masked the same way, so pruned weights get exactly 0 gradient (spec §4.4) while
 * AdamW's decoupled decay still shrinks them (spec §12.3). Snapshots and the resume state hold θ.
 */
export function denseStepper(spec: { layout: Layout; theta0: Float32Array; mask: Float32Array | null; optim: AdamWConfig }) {
  const { layout, optim } = spec;
  return (resumed: ResumeState | null): Stepper => {
    let theta = toParams(resumed?.theta ?? spec.theta0, layout);
    const mask = spec.mask ? toParams(spec.mask, layout) : null;
    const opt = new AdamW<tf.Tensor2D>(optim, layout.layers.map((l) => l.shape), resumed?.optim);
    const masked = (ps: Params): Params => (mask ? ps.map((t, i) => tf.mul(t, mask[i]) as tf.Tensor2D) : ps);
    return {
      get step() {
        return opt.step;
      },
      view() {
        const eff = masked(theta);
        return {
          eff,
          norms: () => weightNorms(layout, toFlat(theta, layout), spec.mask),
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
      snapshot: () => toFlat(theta, layout),
      resumeState: (log) => ({ theta: toFlat(theta, layout), optim: opt.state(), log }),
      dispose() {
        tf.dispose([...theta, ...(mask ?? [])]);
        opt.dispose();
      },
    };
  };
}
