import { describe, expect, it } from 'vitest';
import { parseScale } from '../../src/config/scale.ts';
import { ConfigError, defaultRun, denseRun, parseRunConfig, ticketRun } from '../../src/config/schema.ts';
const DEFAULT_RUN = defaultRun();

describe('run config validation', () => {
  it('defaults to the paper setting (spec §3.5)', () => {
    expect(DEFAULT_RUN.data).toEqual({ task: 'add', p: 67, fracTrain: 0.4, symmetric: true, seed: 0 });
    expect(DEFAULT_RUN.optim).toEqual({ lr: 1e-3, beta1: 0.9, beta2: 0.98, eps: 1e-8, weightDecay: 1 });
    expect(DEFAULT_RUN.model).toEqual({ name: 'mlp', dEmb: 500, dModel: 48, weightScale: 1 });
    expect(DEFAULT_RUN.epochs).toBe(30_000);
  });

  it.each([
    [{ data: { p: 66 } }, /data\.p: 66 is invalid \(must be a prime\)/],
    [{ data: { task: 'foo' } }, /data\.task: "foo" is invalid \(allowed values: add, subtract/],
    [{ data: { fracTrain: 1.2 } }, /data\.fracTrain: 1\.2 is invalid/],
    [{ epochs: 0 }, /epochs: 0 is invalid/],
    [{ optim: { lr: -1 } }, /optim\.lr: -1 is invalid/],
    [{ bogus: 1 }, /unknown field\(s\) bogus/],
  ])('rejects %j with the field, value and what is allowed', (input, message) => {
    expect(() => parseRunConfig(input)).toThrow(ConfigError);
    expect(() => parseRunConfig(input)).toThrow(message);
  });

  it('rejects a ticket keep fraction outside (0, 1]', () => {
    const base = denseRun({});
    expect(() => ticketRun(base, { keepFraction: 0 })).toThrow(/derive\.keepFraction: 0 is invalid/);
    expect(() => ticketRun(base, { keepFraction: 1.5 })).toThrow(/derive\.keepFraction: 1\.5 is invalid/);
  });

  it('a ticket must share its base run\'s split and θ0, and prune a snapshotted epoch', () => {
    const base = denseRun({ epochs: 100, snapshotEvery: 50 });
    const t = ticketRun(base, { keepFraction: 0.4 });
    expect(() => parseRunConfig({ ...t, initSeed: 3 })).toThrow(/initSeed: must equal derive\.base\.initSeed/);
    expect(() => ticketRun(base, { keepFraction: 0.4, fromEpoch: 70 })).toThrow(/derive\.fromEpoch: 70 is invalid/);
    const d = ticketRun(base, { keepFraction: 0.4, fromEpoch: 50 }).derive;
    expect(d?.method === 'magnitude' && d.fromEpoch).toBe(50);
  });

  it('an unset field (undefined, as `grok train --task polynomial` passes --p) is absent, not unknown; a real unknown field is still refused', () => {
    const cli = { data: { task: 'polynomial', p: undefined, fracTrain: undefined, symmetric: undefined, seed: 0 }, model: { name: undefined } } as never;
    expect(parseRunConfig(cli).data).toEqual({ task: 'polynomial', d: 40, nTrain: 100, nTest: 100, seed: 0 });
    expect(parseRunConfig(cli).model.name).toBe('poly-mlp');
    expect(() => parseRunConfig({ data: { task: 'polynomial', p: 67 } })).toThrow(/data: unknown field\(s\) p/);
    // the full-batch default is not part of any key: batchSize 0 is dropped by normalisation
    expect(DEFAULT_RUN.batchSize).toBe(0);
    expect(() => parseRunConfig({ batchSize: -1 })).toThrow(/batchSize: -1 is invalid/);
  });

  it('rejects unknown scales naming the allowed ones', () => {
    expect(() => parseScale('huge')).toThrow('GROK_SCALE: "huge" is not a scale; allowed values: smoke, quick, ci, paper');
    expect(parseScale(undefined).name).toBe('ci');
  });
});
