import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import '../setup-backend.ts';
import { defaultRun, denseRun, derivedRun, parseRunConfig, ticketRun } from '../../src/config/schema.ts';
import { models } from '../../src/models/index.ts';
import { codeVersionOf, getRun, keyOf, runMask } from '../../src/runs/execute.ts';
import { RunStore } from '../../src/store/store.ts';

const mlpRun = denseRun({ data: { task: 'add', p: 11, fracTrain: 0.5, seed: 1 }, model: { dEmb: 8, dModel: 6 }, initSeed: 1, epochs: 30, evalEvery: 5, snapshotEvery: 10 });

describe('registries', () => {
  it('a model registered in one file trains, is pruned and keyed, with no other edit', async () => {
    const mlpKey = keyOf(mlpRun);
    const mlpCode = codeVersionOf(mlpRun);
    expect(models.has('toy')).toBe(false);
    await import('./fixtures/toy-model.ts');
    expect(models.has('toy')).toBe(true);
    // registering a model changes neither the MLP runs' keys nor their code version
    expect(keyOf(mlpRun)).toBe(mlpKey);
    expect(codeVersionOf(mlpRun)).toBe(mlpCode);

    const store = new RunStore({ root: mkdtempSync(join(tmpdir(), 'grok-toy-')) });
    const dense = denseRun({ data: { task: 'add', p: 11, fracTrain: 0.5, seed: 2 }, model: { name: 'toy', width: 5 }, initSeed: 2, epochs: 40, evalEvery: 5, snapshotEvery: 20 });
    expect(dense.model).toEqual({ name: 'toy', width: 5, weightScale: 1 });
    expect(codeVersionOf(dense)).not.toBe(mlpCode);
    const before = tf.memory().numTensors;
    const d = await getRun(dense, { store });
    expect(tf.memory().numTensors).toBe(before);
    expect(d.log.trainAccEvery.length).toBe(41);
    expect(d.log.trainLoss[0]).toBeGreaterThan(d.log.trainLoss.at(-1)!); // autodiff gradients descend

    // prunable through its layout: a grokking ticket, a norm-matched control and a SNIP mask
    const ticket = await getRun(ticketRun(dense, { keepFraction: 0.5 }), { store });
    const mask = (await runMask(ticket))!;
    expect(mask.length).toBe(11 * 5 + 5 * 11);
    expect(mask.reduce((a, b) => a + b, 0)).toBe(55);
    const l2 = await getRun(derivedRun(dense, { method: 'normMatched', norm: 'l2', keepFraction: 0.5 }, { epochs: 10 }), { store });
    expect(l2.meta.normRatio).toBeGreaterThan(0);
    const snip = await getRun(derivedRun(dense, { method: 'pai', scorer: 'snip', keepFraction: 0.5 }, { epochs: 10 }), { store });
    expect(snip.meta.maskDensity!.reduce((a, l) => a + l.kept, 0)).toBe(55);
    expect(tf.memory().numTensors).toBe(before);
  }, 120_000);

  it('the config unions are built from the registries, with errors in the user\'s terms', () => {
    expect(defaultRun().model.name).toBe('mlp');
    expect(parseRunConfig({ data: { task: 'subtract' } }).model.name).toBe('transformer');
    expect(parseRunConfig({ data: { task: 'subtract' } }).data.symmetric).toBe(false);
    expect(() => parseRunConfig({ model: { name: 'resnet' } })).toThrow(/model\.name: "resnet" is invalid \(allowed values: mlp, transformer/);
    expect(() => parseRunConfig({ data: { task: 'subtract', symmetric: true } })).toThrow(/data\.symmetric: true is invalid \(subtract is not commutative/);
    expect(() => parseRunConfig({ data: { task: 'subtract' }, model: { name: 'mlp' } })).toThrow(/model\.name: "mlp" is invalid \(its output cannot depend on the order of the tokens.*use --model transformer/);
    expect(() => parseRunConfig({ model: { name: 'mlp', dHead: 3 } })).toThrow(/model: unknown field\(s\) dHead/);
  });
});
