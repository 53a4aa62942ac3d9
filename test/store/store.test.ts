import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CorruptFileError, readJson } from '../../src/store/files.ts';
import { runKey } from '../../src/store/hash.ts';
import { TENSOR_EXT } from '../../src/store/safetensors.ts';
import { packageRoot } from '../../src/util/paths.ts';
import { LockCompromisedError, lockPathFor, tryLock } from '../../src/store/lock.ts';
import {
  RunConfigMismatchError,
  RunStore,
  type RunContext,
  type RunReader,
  type StoreEvent,
} from '../../src/store/store.ts';

const base = mkdtempSync(join(tmpdir(), 'grok-store-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));
let n = 0;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const DEFAULTS = { p: 97, seed: 0, lr: 1e-3 };
const CODE = 'c0de00000001';

function setup() {
  const events: StoreEvent[] = [];
  const store = new RunStore({ root: join(base, `s${n++}`), onEvent: (e) => events.push(e) });
  return { store, events, types: () => events.map((e) => e.type) };
}

function trainLike(calls: { n: number }, delayMs = 0) {
  return async (ctx: RunContext): Promise<void> => {
    calls.n++;
    await ctx.saveCheckpoint('init', { theta: Float32Array.from([1, 2, 3]) }, { epoch: 0 });
    await sleep(delayMs);
    await ctx.saveCheckpoint('final', { theta: Float32Array.from([4, 5, 6]) }, { epoch: 10 });
    await ctx.writeJson('metrics.json', { epochs: [0, 10], testAcc: [0.01, 1] });
  };
}

const loadFinal = async (_dir: string, run: RunReader) => {
  const { tensors, meta } = await run.loadCheckpoint('final');
  return { theta: Array.from(tensors.theta), epoch: Number(meta.epoch), metrics: await run.readJson('metrics.json') };
};

describe('RunStore.getOrCompute', () => {
  it('computes on a miss, writes the documented layout, then hits without computing', async () => {
    const { store, types } = setup();
    const config = { p: 97, seed: 1, lr: 1e-3 };
    const key = runKey(config, DEFAULTS, CODE);
    const calls = { n: 0 };
    const first = await store.getOrCompute(key, config, trainLike(calls), loadFinal, { defaults: DEFAULTS, codeVersion: CODE });
    expect(first).toEqual({ theta: [4, 5, 6], epoch: 10, metrics: { epochs: [0, 10], testAcc: [0.01, 1] } });
    expect(types()).toEqual(['miss', 'done']);

    const dir = store.runDir(key);
    expect(dir).toBe(join(store.root, 'runs', key));
    expect(await readJson(join(dir, 'config.json'))).toEqual({ key, codeVersion: CODE, config });
    const done = await readJson<{ finishedAt: string; durationMs: number }>(join(dir, 'DONE'));
    expect(Date.parse(done.finishedAt)).toBeGreaterThan(0);
    expect(done.durationMs).toBeGreaterThanOrEqual(0);
    expect(existsSync(join(dir, 'checkpoints', `init${TENSOR_EXT}`))).toBe(true);
    expect(store.reader(key).listCheckpoints()).toEqual(['final', 'init']);
    expect(existsSync(lockPathFor(dir))).toBe(false);

    const second = await store.getOrCompute(key, config, trainLike(calls), loadFinal, { defaults: DEFAULTS, codeVersion: CODE });
    expect(second).toEqual(first);
    expect(calls.n).toBe(1);
    expect(types()).toEqual(['miss', 'done', 'hit']);
    expect(await store.tryLoad(key, loadFinal)).toEqual(first);
  });

  it('two concurrent calls in one process compute once and share the result', async () => {
    const { store, types } = setup();
    const other = new RunStore({ root: store.root }); // a second instance shares the in-process memo
    const key = runKey({ seed: 2 }, DEFAULTS, CODE);
    const calls = { n: 0 };
    const results = await Promise.all([
      store.getOrCompute(key, { seed: 2 }, trainLike(calls, 100), loadFinal),
      store.getOrCompute(key, { seed: 2 }, trainLike(calls, 100), loadFinal),
      other.getOrCompute(key, { seed: 2 }, trainLike(calls, 100), loadFinal),
    ]);
    expect(calls.n).toBe(1);
    expect(results[1]).toEqual(results[0]);
    expect(results[2]).toEqual(results[0]);
    // The joiner's 'wait' can come before the computing call's 'miss' (which awaits the lock first).
    expect(types().sort()).toEqual(['done', 'miss', 'wait']);
  });

  it('a failed compute leaves no DONE and keeps its resume state for the next attempt', async () => {
    const { store, types } = setup();
    const key = runKey({ seed: 3 }, DEFAULTS, CODE);
    const crash = async (ctx: RunContext): Promise<void> => {
      expect(await ctx.loadResume()).toBeNull();
      await ctx.saveResume({ theta: Float32Array.from([7]), m: new Float32Array(1) }, { epoch: 500, rng: '1,2' });
      throw new Error('out of memory at epoch 501');
    };
    await expect(store.getOrCompute(key, { seed: 3 }, crash, loadFinal)).rejects.toThrow('epoch 501');
    expect(store.isDone(key)).toBe(false);
    expect(await store.tryLoad(key, loadFinal)).toBeNull();

    let resumedFrom: unknown = null;
    const resume = async (ctx: RunContext): Promise<void> => {
      const state = await ctx.loadResume();
      resumedFrom = state?.meta;
      expect(Array.from(state!.tensors.theta)).toEqual([7]);
      await trainLike({ n: 0 })(ctx);
    };
    const out = await store.getOrCompute(key, { seed: 3 }, resume, loadFinal);
    expect(resumedFrom).toEqual({ epoch: '500', rng: '1,2' });
    expect(out.epoch).toBe(10);
    expect(types()).toEqual(['miss', 'miss', 'done']);
  });

  it('refuses a config.json that describes a different run, naming the file', async () => {
    const { store } = setup();
    const key = runKey({ seed: 4 }, DEFAULTS, CODE);
    await store.getOrCompute(key, { seed: 4 }, trainLike({ n: 0 }), loadFinal);
    const cfg = join(store.runDir(key), 'config.json');
    const err = await store.getOrCompute(key, { seed: 5 }, trainLike({ n: 0 }), loadFinal).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RunConfigMismatchError);
    expect((err as Error).message).toContain(cfg);

    // Same for an unfinished run (config.json written, no DONE), checked under the lock.
    const key2 = runKey({ seed: 6 }, DEFAULTS, CODE);
    mkdirSync(store.runDir(key2), { recursive: true });
    writeFileSync(join(store.runDir(key2), 'config.json'), JSON.stringify({ key: key2, codeVersion: null, config: { seed: 7 } }));
    await expect(store.getOrCompute(key2, { seed: 6 }, trainLike({ n: 0 }), loadFinal)).rejects.toThrow(RunConfigMismatchError);
  });

  it('recognises a run stored before a default-valued field existed (compared after normalisation)', async () => {
    const { store } = setup();
    const oldConfig = { p: 97, seed: 8, lr: 1e-3 };
    const key = runKey(oldConfig, DEFAULTS, CODE);
    const calls = { n: 0 };
    await store.getOrCompute(key, oldConfig, trainLike(calls), loadFinal, { defaults: DEFAULTS, codeVersion: CODE });

    const newDefaults = { ...DEFAULTS, bias: false };
    const newConfig = { ...oldConfig, bias: false };
    const newKey = runKey(newConfig, newDefaults, CODE);
    expect(newKey).toBe(key);
    await store.getOrCompute(newKey, newConfig, trainLike(calls), loadFinal, { defaults: newDefaults, codeVersion: CODE });
    expect(calls.n).toBe(1);
  });

  it('rejects a key that was not made from the config', async () => {
    const { store } = setup();
    const key = runKey({ seed: 9 }, DEFAULTS, CODE);
    await expect(
      store.getOrCompute(key, { seed: 10 }, trainLike({ n: 0 }), loadFinal, { defaults: DEFAULTS, codeVersion: CODE }),
    ).rejects.toThrow(/does not match its config/);
    expect(() => store.runDir('../etc')).toThrow(/16 lowercase hex/);
  });

  it('keeps compute away from the store’s own files and outside the run directory', async () => {
    const { store } = setup();
    const key = runKey({ seed: 11 }, DEFAULTS, CODE);
    const tries: string[] = [];
    await store.getOrCompute(
      key,
      { seed: 11 },
      async (ctx) => {
        for (const name of ['DONE', 'config.json', '../escape.json', '/abs.json', '.hidden', 'checkpoints/x.json']) {
          await ctx.writeJson(name, {}).then(
            () => tries.push(`${name}: allowed`),
            () => tries.push(`${name}: refused`),
          );
        }
        await expect(ctx.saveCheckpoint('../x', {})).rejects.toThrow(/checkpoint name/);
        await ctx.writeJson('masks/global.json', { keep: 0.1 });
      },
      async (_dir, run) => run.readJson('masks/global.json'),
    );
    expect(tries.every((t) => t.endsWith('refused'))).toBe(true);
  });

  it('a damaged checkpoint in a finished run surfaces as CorruptFileError naming the file', async () => {
    const { store } = setup();
    const key = runKey({ seed: 12 }, DEFAULTS, CODE);
    await store.getOrCompute(key, { seed: 12 }, trainLike({ n: 0 }), loadFinal);
    const ck = join(store.runDir(key), 'checkpoints', `final${TENSOR_EXT}`);
    const buf = readFileSync(ck);
    buf[buf.length - 1] ^= 0x40;
    writeFileSync(ck, buf);
    const err = await store.getOrCompute(key, { seed: 12 }, trainLike({ n: 0 }), loadFinal).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CorruptFileError);
    expect((err as Error).message).toContain(ck);
  });

  it('a compute that lost its lock fails at its next write, and the run is not published', async () => {
    const { store } = setup();
    const short = new RunStore({ root: store.root, staleMs: 2_000 });
    const key = runKey({ seed: 13 }, DEFAULTS, CODE);
    // As if another process had judged us dead and taken over: the lock no longer names us.
    const steal = () => rmSync(lockPathFor(short.runDir(key)), { recursive: true });
    const writes: string[] = [];
    const run = short.getOrCompute(
      key,
      { seed: 13 },
      async (ctx) => {
        await ctx.writeJson('metrics.json', {});
        writes.push('before');
        steal();
        await ctx.writeJson('metrics.json', { late: true });
        writes.push('after');
      },
      loadFinal,
    );
    await expect(run).rejects.toThrow(LockCompromisedError);
    expect(writes).toEqual(['before']);
    expect(short.isDone(key)).toBe(false);

    // A compute that writes nothing after losing it is not published either.
    const silent = short.getOrCompute(key, { seed: 13 }, async () => steal(), loadFinal);
    await expect(silent).rejects.toThrow(LockCompromisedError);
    expect(short.isDone(key)).toBe(false);
  });

  it('defaults its root to $GROK_CACHE, else <package root>/.grok-cache', () => {
    const saved = process.env.GROK_CACHE;
    try {
      process.env.GROK_CACHE = join(base, 'env-cache');
      expect(new RunStore().root).toBe(join(base, 'env-cache'));
      delete process.env.GROK_CACHE;
      expect(new RunStore().root).toBe(join(packageRoot(), '.grok-cache'));
    } finally {
      if (saved === undefined) delete process.env.GROK_CACHE;
      else process.env.GROK_CACHE = saved;
    }
  });
});

/** Whether the store holds anything of the run `key`: published, or interrupted in its private directory. */
const stored = (store: RunStore, key: string) => readdirSync(store.runsDir).some((n) => n === key || n.startsWith(`${key}.partial-`));

describe('RunStore maintenance (list / verify / gc)', () => {
  async function populated() {
    const s = setup();
    const keys = {
      done: runKey({ seed: 20 }, DEFAULTS, CODE),
      corrupt: runKey({ seed: 21 }, DEFAULTS, CODE),
      unfinished: runKey({ seed: 22 }, DEFAULTS, CODE),
      running: runKey({ seed: 23 }, DEFAULTS, CODE),
    };
    await s.store.getOrCompute(keys.done, { seed: 20 }, trainLike({ n: 0 }), loadFinal, { codeVersion: CODE });
    await s.store.getOrCompute(keys.corrupt, { seed: 21 }, trainLike({ n: 0 }), loadFinal);
    await s.store
      .getOrCompute(keys.unfinished, { seed: 22 }, async (ctx) => {
        await ctx.saveResume({ theta: new Float32Array(4) }, { epoch: 3 });
        throw new Error('killed');
      }, loadFinal)
      .catch(() => {});
    // A leftover temp file from a writer killed mid-write, in a finished run.
    writeFileSync(join(s.store.runDir(keys.done), 'metrics.json.tmp-999-abc'), '{"par');
    writeFileSync(join(s.store.runDir(keys.corrupt), 'metrics.json'), '{"epochs":[0,');
    mkdirSync(s.store.runDir(keys.running), { recursive: true });
    const held = await tryLock(s.store.runDir(keys.running));
    return { ...s, keys, held: held! };
  }

  it('list reports each run’s state, size and config', async () => {
    const { store, keys, held } = await populated();
    try {
      const entries = await store.list();
      const byKey = Object.fromEntries(entries.map((e) => [e.key, e]));
      expect(Object.keys(byKey).sort()).toEqual(Object.values(keys).sort());
      expect(byKey[keys.done]).toMatchObject({ done: true, config: { seed: 20 }, codeVersion: CODE, locked: false });
      expect(byKey[keys.done].sizeBytes).toBeGreaterThan(100);
      expect(byKey[keys.done].finishedAt).toMatch(/^\d{4}-/);
      expect(byKey[keys.unfinished]).toMatchObject({ done: false, locked: false, finishedAt: null });
      expect(byKey[keys.running]).toMatchObject({ done: false, locked: true, config: null });
    } finally {
      await held.release();
    }
  });

  it('verify finds corrupt files and leftovers; repair removes damaged runs only', async () => {
    const { store, keys, held } = await populated();
    try {
      const report = await store.verify();
      expect(report.skippedLocked).toEqual([keys.running]);
      const kinds = report.problems.map((p) => `${p.key === keys.done ? 'done' : p.key === keys.corrupt ? 'corrupt' : p.key}:${p.kind}`);
      expect(kinds.sort()).toEqual(['corrupt:corrupt', 'done:leftover-temp']);
      expect(report.problems.find((p) => p.kind === 'corrupt')!.message).toContain('metrics.json');

      const repaired = await store.verify({ repair: true });
      expect(repaired.removedRuns).toEqual([keys.corrupt]);
      expect(repaired.removedTemps).toHaveLength(1);
      expect(existsSync(store.runDir(keys.corrupt))).toBe(false);
      expect(store.isDone(keys.done)).toBe(true);
      expect((await store.verify()).problems).toEqual([]);
    } finally {
      await held.release();
    }
  });

  it('gc removes unfinished runs (never locked ones), or everything with mode all', async () => {
    const { store, keys, held } = await populated();
    try {
      const dry = await store.gc({ dryRun: true });
      expect(dry.removed.map((r) => r.key)).toEqual([keys.unfinished]);
      expect(stored(store, keys.unfinished)).toBe(true);

      const young = await store.gc({ olderThanMs: 60_000 });
      expect(young.removed).toEqual([]);

      const gc = await store.gc();
      expect(gc.removed.map((r) => r.key)).toEqual([keys.unfinished]);
      expect(gc.skippedLocked).toEqual([keys.running]);
      expect(gc.freedBytes).toBeGreaterThan(0);
      expect(stored(store, keys.unfinished)).toBe(false);
      expect(store.isDone(keys.done)).toBe(true);
    } finally {
      await held.release();
    }
    // A lock orphaned by a SIGKILLed process whose run directory is already gone.
    const orphan = lockPathFor(store.runDir('00000000000000ff'));
    mkdirSync(orphan);
    utimesSync(orphan, new Date(0), new Date(0));
    const all = await store.gc({ mode: 'all' });
    expect(existsSync(orphan)).toBe(false);
    expect(all.removed.map((r) => r.key).sort()).toEqual([keys.corrupt, keys.done, keys.running].sort());
    expect(await store.list()).toEqual([]);
  });
});
