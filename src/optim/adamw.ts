import * as tf from '@tensorflow/tfjs-core';

/**
 * AdamW exactly as torch 2.0 `_single_tensor_adamw` (spec §3.2), over a list of parameter tensors
 * (one per layer; the flat state is their concatenation in list order).
 *
 * Decay is decoupled and applied to every entry, pruned ones included: their gradient is exactly
 * zero, so their moments stay zero and only the decay moves them (spec §4.4), as in the authors' runs.
 */
export interface AdamWConfig {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
}

export const PAPER_ADAMW: AdamWConfig = { lr: 1e-3, beta1: 0.9, beta2: 0.98, eps: 1e-8, weightDecay: 1 };

export interface AdamWState {
  m: Float32Array;
  v: Float32Array;
  step: number;
}

export class AdamW<T extends tf.Tensor = tf.Tensor> {
  m: T[];
  v: T[];
  step: number;
  private readonly decay: tf.Scalar;
  private readonly oneMinusB1: tf.Scalar;
  private readonly b2: tf.Scalar;
  private readonly oneMinusB2: tf.Scalar;
  private readonly eps: tf.Scalar;

  constructor(
    readonly cfg: AdamWConfig,
    shapes: number[][],
    state?: AdamWState,
  ) {
    let offset = 0;
    const slices = (flat: Float32Array) =>
      shapes.map((shape) => {
        const size = shape.reduce((a, b) => a * b, 1);
        const t = tf.tensor(flat.subarray(offset, offset + size), shape) as T;
        offset += size;
        return t;
      });
    this.m = state ? slices(state.m) : shapes.map((s) => tf.zeros(s) as T);
    offset = 0;
    this.v = state ? slices(state.v) : shapes.map((s) => tf.zeros(s) as T);
    this.step = state?.step ?? 0;
    this.decay = tf.scalar(1 - cfg.lr * cfg.weightDecay);
    this.oneMinusB1 = tf.scalar(1 - cfg.beta1);
    this.b2 = tf.scalar(cfg.beta2);
    this.oneMinusB2 = tf.scalar(1 - cfg.beta2);
    this.eps = tf.scalar(cfg.eps);
  }

  /** Returns the updated parameters (new tensors); the caller owns and disposes the old ones. */
  update(params: T[], grads: T[]): T[] {
    this.step += 1;
    const { beta1, beta2, lr } = this.cfg;
    const stepSize = tf.scalar(lr / (1 - beta1 ** this.step));
    const bc2Sqrt = tf.scalar(Math.sqrt(1 - beta2 ** this.step));
    const next = params.map((theta, i) =>
      tf.tidy(() => {
        const g = grads[i];
        const decayed = this.cfg.weightDecay === 0 ? theta : tf.mul(theta, this.decay);
        // torch: exp_avg.lerp_(grad, 1 - β1) and exp_avg_sq.mul_(β2).addcmul_(grad, grad, 1 - β2)
        const m = tf.add(this.m[i], tf.mul(tf.sub(g, this.m[i]), this.oneMinusB1));
        const v = tf.add(tf.mul(this.v[i], this.b2), tf.mul(tf.square(g), this.oneMinusB2));
        const denom = tf.add(tf.div(tf.sqrt(v), bc2Sqrt), this.eps);
        const out = tf.sub(decayed, tf.mul(tf.div(m, denom), stepSize));
        this.m[i].dispose();
        this.v[i].dispose();
        this.m[i] = tf.keep(m) as T;
        this.v[i] = tf.keep(v) as T;
        return out as T;
      }),
    );
    tf.dispose([stepSize, bc2Sqrt]);
    return next;
  }

  state(): AdamWState {
    const flat = (ts: T[]) => {
      const size = ts.reduce((a, t) => a + t.size, 0);
      const out = new Float32Array(size);
      let o = 0;
      for (const t of ts) {
        out.set(t.dataSync() as Float32Array, o);
        o += t.size;
      }
      return out;
    };
    return { m: flat(this.m), v: flat(this.v), step: this.step };
  }

  dispose(): void {
    tf.dispose([...this.m, ...this.v, this.decay, this.oneMinusB1, this.b2, this.oneMinusB2, this.eps]);
  }
}
