import { existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LockTimeoutError, isLocked, lockPathFor, tryLock, withLock } from '../../src/store/lock.ts';

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
