import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import '../setup-backend.ts';
import { denseRun, ticketRun, type RunConfig } from '../../src/config/schema.ts';
import { getRun, RunInterrupted, type RunResult } from '../../src/runs/execute.ts';
import { getPopulations, populationGroups } from '../../src/runs/population.ts';
import { RunStore } from '../../src/store/store.ts';

// populations are the tfjs engine's (a GPU's way to fill the device); the native engine trains one run per session
let prevBackend: string | undefined;
beforeAll(() => {
  prevBackend = process.env.GROK_BACKEND;
  process.env.GROK_BACKEND = 'wasm';
});
afterAll(() => {
  if (prevBackend === undefined) delete process.env.GROK_BACKEND;
  else process.env.GROK_BACKEND = prevBackend;
});

/** The population executor through the store: same keys, files and results as the runs alone. */
const tmpStore = () => new RunStore({ root: mkdtempSync(join(tmpdir(), 'grok-population-')) });
const dense = (seed: number, extra: Partial<{ epochs: number; dEmb: number; dModel: number; p: number }> = {}) =>
  denseRun({
    data: { p: extra.p ?? 11, fracTrain: 0.5, seed }, model: { dEmb: extra.dEmb ?? 12, dModel: extra.dModel ?? 6 },
    optim: { lr: 0.01 }, initSeed: seed, epochs: extra.epochs ?? 24, evalEvery: 4, snapshotEvery: 8,
  });
const jobs = (configs: RunConfig[]) => configs.map((config, i) => ({ config, label: `run ${i}` }));
const meta = (r: RunResult) => JSON.parse(readFileSync(join(r.dir, 'meta.json'), 'utf8')) as { population?: { size: number; lane: number }; resumedFromEpoch?: number };
const metrics = (r: RunResult) => readFileSync(join(r.dir, 'metrics.json'), 'utf8');

describe('population executor', () => {
  it('groups runs by shape, at most `size` each; minibatch runs stay alone', () => {
    const a = dense(0), b = dense(1), c = dense(2, { epochs: 30 }), d = dense(3);
    const mb = denseRun({ ...dense(4), batchSize: 2 });
    expect(populationGroups([a, b, c, d, mb], 2)).toEqual([[0, 1], [3], [2], [4]]);
    expect(populationGroups([a, b, c, d, mb], 5)).toEqual([[0, 1, 3], [2], [4]]);
  });

  it('trains runs of one shape together: keys, metrics and checkpoints equal the runs alone; a ticket is a lane too', async () => {
    const configs = [dense(0), dense(1), dense(2)];
    const before = tf.memory().numTensors;
    const together = await getPopulations(jobs(configs), { size: 3, store: tmpStore() });
    expect(tf.memory().numTensors).toBe(before);
    const aloneStore = tmpStore();
    for (const [i, c] of configs.entries()) {
      const alone = await getRun(c, { store: aloneStore });
      expect(together[i].key).toBe(alone.key);
      expect(metrics(together[i])).toBe(metrics(alone));
      expect(readFileSync(join(together[i].dir, 'checkpoints', '24.safetensors'))).toEqual(readFileSync(join(alone.dir, 'checkpoints', '24.safetensors')));
      expect(meta(together[i]).population).toEqual({ size: 3, lane: i });
      expect(meta(alone).population).toBeUndefined();
    }
    // tickets of those runs (their bases are found in the store) form the next population
    const tickets = configs.map((c) => ticketRun(c, { keepFraction: 0.5 }));
    const store2 = tmpStore();
    const t = await getPopulations(jobs(tickets), { size: 3, store: store2 });
    for (const [i, c] of tickets.entries()) {
      const alone = await getRun(c, { store: aloneStore });
      expect(metrics(t[i])).toBe(metrics(alone));
      expect(meta(t[i]).population).toEqual({ size: 3, lane: i });
    }
    // asked again: every run from the store
    const again = await getPopulations(jobs([...configs, ...tickets]), { size: 3, store: store2 });
    expect(again.every((r) => r.cached)).toBe(true);
  });

  it('a member found in the store leaves the group; the others train without waiting for it', async () => {
    const store = tmpStore();
    const configs = [dense(0), dense(1), dense(2)];
    await getRun(configs[1], { store });
    const r = await getPopulations(jobs(configs), { size: 3, store });
    expect(r.map((x) => x.cached)).toEqual([false, true, false]);
    expect(meta(r[0]).population).toEqual({ size: 2, lane: 0 });
    expect(meta(r[2]).population).toEqual({ size: 2, lane: 1 });
  });

  it('a killed population resumes as its runs would, to the same results', async () => {
    const store = tmpStore();
    const configs = [dense(0), dense(1)];
    await expect(getPopulations(jobs(configs), { size: 2, store, resumeEvery: 8, stopAfterEpoch: 10 })).rejects.toBeInstanceOf(RunInterrupted);
    const resumed = await getPopulations(jobs(configs), { size: 2, store, resumeEvery: 8 });
    const fresh = await getPopulations(jobs(configs), { size: 2, store: tmpStore(), resumeEvery: 8 });
    for (let i = 0; i < 2; i++) {
      expect(meta(resumed[i]).resumedFromEpoch).toBe(8);
      expect(resumed[i].log).toEqual(fresh[i].log);
    }
    // one run alone resumes from a population's resume file just the same
    const store3 = tmpStore();
    await expect(getPopulations(jobs(configs), { size: 2, store: store3, resumeEvery: 8, stopAfterEpoch: 10 })).rejects.toBeInstanceOf(RunInterrupted);
    const alone = await getRun(configs[0], { store: store3, resumeEvery: 8 });
    expect(alone.log).toEqual(fresh[0].log);
  });

  it.runIf(tf.getBackend() === 'wasm')('where lanes would round differently (wasm at the paper MLP shapes) the runs train one at a time, and it says so', async () => {
    const write = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const quiet = process.env.GROK_QUIET;
    delete process.env.GROK_QUIET;
    try {
      const configs = [dense(0, { p: 67, dEmb: 500, dModel: 48, epochs: 4 }), dense(1, { p: 67, dEmb: 500, dModel: 48, epochs: 4 })];
      const r = await getPopulations(jobs(configs), { size: 2, store: tmpStore() });
      expect(r.map((x) => meta(x).population)).toEqual([undefined, undefined]);
      expect(write.mock.calls.map((c) => String(c[0])).join('')).toMatch(/differs in float32 rounding from the run alone, so these runs train one at a time/);
      const alone = await getRun(configs[1], { store: tmpStore() });
      expect(r[1].log).toEqual(alone.log);
    } finally {
      write.mockRestore();
      if (quiet !== undefined) process.env.GROK_QUIET = quiet;
    }
  });
});
