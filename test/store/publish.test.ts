import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runKey } from '../../src/store/hash.ts';
import { lockPathFor } from '../../src/store/lock.ts';
import { RunStore } from '../../src/store/store.ts';
import { killChildren, runFixture, type Child } from '../helpers/children.ts';

/**
 * A run is computed in a private directory and published by one rename, so a process that lost
 * its lock (stopped with Ctrl-Z, judged dead, its lock deleted) can never write into a finished
 * run, and a live holder is never judged dead because its event loop is busy. Real processes
 * (test/store/fixtures/slow-run.ts), stopped and continued with SIGSTOP/SIGCONT.
 */
const base = mkdtempSync(join(tmpdir(), 'grok-publish-'));
afterAll(() => {
  killChildren();
  rmSync(base, { recursive: true, force: true });
});
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const STALE_MS = 2_000; // the shortest the lock allows: a stopped or busy holder outlives it quickly
const keyOf = (steps: number) => runKey({ fixture: 'slow-run', steps }, {}, 'fixture-code');

let n = 0;
function setup(steps: number) {
  const root = join(base, `s${n++}`);
  const counter = join(base, `counter-${n}.txt`);
  const start = (opts: { stepMs?: number; syncMs?: number; go?: string } = {}): Child =>
    runFixture('slow-run.ts', [root, counter, opts.go ?? '-', String(steps), String(opts.stepMs ?? 300), String(opts.syncMs ?? 0), String(STALE_MS)]);
  const computedBy = () => readFileSync(counter, 'utf8').trim().split('\n');
  const result = (c: Child) => JSON.parse(c.lines.find((l) => l.startsWith('result '))!.slice('result '.length));
  const store = new RunStore({ root, staleMs: STALE_MS });
  return { root, store, key: keyOf(steps), start, computedBy, result };
}

/** Every file of a directory tree with its bytes, to show nothing changed. */
function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (e.isFile()) out[join(e.parentPath, e.name).slice(dir.length + 1)] = readFileSync(join(e.parentPath, e.name)).toString('base64');
  }
  return out;
}

describe('publication: a run becomes visible by one rename', () => {
  it('a stopped holder (Ctrl-Z) keeps its lock: the same run asked for meanwhile waits, and the result verifies', async () => {
    const { store, start, computedBy, result } = setup(6);
    const a = start();
    await a.waitFor('step 1');
    a.proc.kill('SIGSTOP');
    try {
      const b = start();
      await b.waitFor('event wait');
      // well past the stale time: the old lock, judged by its refresh alone, was taken over here
      await sleep(STALE_MS + 1_500);
      expect(b.lines).not.toContain('event miss');
      a.proc.kill('SIGCONT');
      expect(await a.exit).toBe(0);
      expect(await b.exit).toBe(0);
      expect(computedBy()).toHaveLength(1);
      expect(result(a).events).toEqual(['miss', 'done']);
      expect(result(b).events).toEqual(['wait', 'hit']);
      expect(result(b).result).toEqual(result(a).result);
      expect((await store.verify()).problems).toEqual([]);
    } finally {
      a.proc.kill('SIGCONT');
    }
  }, 60_000);

  it('a holder that lost its lock stops at its next write and never writes into the published run', async () => {
    const { root, store, key, start, result } = setup(6);
    const a = start();
    await a.waitFor('step 2');
    a.proc.kill('SIGSTOP');
    try {
      // As a waiter on another machine does once the lock is stale, or an operator deleting it.
      rmSync(lockPathFor(store.runDir(key)), { recursive: true, force: true });
      const b = start();
      expect(await b.exit).toBe(0);
      // b took over a's progress: the private directory survived and was found again (a may have
      // finished a step more before the stop reached it)
      const from = Number(b.lines.find((l) => l.startsWith('computing from '))!.slice('computing from '.length));
      expect(from).toBeGreaterThanOrEqual(2);
      expect(result(b).result).toMatchObject({ metrics: { steps: 6 }, last: [6] });
      const published = tree(store.runDir(key));

      a.proc.kill('SIGCONT');
      expect(await a.exit).toBe(3);
      expect(a.lines.at(-1)).toMatch(/^error LockCompromisedError: lost the lock/);
      expect(tree(store.runDir(key))).toEqual(published);
      expect((await store.verify()).problems).toEqual([]);
      // nothing recreated beside it: no private directory, no lock
      expect(readdirSync(join(root, 'runs'))).toEqual([key]);
    } finally {
      a.proc.kill('SIGCONT');
    }
  }, 60_000);

  it('many processes computing one run under load, their event loops blocked past the stale time: one computes, all agree', async () => {
    const { store, start, computedBy, result } = setup(2);
    const go = join(base, `go-${n}`);
    // each step blocks the event loop for longer than the stale time, as synchronous training does
    const kids = Array.from({ length: 10 }, () => start({ go, stepMs: 50, syncMs: STALE_MS + 500 }));
    await Promise.all(kids.map((k) => k.waitFor('ready')));
    writeFileSync(go, '');
    const codes = await Promise.all(kids.map((k) => k.exit));
    const failures = kids.filter((_, i) => codes[i] !== 0).map((k) => k.lines.at(-1));
    expect(failures).toEqual([]);
    expect(computedBy()).toHaveLength(1);
    const results = kids.map((k) => result(k).result);
    for (const r of results) expect(r).toEqual(results[0]);
    expect((await store.verify()).problems).toEqual([]);
  }, 120_000);
});
