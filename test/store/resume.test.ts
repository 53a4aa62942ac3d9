import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { CorruptFileError, readJson, sealedJsonBytes } from '../../src/store/files.ts';
import { runKey } from '../../src/store/hash.ts';
import { RunStore, type RunContext, type RunReader, type StoreEvent } from '../../src/store/store.ts';

/**
 * Resuming re-checks every file an earlier attempt wrote: damage found is recomputed (from
 * scratch, saying so in one line), and nothing unchecked is ever sealed into DONE.
 */
const base = mkdtempSync(join(tmpdir(), 'grok-resume-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));
let n = 0;
const CODE = 'c0de00000003';
const STEPS = 5;

function setup() {
  const events: StoreEvent[] = [];
  const store = new RunStore({ root: join(base, `s${n++}`), onEvent: (e) => events.push(e) });
  const config = { seed: n };
  const key = runKey(config, {}, CODE);
  const get = <T>(compute: (ctx: RunContext) => Promise<void>, load: (dir: string, run: RunReader) => Promise<T>) =>
    store.getOrCompute(key, config, compute, load, { codeVersion: CODE, defaults: {} });
  return { store, events, key, get };
}

/** Steps 0…STEPS, a checkpoint and the resume state after each, resuming where the last attempt stopped. */
function stepper(record: { from?: number }, opts: { stopAfter?: number; during?: (ctx: RunContext, step: number) => void } = {}) {
  return async (ctx: RunContext): Promise<void> => {
    const resume = await ctx.loadResume();
    const from = resume ? Number(resume.meta.step) : 0;
    record.from = from;
    if (!resume) await ctx.saveCheckpoint('0', { w: Float32Array.from([0]) }, { step: 0 });
    for (let s = from + 1; s <= STEPS; s++) {
      await ctx.saveCheckpoint(String(s), { w: Float32Array.from([s]) }, { step: s });
      await ctx.saveResume({ w: Float32Array.from([s]) }, { step: s });
      opts.during?.(ctx, s);
      if (s === opts.stopAfter) throw new Error(`killed after step ${s}`);
    }
    await ctx.writeJson('metrics.json', { steps: STEPS });
  };
}
const load = async (_dir: string, run: RunReader) => ({
  checkpoints: run.listCheckpoints(),
  values: await Promise.all(run.listCheckpoints().map(async (c) => (await run.loadCheckpoint(c)).tensors.w[0])),
});
const ALL = { checkpoints: ['0', '1', '2', '3', '4', '5'], values: [0, 1, 2, 3, 4, 5] };

/** The directory an interrupted run left its files in. */
function unfinishedDir(store: RunStore, key: string): string {
  const names = readdirSync(store.runsDir).filter((f) => f.startsWith(key) && !f.includes('.lock') && statSync(join(store.runsDir, f)).isDirectory());
  expect(names).toHaveLength(1);
  return join(store.runsDir, names[0]);
}

const flipLastByte = (path: string) => {
  const buf = readFileSync(path);
  buf[buf.length - 1] ^= 0x10;
  writeFileSync(path, buf);
};

/** An interrupted run (killed after step 3), with `damage` done to its files, then resumed. */
async function resumedAfter(damage: (dir: string) => void) {
  const s = setup();
  await expect(s.get(stepper({}, { stopAfter: 3 }), load)).rejects.toThrow('killed after step 3');
  damage(unfinishedDir(s.store, s.key));
  const second: { from?: number } = {};
  const out = await s.get(stepper(second), load);
  return { ...s, out, from: second.from, said: s.events.filter((e) => e.type !== 'miss' && e.type !== 'done') };
}

describe('resuming re-checks what an earlier attempt wrote', () => {
  it('an intact interrupted run resumes where it stopped', async () => {
    const { out, from, said, store } = await resumedAfter(() => {});
    expect(from).toBe(3);
    expect(out).toEqual(ALL);
    expect(said).toEqual([]);
    expect((await store.verify()).problems).toEqual([]);
  });

  it('a checkpoint deleted before the resume is recomputed from scratch, saying so, never sealed as absent', async () => {
    const { out, from, said, store, key } = await resumedAfter((dir) => rmSync(join(dir, 'checkpoints', '1.safetensors')));
    expect(from).toBe(0);
    expect(out).toEqual(ALL);
    expect(said).toHaveLength(1);
    expect(said[0]).toMatchObject({ type: 'recompute', key });
    expect((said[0] as { message: string }).message).toMatch(new RegExp(`^run ${key}: checkpoints/1\\.safetensors: .*missing.*; recomputing it from scratch$`));
    const done = await readJson<{ files: Record<string, string> }>(join(store.runDir(key), 'DONE'));
    expect(Object.keys(done.files)).toContain('checkpoints/1.safetensors');
    expect((await store.verify()).problems).toEqual([]);
  });

  it('a checkpoint corrupted before the resume is recomputed from scratch, in one line on stderr', async () => {
    const quiet = process.env.GROK_QUIET;
    const lines: string[] = [];
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => (lines.push(String(chunk)), true));
    try {
      delete process.env.GROK_QUIET;
      const store = new RunStore({ root: join(base, `s${n++}`) }); // no listener: stderr
      const key = runKey({ seed: 'stderr' }, {}, CODE);
      const get = (c: (ctx: RunContext) => Promise<void>) => store.getOrCompute(key, { seed: 'stderr' }, c, load, { codeVersion: CODE, defaults: {} });
      await expect(get(stepper({}, { stopAfter: 3 }))).rejects.toThrow('killed');
      flipLastByte(join(unfinishedDir(store, key), 'checkpoints', '2.safetensors'));
      const second: { from?: number } = {};
      expect(await get(stepper(second))).toEqual(ALL);
      expect(second.from).toBe(0);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(new RegExp(`^\\[grok\\] run ${key}: checkpoints/2\\.safetensors: .*sha256.*; recomputing it from scratch\\n$`));
      expect((await store.verify()).problems).toEqual([]);
    } finally {
      spy.mockRestore();
      if (quiet === undefined) delete process.env.GROK_QUIET;
      else process.env.GROK_QUIET = quiet;
    }
  });

  it('an edited JSON file or resume state of an interrupted run is recomputed from scratch', async () => {
    const json = await resumedAfter((dir) => writeFileSync(join(dir, 'config.json'), readFileSync(join(dir, 'config.json'), 'utf8') + ' '));
    expect(json.from).toBe(0);
    expect(json.out).toEqual(ALL);
    expect(json.said).toHaveLength(1);
    const resume = await resumedAfter((dir) => flipLastByte(join(dir, 'resume.safetensors')));
    expect(resume.from).toBe(0);
    expect(resume.out).toEqual(ALL);
    expect(resume.said).toHaveLength(1);
  });

  it('temp files and files the store did not write are dropped, and the run still resumes', async () => {
    const { out, from, said, store, key } = await resumedAfter((dir) => {
      writeFileSync(join(dir, 'checkpoints', '4.safetensors.tmp-4242-abcdef'), 'partial');
      writeFileSync(join(dir, 'notes.json'), '{"testAcc": 1}');
    });
    expect(from).toBe(3);
    expect(out).toEqual(ALL);
    expect(said).toEqual([]);
    const done = await readJson<{ files: Record<string, string> }>(join(store.runDir(key), 'DONE'));
    expect(Object.keys(done.files)).not.toContain('notes.json');
    expect(existsSync(join(store.runDir(key), 'notes.json'))).toBe(false);
    expect((await store.verify()).problems).toEqual([]);
  });

  it('a process killed between recording a write and making it resumes as if the write never began', async () => {
    const { out, from, said, store } = await resumedAfter((dir) => {
      const path = join(dir, 'JOURNAL');
      const { sha256: _seal, ...journal } = JSON.parse(readFileSync(path, 'utf8')) as { sha256: string; files: Record<string, string>; writing: Record<string, string | null> };
      // the resume state was to be rewritten and checkpoint 4 written: neither reached the disk
      journal.writing = { 'resume.safetensors': journal.files['resume.safetensors'], 'checkpoints/4.safetensors': null };
      journal.files = { ...journal.files, 'resume.safetensors': 'f'.repeat(64), 'checkpoints/4.safetensors': 'e'.repeat(64) };
      writeFileSync(path, sealedJsonBytes(journal));
    });
    expect(from).toBe(3);
    expect(out).toEqual(ALL);
    expect(said).toEqual([]);
    expect((await store.verify()).problems).toEqual([]);
  });

  it('a file damaged while the run computes is not sealed: nothing is published, and the next attempt recomputes', async () => {
    const { store, key, get } = setup();
    const damage = (ctx: RunContext, step: number) => {
      if (step === 2) flipLastByte(join(ctx.dir, 'checkpoints', '1.safetensors'));
    };
    const err = await get(stepper({}, { during: damage }), load).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(CorruptFileError);
    expect((err as CorruptFileError).path).toMatch(/checkpoints\/1\.safetensors$/);
    expect(store.isDone(key)).toBe(false);
    const second: { from?: number } = {};
    expect(await get(stepper(second), load)).toEqual(ALL);
    expect(second.from).toBe(0);
    expect((await store.verify()).problems).toEqual([]);
  });
});

describe('verify on a read-only store', () => {
  it('verify checks finished, damaged and unfinished runs without writing anything', async () => {
    const s = setup();
    await s.get(stepper({}), load); // finished
    const other = runKey({ seed: 'damaged' }, {}, CODE);
    await s.store.getOrCompute(other, { seed: 'damaged' }, stepper({}), load, { codeVersion: CODE, defaults: {} });
    flipLastByte(join(s.store.runDir(other), 'checkpoints', '3.safetensors'));
    const third = runKey({ seed: 'unfinished' }, {}, CODE);
    await expect(s.store.getOrCompute(third, { seed: 'unfinished' }, stepper({}, { stopAfter: 2 }), load)).rejects.toThrow('killed');

    // Not even a lock taken and released: the runs folder's mtime would change.
    const old = new Date('2001-01-01T00:00:00Z');
    utimesSync(s.store.runsDir, old, old);
    const before = readdirSync(s.store.runsDir, { recursive: true }).sort();
    const report = await s.store.verify();
    expect(report.problems.map((p) => `${p.key === other ? 'damaged' : p.key} ${p.kind}`)).toEqual(['damaged corrupt']);
    expect(report.runs).toBe(3);
    expect(readdirSync(s.store.runsDir, { recursive: true }).sort()).toEqual(before);
    expect(statSync(s.store.runsDir).mtime).toEqual(old);
  });
});

describe('verify on unfinished runs', () => {
  it('checks them against their journal; repair removes a damaged one, which the next request recomputes', async () => {
    const s = setup();
    await expect(s.get(stepper({}, { stopAfter: 3 }), load)).rejects.toThrow('killed');
    const dir = unfinishedDir(s.store, s.key);
    rmSync(join(dir, 'checkpoints', '2.safetensors'));
    writeFileSync(join(dir, 'notes.json'), '{}');
    const report = await s.store.verify();
    expect(report.problems.map((p) => [p.kind, p.path.slice(dir.length + 1)]).sort()).toEqual([
      ['missing', 'checkpoints/2.safetensors'],
      ['unlisted', 'notes.json'],
    ]);
    const repaired = await s.store.verify({ repair: true });
    expect(repaired.removedRuns).toEqual([s.key]);
    expect(existsSync(dir)).toBe(false);
    const again: { from?: number } = {};
    expect(await s.get(stepper(again), load)).toEqual(ALL);
    expect(again.from).toBe(0);
    expect((await s.store.verify()).problems).toEqual([]);
  });
});
