import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import '../setup-backend.ts';
import { AdamW, PAPER_ADAMW, type AdamWConfig } from '../../src/optim/adamw.ts';

/** torch 2.0 `_single_tensor_adamw`, one scalar at a time, in float64. */
function referenceAdamW(cfg: AdamWConfig, theta: number[], grads: number[][]): number[] {
  const p = [...theta];
  const m = p.map(() => 0);
  const v = p.map(() => 0);
  grads.forEach((g, t0) => {
    const t = t0 + 1;
    for (let i = 0; i < p.length; i++) {
      p[i] *= 1 - cfg.lr * cfg.weightDecay;
      m[i] += (g[i] - m[i]) * (1 - cfg.beta1);
      v[i] = v[i] * cfg.beta2 + (1 - cfg.beta2) * g[i] * g[i];
      const denom = Math.sqrt(v[i]) / Math.sqrt(1 - cfg.beta2 ** t) + cfg.eps;
      p[i] -= (cfg.lr / (1 - cfg.beta1 ** t)) * (m[i] / denom);
    }
  });
  return p;
}

const f32 = fc.float({ min: -2, max: 2, noNaN: true, noDefaultInfinity: true }).map((x) => Math.fround(x));

describe('AdamW', () => {
  it('matches a scalar float64 reference of torch AdamW over random steps', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }).chain((n) =>
          fc.record({
            theta: fc.array(f32, { minLength: n, maxLength: n }),
            grads: fc.array(fc.array(f32, { minLength: n, maxLength: n }), { minLength: 1, maxLength: 12 }),
            wd: fc.constantFrom(0, 0.1, 1),
            lr: fc.constantFrom(1e-3, 1e-2),
          }),
        ),
        ({ theta, grads, wd, lr }) => {
          const cfg = { ...PAPER_ADAMW, lr, weightDecay: wd };
          const opt = new AdamW(cfg, [[theta.length]]);
          let p: tf.Tensor[] = [tf.tensor1d(theta)];
          for (const g of grads) {
            const gt = tf.tensor1d(g);
            const next = opt.update(p, [gt]);
            tf.dispose([...p, gt]);
            p = next;
          }
          const got = p[0].dataSync();
          const want = referenceAdamW(cfg, theta, grads);
          want.forEach((w, i) => expect(Math.abs(got[i] - w)).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(w))));
          tf.dispose(p);
          opt.dispose();
        },
      ),
      { numRuns: 60 },
    );
  });

  it('decays a weight whose gradient is always zero by exactly (1 − lr·wd) per step', () => {
    const opt = new AdamW(PAPER_ADAMW, [[1]]);
    let p: tf.Tensor[] = [tf.tensor1d([0.5])];
    for (let i = 0; i < 100; i++) {
      const g = tf.zeros([1]);
      const next = opt.update(p, [g]);
      tf.dispose([...p, g]);
      p = next;
    }
    expect(p[0].dataSync()[0]).toBeCloseTo(0.5 * (1 - 1e-3) ** 100, 5);
    tf.dispose(p);
    opt.dispose();
  });
});
