import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runKey } from '../../src/store/hash.ts';
import { isLocked, lockPathFor } from '../../src/store/lock.ts';
import { RunStore, type StoreEvent } from '../../src/store/store.ts';
import { killChildren, runFixture } from '../helpers/children.ts';

// Real processes, because the in-process memo would hide any bug in the cross-process lock.

const base = mkdtempSync(join(tmpdir(), 'grok-procs-'));
afterAll(() => {
  killChildren();
  rmSync(base, { recursive: true, force: true });
});

describe('across processes', () => {
  it('two processes asking for the same run compute it once and load the same result', async () => {
    const root = join(base, 'race');
    const counter = join(base, 'race-counter.txt');
    const go = join(base, 'race-go');
    const a = runFixture('compute-once.ts', [root, counter, go, '1200']);
    const b = runFixture('compute-once.ts', [root, counter, go, '1200']);
    // Both are started and blocked at the barrier before either looks at the store.
    await Promise.all([a.waitFor('ready'), b.waitFor('ready')]);
    writeFileSync(go, '');
    expect(await a.exit).toBe(0);
    expect(await b.exit).toBe(0);

    const computedBy = readFileSync(counter, 'utf8').trim().split('\n');
    expect(computedBy).toHaveLength(1);
    const outs = [a, b].map((c) => JSON.parse(c.lines.at(-1)!));
    expect(outs[0].result).toEqual(outs[1].result);
    expect(outs[0].result.by).toBe(Number(computedBy[0]));
    expect(outs[0].result.w).toEqual([1.5, 0, Number(computedBy[0])]);
    const computer = outs.find((o) => o.pid === Number(computedBy[0]))!;
    const waiter = outs.find((o) => o.pid !== Number(computedBy[0]))!;
    expect(computer.events).toEqual(['miss', 'done']);
    // Released together from the barrier, the other one found the lock held, waited, then hit.
    expect(waiter.events).toEqual(['wait', 'hit']);
  }, 30_000);

  it('a lock left by a SIGKILLed process is taken over at once: its holder is seen dead', async () => {
    const staleMs = 2_000; // the lock's minimum (MIN_STALE_MS)
    const root = join(base, 'stale');
    const events: StoreEvent['type'][] = [];
    const store = new RunStore({ root, staleMs, onEvent: (e) => events.push(e.type) });
    const key = runKey({ crashed: true }, {}, 'fixture');
    const dir = store.runDir(key);

    const holder = runFixture('hold-lock.ts', [dir, String(staleMs)]);
    await holder.waitFor('locked');
    expect(await isLocked(dir, { staleMs })).toBe(true);
    holder.proc.kill('SIGKILL');
    expect(await holder.exit).toBeNull();
    expect(existsSync(lockPathFor(dir))).toBe(true); // SIGKILL runs no cleanup

    const t0 = Date.now();
    const out = await store.getOrCompute(
      key,
      { crashed: true },
      async (ctx) => ctx.writeJson('metrics.json', { ok: true }),
      async (_dir, run) => run.readJson('metrics.json'),
    );
    const elapsed = Date.now() - t0;
    expect(out).toEqual({ ok: true });
    // no waiting for the stale time: the holder's process is gone, whatever its lock's mtime says
    expect(events).toEqual(['miss', 'done']);
    expect(elapsed).toBeLessThan(staleMs);
  }, 30_000);
});
