import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { CorruptFileError, readJson, RUN_STORE_ADVICE } from '../../src/store/files.ts';
import { canonicalJson, runKey } from '../../src/store/hash.ts';
import { withLock } from '../../src/store/lock.ts';
import { RunStore, type RunContext, type RunReader, type StoreEvent } from '../../src/store/store.ts';

/**
 * Every file of a finished run is checksummed (DONE is its manifest), verify finds what is
 * damaged, missing, unchecksummed or stray, and `verify({ repair: true })` — the command the
 * errors advise — removes it so the run is recomputed.
 */
const base = mkdtempSync(join(tmpdir(), 'grok-sums-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));
let n = 0;
const DEFAULTS = { seed: 0 };
const CODE = 'c0de00000002';
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function setup() {
  const events: StoreEvent[] = [];
  return { store: new RunStore({ root: join(base, `s${n++}`), onEvent: (e) => events.push(e) }), events };
}

const compute = (calls = { n: 0 }) => async (ctx: RunContext): Promise<void> => {
  calls.n++;
  await ctx.saveCheckpoint('0', { theta: Float32Array.from([1, 2]) }, { epoch: 0 });
  await ctx.saveCheckpoint('10', { theta: Float32Array.from([3, 4]) }, { epoch: 10 });
  await ctx.writeJson('metrics.json', { epochs: [0, 10], testAcc: [0.01, 0.02] });
  await ctx.writeJson('meta.json', { backend: 'test' });
};
const load = async (_dir: string, run: RunReader) => ({
  metrics: await run.readJson<{ testAcc: number[] }>('metrics.json'),
  meta: await run.readJson('meta.json'),
  final: Array.from((await run.loadCheckpoint('10')).tensors.theta),
});

async function finished(seed: number) {
  const s = setup();
  const calls = { n: 0 };
  const key = runKey({ seed }, DEFAULTS, CODE);
  const get = () => s.store.getOrCompute(key, { seed }, compute(calls), load, { defaults: DEFAULTS, codeVersion: CODE });
  const first = await get();
  return { ...s, key, dir: s.store.runDir(key), calls, get, first };
}

async function caught(p: Promise<unknown>): Promise<CorruptFileError> {
  const err = await p.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(CorruptFileError);
  return err as CorruptFileError;
}

describe('checksums of a finished run', () => {
  it('DONE lists every file of the run with its sha256', async () => {
    const { dir } = await finished(1);
    const done = await readJson<{ files: Record<string, string>; sha256: string }>(join(dir, 'DONE'));
    expect(Object.keys(done.files).sort()).toEqual(['checkpoints/0.safetensors', 'checkpoints/10.safetensors', 'config.json', 'meta.json', 'metrics.json']);
    expect(done.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('an edited metrics.json (valid JSON) is a CorruptFileError advising the repair that works, and repair recomputes', async () => {
    const { store, dir, key, get, calls, first, events } = await finished(2);
    const path = join(dir, 'metrics.json');
    // the edit: a non-generalising run made to look generalised
    writeFileSync(path, canonicalJson({ epochs: [0, 10], testAcc: [0.01, 0.97] }) + '\n');
    const err = await caught(get());
    expect(err.path).toBe(path);
    expect(err.message).toContain('grok cache verify --repair');
    expect(err.advice).toBe(RUN_STORE_ADVICE);

    const report = await store.verify();
    expect(report.problems.map((p) => [p.kind, p.path])).toEqual([['corrupt', path]]);
    const repaired = await store.verify({ repair: true });
    expect(repaired.removedRuns).toEqual([key]);
    expect(existsSync(dir)).toBe(false);

    events.length = 0;
    expect(await get()).toEqual(first);
    expect(calls.n).toBe(2);
    expect(events.map((e) => e.type)).toEqual(['miss', 'done']);
    expect((await store.verify()).problems).toEqual([]);
  });

  it('a deleted snapshot or metrics file of a finished run is reported missing, and reading it says so', async () => {
    const { store, dir, key, get } = await finished(3);
    rmSync(join(dir, 'checkpoints', '10.safetensors'));
    rmSync(join(dir, 'metrics.json'));
    const err = await caught(get());
    expect(err.reason).toMatch(/missing from a finished run/);
    expect(err.message).toContain('grok cache verify --repair');
    const report = await store.verify();
    expect(report.problems.map((p) => `${p.kind} ${p.path.slice(dir.length + 1)}`).sort()).toEqual(['missing checkpoints/10.safetensors', 'missing metrics.json']);
    expect((await store.verify({ repair: true })).removedRuns).toEqual([key]);
  });

  it('a damaged checkpoint, a flipped byte in DONE, or a DONE without checksums is never trusted', async () => {
    const a = await finished(4);
    const ck = join(a.dir, 'checkpoints', '10.safetensors');
    const buf = readFileSync(ck);
    buf[buf.length - 1] ^= 1;
    writeFileSync(ck, buf);
    expect((await caught(a.get())).path).toBe(ck);

    const b = await finished(5);
    const donePath = join(b.dir, 'DONE');
    writeFileSync(donePath, readFileSync(donePath, 'utf8').replace(/"durationMs": \d+/, '"durationMs": 1234567'));
    expect((await caught(b.get())).reason).toMatch(/checksum mismatch/);

    // DONE as older code wrote it: no checksums at all
    const c = await finished(6);
    writeFileSync(join(c.dir, 'DONE'), JSON.stringify({ finishedAt: new Date().toISOString(), durationMs: 5 }));
    const err = await caught(c.get());
    expect(err.reason).toMatch(/no checksum/);
    const report = await c.store.verify();
    expect(report.problems.map((p) => p.kind)).toEqual(['no-checksum']);
    expect((await c.store.verify({ repair: true })).removedRuns).toEqual([c.key]);
  });

  it('stray files are reported and removable without losing the run: temp files, files DONE does not list', async () => {
    const { store, dir, get, first } = await finished(7);
    const temp = join(dir, 'checkpoints', '10.safetensors.tmp-4242-abcdef');
    const extra = join(dir, 'notes.json');
    writeFileSync(temp, 'partial');
    writeFileSync(extra, '{"testAcc": 1}');
    expect(existsSync(temp)).toBe(true);
    const report = await store.verify();
    expect(report.problems.map((p) => [p.kind, p.path]).sort()).toEqual([['leftover-temp', temp], ['unlisted', extra]]);
    const repaired = await store.verify({ repair: true });
    expect(repaired.removedRuns).toEqual([]);
    expect(repaired.removedTemps.sort()).toEqual([extra, temp].sort());
    expect(existsSync(temp) || existsSync(extra)).toBe(false);
    expect(await get()).toEqual(first);
    expect((await store.verify()).problems).toEqual([]);
  });

  it('a metrics.json replaced by a symbolic link is reported as a link, not as missing, and never followed', async () => {
    const { store, dir, key, get } = await finished(7);
    const path = join(dir, 'metrics.json');
    // a link to an identical copy: following it would pass the checksum, so the link itself must be refused
    const copy = join(base, 'metrics-copy.json');
    writeFileSync(copy, readFileSync(path));
    rmSync(path);
    symlinkSync(copy, path);
    const err = await caught(get());
    expect(err.path).toBe(path);
    expect(err.reason).toMatch(/symbolic link/);
    const report = await store.verify();
    expect(report.problems.map((p) => [p.kind, p.path])).toEqual([['symlink', path]]);
    expect(report.problems[0].message).toContain(copy);
    expect((await store.verify({ repair: true })).removedRuns).toEqual([key]);
  });
});

describe('waiting for another process’s lock', () => {
  it('says so in one line naming the run key and the holder (event, or stderr without a listener)', async () => {
    const { store, events } = setup();
    const key = runKey({ seed: 8 }, DEFAULTS, CODE);
    const dir = store.runDir(key);
    // Another process, as far as the store can tell: the lock is taken without the store's in-process memo.
    const holder = withLock(dir, () => sleep(400));
    await sleep(50);
    await store.getOrCompute(key, { seed: 8 }, compute(), load);
    await holder;
    const wait = events.find((e) => e.type === 'wait');
    expect(wait).toMatchObject({ type: 'wait', key, holder: { pid: process.pid } });
    expect(wait?.type === 'wait' && wait.message).toContain(`run ${key}: waiting for another process`);
    expect(wait?.type === 'wait' && wait.message).toContain(`pid ${process.pid} on `);

    const quiet = process.env.GROK_QUIET;
    const lines: string[] = [];
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => (lines.push(String(chunk)), true));
    try {
      delete process.env.GROK_QUIET;
      const silent = new RunStore({ root: store.root });
      const key2 = runKey({ seed: 9 }, DEFAULTS, CODE);
      const holder2 = withLock(silent.runDir(key2), () => sleep(400));
      await sleep(50);
      await silent.getOrCompute(key2, { seed: 9 }, compute(), load);
      await holder2;
    } finally {
      spy.mockRestore();
      if (quiet === undefined) delete process.env.GROK_QUIET;
      else process.env.GROK_QUIET = quiet;
    }
    const said = lines.filter((l) => l.includes('waiting for another process'));
    expect(said).toHaveLength(1);
    expect(said[0]).toMatch(new RegExp(`^\\[grok\\] run [0-9a-f]{16}: waiting for another process .*pid ${process.pid} on .*\\n$`));
  });
});
