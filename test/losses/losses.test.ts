import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import '../setup-backend.ts';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { losses } from '../../src/losses/index.ts';
import type { Examples } from '../../src/tasks/types.ts';
import { milestones } from '../../src/train/milestones.ts';

/** Each registered loss's hand-written ∂loss/∂output equals autodiff of its value. */
describe('losses', () => {
  const examples = (n: number, c: number, seed: number, kind: 'tokens' | 'vectors'): Examples => {
    let s = seed + 1;
    const rnd = () => ((s = (s * 16807) % 2147483647) / 2147483647);
    const labels = Int32Array.from({ length: n }, () => Math.floor(rnd() * c));
    return kind === 'tokens'
      ? { kind, n, vocab: c, tokens: [labels, labels], labels }
      : { kind, n, dim: 1, x: new Float32Array(n), targets: Float32Array.from({ length: n * c }, () => rnd() * 2 - 1) };
  };

  // binary cross-entropy reads one logit per example, not c classes: test/losses/binary-cross-entropy.test.ts
  it.each(losses.names().filter((n) => n !== 'binaryCrossEntropy'))('%s: grad is the gradient of value, and nothing leaks', (name) => {
    const loss = losses.get(name);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 2, max: 7 }), fc.nat(1000), (n, c, seed) => {
        const ex = examples(n, c, seed, name === 'mse' && seed % 2 ? 'vectors' : 'tokens');
        const targets = loss.targets(ex, c);
        const batch = { n, ...targets };
        const before = tf.memory().numTensors;
        const { mine, auto } = tf.tidy(() => {
          const out = tf.randomNormal([n, c], 0, 3, 'float32', seed) as tf.Tensor2D;
          return { mine: loss.grad(out, batch).dataSync(), auto: tf.grad((o: tf.Tensor) => loss.value(o as tf.Tensor2D, batch))(out).dataSync() };
        });
        expect(tf.memory().numTensors).toBe(before);
        for (let i = 0; i < mine.length; i++) expect(mine[i]).toBeCloseTo(auto[i], 5);
        tf.dispose(Object.values(targets).filter((t): t is tf.Tensor => t instanceof tf.Tensor));
      }),
      { numRuns: 25 },
    );
  });

  it('a loss milestone: t_mem and t_gen are the first evaluated epochs below the threshold', () => {
    const log = { trainAccEvery: [0, 0, 0, 0, 0, 0, 0], epochs: [0, 2, 4, 6], testAcc: [0, 0, 0, 0], trainLoss: [1, 0.05, 0.001, 0], testLoss: [1, 0.9, 0.2, 0.009] };
    expect(milestones(log, { metric: 'loss', threshold: 0.01 })).toEqual({ tMem: 4, tGen: 6, tauGrok: 1.5, horizon: 6 });
    expect(milestones(log, { metric: 'loss', threshold: 0.001 })).toEqual({ tMem: 6, tGen: null, tauGrok: null, horizon: 6 });
  });
});
