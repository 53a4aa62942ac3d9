import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { processState, thisProcess } from '../../src/store/liveness.ts';
import { inspectLock, LockTimeoutError, isLocked, lockHolder, lockPathFor, tryLock, withLock } from '../../src/store/lock.ts';

const root = mkdtempSync(join(tmpdir(), 'grok-lock-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('withLock', () => {
  it('holds the lock during fn and releases it after, without creating the directory it locks', async () => {
    const dir = join(root, 'a', 'run');
    const result = await withLock(dir, async () => {
      // a run directory appears only when its run is published
      expect(existsSync(dir)).toBe(false);
      expect(existsSync(lockPathFor(dir))).toBe(true);
      expect(await isLocked(dir)).toBe(true);
      return 42;
    });
    expect(result).toBe(42);
    expect(existsSync(lockPathFor(dir))).toBe(false);
  });

  it('releases the lock when fn throws', async () => {
    const dir = join(root, 'b');
    await expect(withLock(dir, async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await isLocked(dir)).toBe(false);
  });

  it('a second holder waits for the first (serialised, not failed)', async () => {
    const dir = join(root, 'c');
    const order: string[] = [];
    let waited = 0;
    const first = withLock(dir, async () => {
      order.push('first-start');
      await sleep(300);
      order.push('first-end');
    });
    await sleep(20);
    const second = withLock(
      dir,
      async () => {
        order.push('second');
      },
      { onWait: () => waited++ },
    );
    await Promise.all([first, second]);
    expect(order).toEqual(['first-start', 'first-end', 'second']);
    expect(waited).toBe(1);
  });

  it('gives up after maxWaitMs with a message naming the lock', async () => {
    const dir = join(root, 'd');
    mkdirSync(dir, { recursive: true });
    const held = await tryLock(dir);
    expect(held).not.toBeNull();
    try {
      await expect(withLock(dir, async () => 1, { maxWaitMs: 200 })).rejects.toThrow(LockTimeoutError);
      await expect(withLock(dir, async () => 1, { maxWaitMs: 200 })).rejects.toThrow(lockPathFor(dir));
    } finally {
      await held!.release();
    }
  });

  it('takes over a lock whose mtime is older than the stale time', async () => {
    const dir = join(root, 'e');
    mkdirSync(lockPathFor(dir), { recursive: true }); // a lock left behind by a dead process
    const old = new Date(Date.now() - 60_000);
    utimesSync(lockPathFor(dir), old, old);
    expect(await isLocked(dir, { staleMs: 30_000 })).toBe(false);
    const t0 = Date.now();
    expect(await withLock(dir, async () => 'ok', { staleMs: 30_000 })).toBe('ok');
    expect(Date.now() - t0).toBeLessThan(1000);
  });

  it('tryLock returns null while someone else holds the lock', async () => {
    const dir = join(root, 'f');
    mkdirSync(dir);
    const a = await tryLock(dir);
    expect(await tryLock(dir)).toBeNull();
    await a!.release();
    const b = await tryLock(dir);
    expect(b).not.toBeNull();
    await b!.release();
  });
});

describe('liveness of a lock holder', () => {
  const block = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

  it('on its own machine, by process id and start time: alive while it runs, dead once gone or its pid reused', async () => {
    const me = thisProcess();
    expect(processState(me)).toBe('alive');
    const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    expect(processState({ ...me, pid: Number(child.stdout) })).toBe('dead');
    if (me.start !== null) expect(processState({ ...me, start: String(Number(me.start) + 1) })).toBe('dead');
    expect(processState({ ...me, host: 'elsewhere' })).toBe('unknown');
  });

  it('a holder whose event loop is blocked past the stale time keeps its lock, seen from this machine or another', async () => {
    const dir = join(root, 'busy');
    const staleMs = 2_000;
    const held = (await tryLock(dir, { staleMs }))!;
    try {
      block(staleMs + 1_000); // a synchronous training stretch: no timer of this thread runs
      // From another machine only the lock's mtime can be seen: the refresh kept it recent.
      const elsewhere = { ...thisProcess(), host: 'elsewhere', machine: null };
      expect((await inspectLock(lockPathFor(dir), staleMs, elsewhere)).alive).toBe(true);
      expect(await isLocked(dir, { staleMs })).toBe(true);
      expect(await tryLock(dir, { staleMs })).toBeNull();
      expect(held.isCompromised()).toBe(false);
    } finally {
      await held.release();
    }
    expect(existsSync(lockPathFor(dir))).toBe(false);
  });

  it('a lock another thread of this process left is judged by its refresh: kept while fresh, taken over once stale', async () => {
    const dir = join(root, 'thread');
    const lock = lockPathFor(dir);
    mkdirSync(lock, { recursive: true });
    // a pool worker's lock: this process, a token this thread does not hold
    writeFileSync(join(lock, 'owner.json'), JSON.stringify({ ...thisProcess(), since: new Date().toISOString(), token: 'cd' }));
    expect(await isLocked(dir, { staleMs: 2_000 })).toBe(true);
    expect(await tryLock(dir, { staleMs: 2_000 })).toBeNull();
    const old = new Date(Date.now() - 5_000); // the thread ended: nothing refreshes it
    utimesSync(lock, old, old);
    expect(await isLocked(dir, { staleMs: 2_000 })).toBe(false);
    const t0 = Date.now();
    expect(await withLock(dir, async () => 'ok', { staleMs: 2_000 })).toBe('ok');
    expect(Date.now() - t0).toBeLessThan(1000);
  });

  it('a lock whose holder is dead is taken over at once, however recent its mtime', async () => {
    const dir = join(root, 'dead');
    const lock = lockPathFor(dir);
    mkdirSync(lock, { recursive: true });
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    writeFileSync(join(lock, 'owner.json'), JSON.stringify({ ...thisProcess(), pid: Number(gone.stdout), since: new Date().toISOString(), token: 'ab' }));
    expect(await lockHolder(dir)).toMatchObject({ pid: Number(gone.stdout) });
    expect(await isLocked(dir, { staleMs: 60_000 })).toBe(false);
    const t0 = Date.now();
    expect(await withLock(dir, async () => 'ok', { staleMs: 60_000 })).toBe('ok');
    expect(Date.now() - t0).toBeLessThan(1000);
  });
});
