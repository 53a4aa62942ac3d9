import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import '../setup-backend.ts';
import { denseRun, ticketRun } from '../../src/config/schema.ts';
import { getRun } from '../../src/runs/execute.ts';
import { getRuns } from '../../src/runs/pool.ts';
import { RunStore } from '../../src/store/store.ts';

describe('parallel runs', () => {
  it('worker threads give the same results as training in-process, and share the store', async () => {
    const root = mkdtempSync(join(tmpdir(), 'grok-pool-'));
    const prev = process.env.GROK_CACHE;
    process.env.GROK_CACHE = root; // the workers open the default store
    try {
      const cfgs = [1, 2, 3].map((seed) => denseRun({ data: { p: 11, fracTrain: 0.5, seed }, model: { dEmb: 8, dModel: 6 }, initSeed: seed, epochs: 40, evalEvery: 5, snapshotEvery: 20 }));
      const labels: string[] = [];
      const pooled = await getRuns(cfgs.map((config, i) => ({ config, label: `d${i}` })), { workers: 2, onProgress: (l) => labels.push(l) });
      const tickets = await getRuns(cfgs.map((c, i) => ({ config: ticketRun(c, { keepFraction: 0.5 }), label: `t${i}` })), { workers: 2 });
      const local = await getRun(cfgs[1], { store: new RunStore({ root: mkdtempSync(join(tmpdir(), 'grok-pool-ref-')) }) });
      expect(pooled[1].log).toEqual(local.log);
      expect(pooled.map((r) => r.cached)).toEqual([false, false, false]);
      expect(tickets.every((t) => t.config.derive?.method === 'magnitude')).toBe(true);
      expect(labels).toContain('d0');
      const again = await getRuns(cfgs.map((config, i) => ({ config, label: `d${i}` })), { workers: 2 });
      expect(again.map((r) => r.cached)).toEqual([true, true, true]);
    } finally {
      if (prev === undefined) delete process.env.GROK_CACHE;
      else process.env.GROK_CACHE = prev;
    }
  });

  it.each([1, 2])('GROK_POPULATION=2 with %i worker(s): runs of one shape train as populations, to the results of runs alone', async (workers) => {
    const root = mkdtempSync(join(tmpdir(), 'grok-pool-pop-'));
    const prev = { cache: process.env.GROK_CACHE, pop: process.env.GROK_POPULATION, backend: process.env.GROK_BACKEND };
    process.env.GROK_CACHE = root;
    process.env.GROK_POPULATION = '2';
    process.env.GROK_BACKEND = 'wasm'; // populations are the tfjs engine's
    try {
      const cfgs = [1, 2, 3, 4].map((seed) => denseRun({ data: { p: 11, fracTrain: 0.5, seed }, model: { dEmb: 8, dModel: 6 }, initSeed: seed, epochs: 30, evalEvery: 5, snapshotEvery: 10 }));
      const pooled = await getRuns(cfgs.map((config, i) => ({ config, label: `d${i}` })), { workers });
      const local = await getRun(cfgs[3], { store: new RunStore({ root: mkdtempSync(join(tmpdir(), 'grok-pool-ref-')) }) });
      expect(pooled[3].log).toEqual(local.log);
      expect(pooled[3].key).toBe(local.key);
      expect(pooled.map((r) => (JSON.parse(readFileSync(join(r.dir, 'meta.json'), 'utf8')) as { population?: unknown }).population)).toEqual([
        { size: 2, lane: 0 }, { size: 2, lane: 1 }, { size: 2, lane: 0 }, { size: 2, lane: 1 },
      ]);
    } finally {
      for (const [k, v] of [['GROK_CACHE', prev.cache], ['GROK_POPULATION', prev.pop], ['GROK_BACKEND', prev.backend]] as const) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });
});
