import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import '../setup-backend.ts';
import { losses } from '../../src/losses/index.ts';
import { ensureGradients } from '../../src/models/autodiff.ts';
import type { Batch } from '../../src/models/types.ts';

const bce = losses.get('binaryCrossEntropy');

describe('binary cross-entropy on one logit', () => {
  it('is −mean(y log σ(z) + (1 − y) log(1 − σ(z))), its gradient is autodiff\'s, accuracy is z > 0', () => {
    ensureGradients();
    fc.assert(fc.property(fc.array(fc.tuple(fc.double({ min: -8, max: 8, noNaN: true }), fc.boolean()), { minLength: 1, maxLength: 12 }), (rows) => {
      const labels = Int32Array.from(rows, ([, y]) => (y ? 1 : 0));
      const n = rows.length;
      const targets = bce.targets({ kind: 'tokens', n, vocab: 2, tokens: [], labels }, 1);
      const batch = { n, ...targets } as Batch;
      const z = tf.tensor2d(rows.map(([v]) => v), [n, 1]);
      const zs = z.dataSync();
      const sig = (v: number) => 1 / (1 + Math.exp(-v));
      const expected = -rows.reduce((s, _, i) => s + (labels[i] ? Math.log(sig(zs[i])) : Math.log(1 - sig(zs[i]))), 0) / n;
      const value = tf.tidy(() => bce.value(z, batch).dataSync()[0]);
      expect(value).toBeCloseTo(expected, 4);
      const [g, auto] = tf.tidy(() => [bce.grad(z, batch).dataSync(), tf.grad((x: tf.Tensor) => bce.value(x as tf.Tensor2D, batch))(z).dataSync()]);
      for (let i = 0; i < n; i++) expect(g[i]).toBeCloseTo(auto[i], 5);
      expect(bce.accuracy(z, batch)).toBe(rows.filter(([, y], i) => (zs[i] > 0) === y).length / n);
      tf.dispose([z, ...Object.values(targets).filter((t): t is tf.Tensor => t instanceof tf.Tensor)]);
    }), { numRuns: 40 });
  });

  it('stays finite where σ(z) rounds to 0 or 1 in float32', () => {
    const targets = bce.targets({ kind: 'tokens', n: 2, vocab: 2, tokens: [], labels: Int32Array.from([0, 1]) }, 1);
    const z = tf.tensor2d([200, -200], [2, 1]);
    expect(tf.tidy(() => bce.value(z, { n: 2, ...targets } as Batch).dataSync()[0])).toBeCloseTo(200, 3);
    tf.dispose([z, targets.y as tf.Tensor]);
  });

  it('refuses labels other than 0/1 and a task with more than one output', () => {
    expect(() => bce.targets({ kind: 'tokens', n: 1, vocab: 2, tokens: [], labels: Int32Array.from([2]) }, 1)).toThrow('label 2 is not 0 or 1');
    expect(() => bce.targets({ kind: 'tokens', n: 1, vocab: 2, tokens: [], labels: Int32Array.from([1]) }, 2)).toThrow('needs one output');
  });
});
