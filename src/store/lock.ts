import { hostname } from 'node:os';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import lockfile from 'proper-lockfile';
import { writeFileAtomic } from '../util/atomic-write.ts';

/**
 * Cross-process mutual exclusion for one run directory, so two processes (two vitest workers, two
 * terminals, a CI shard) asked for the same run compute it once: the second WAITS and then finds
 * the first one's result.
 *
 * Why these settings:
 * - proper-lockfile makes the lock with mkdir (atomic on every local filesystem and on NFS) and
 *   keeps it fresh by touching its mtime every `update` ms. A lock whose mtime is older than
 *   `stale` ms belongs to a process that died without cleaning up (SIGKILL, OOM, power loss) and
 *   is taken over, so a crash never wedges the cache.
 * - stale = 30 s: long enough that a busy-but-alive holder is not mistaken for a dead one, short
 *   enough that a crashed run delays the next attempt by only half a minute. The refresh runs on
 *   a timer, so the holder's compute MUST yield to the event loop (any `await`) well within that
 *   time: a synchronous stretch longer than ~25 s lets a waiter take the lock over, and the holder
 *   then fails with LockCompromisedError instead of writing DONE.
 * - update = stale/6 (5 s): several refresh chances inside one stale window, so a slow disk or a
 *   long GC pause does not lose the lock.
 * - Waiting is our own retry loop with exponential backoff (50 ms growing to at most 5 s, or
 *   stale/4 if smaller) for up to `maxWaitMs` (default 12 h), because a training run holds its lock
 *   for minutes to hours and proper-lockfile's own `retries` only knows a count, not a deadline. The
 *   cap on the backoff bounds how late a waiter notices the release or a stale lock.
 * - The lock lives beside the directory (`<dir>.lock`), not inside it, so deleting the run
 *   directory (gc) neither breaks the lock nor races a process waiting for it.
 * - Who holds it (pid, host, since when) is written to `<dir>/.lock-owner.json` by withLock, so a
 *   waiter can say whom it waits for. Not inside the lock directory: proper-lockfile removes that
 *   with rmdir, which fails on a non-empty directory. A dot-file, so the run store never lists it
 *   as a file of the run; a holder killed before removing it leaves a stale one that the next
 *   holder overwrites.
 */

export const DEFAULT_STALE_MS = 30_000;
export const DEFAULT_MAX_WAIT_MS = 12 * 60 * 60 * 1000;
/** proper-lockfile refuses anything shorter. */
export const MIN_STALE_MS = 2_000;

export interface LockOptions {
  /** A lock not refreshed for this long is considered abandoned and taken over. */
  staleMs?: number;
  /** Give up waiting (LockTimeoutError) after this long. */
  maxWaitMs?: number;
  /** Called once, the first time the lock is found held by someone else, with the holder if known. */
  onWait?: (holder: LockHolder | null) => void;
}

/** Who holds a lock taken by withLock. */
export interface LockHolder {
  pid: number;
  host: string;
  /** ISO time the lock was taken. */
  since: string;
}

export const ownerPathFor = (dir: string): string => join(resolve(dir), '.lock-owner.json');

/** The holder recorded by withLock, or null if none is recorded (or the record is unreadable). */
export async function lockHolder(dir: string): Promise<LockHolder | null> {
  try {
    const h = JSON.parse(await readFile(ownerPathFor(dir), 'utf8')) as Partial<LockHolder>;
    return typeof h.pid === 'number' && typeof h.host === 'string' && typeof h.since === 'string' ? (h as LockHolder) : null;
  } catch {
    return null;
  }
}

export function describeHolder(h: LockHolder | null): string {
  return h ? `pid ${h.pid} on ${h.host}, since ${h.since}` : 'holder unknown';
}

export interface HeldLock {
  readonly dir: string;
  /** True once the lock was lost (taken over or deleted). */
  isCompromised(): boolean;
  /** Throws LockCompromisedError if the lock was lost (taken over or deleted) since it was acquired. */
  assertHeld(): void;
}

export class LockTimeoutError extends Error {
  override name = 'LockTimeoutError';
}

export class LockCompromisedError extends Error {
  override name = 'LockCompromisedError';
}

export const lockPathFor = (dir: string): string => `${resolve(dir)}.lock`;

function lockOptions(dir: string, staleMs: number, onCompromised: (err: Error) => void): lockfile.LockOptions {
  const stale = Math.max(MIN_STALE_MS, staleMs);
  return {
    stale,
    update: Math.max(1_000, Math.floor(stale / 6)),
    retries: 0,
    // The run directory may not exist (gc removed it); we name the lock ourselves, no realpath.
    realpath: false,
    lockfilePath: lockPathFor(dir),
    // The default throws from a timer, which would crash the process; record it instead.
    onCompromised,
  };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Acquires the lock without waiting; null if someone else holds a live lock. Does not create `dir`. */
export async function tryLock(
  dir: string,
  opts: Pick<LockOptions, 'staleMs'> = {},
): Promise<(HeldLock & { release(): Promise<void> }) | null> {
  const abs = resolve(dir);
  let compromised: Error | null = null;
  let release: () => Promise<void>;
  try {
    release = await lockfile.lock(
      abs,
      lockOptions(abs, opts.staleMs ?? DEFAULT_STALE_MS, (err) => {
        compromised = err;
      }),
    );
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ELOCKED') return null;
    throw err;
  }
  return {
    dir: abs,
    isCompromised: () => compromised !== null,
    assertHeld() {
      if (compromised) {
        throw new LockCompromisedError(
          `lost the lock on ${abs} (${(compromised as Error).message}); another process may have taken it over ` +
            `because this one did not refresh it within the stale time (a long synchronous stretch?)`,
        );
      }
    },
    async release() {
      if (compromised) return; // nothing of ours left to remove
      await release();
    },
  };
}

/** True if a live (non-stale) lock is held on `dir` by anyone, this process included. */
export async function isLocked(dir: string, opts: Pick<LockOptions, 'staleMs'> = {}): Promise<boolean> {
  const abs = resolve(dir);
  return lockfile.check(abs, {
    stale: Math.max(MIN_STALE_MS, opts.staleMs ?? DEFAULT_STALE_MS),
    realpath: false,
    lockfilePath: lockPathFor(abs),
  });
}

/**
 * Runs `fn` while holding the lock on `dir` (created if needed), waiting for other holders first.
 * The lock is released when `fn` settles, and by proper-lockfile's exit hook on a normal exit or
 * Ctrl-C. If the lock was lost while `fn` ran, throws LockCompromisedError after `fn` returns.
 */
export async function withLock<T>(dir: string, fn: (lock: HeldLock) => Promise<T>, opts: LockOptions = {}): Promise<T> {
  const abs = resolve(dir);
  await mkdir(abs, { recursive: true });
  const staleMs = Math.max(MIN_STALE_MS, opts.staleMs ?? DEFAULT_STALE_MS);
  const maxWaitMs = opts.maxWaitMs ?? DEFAULT_MAX_WAIT_MS;
  const maxDelay = Math.min(5_000, staleMs / 4);
  const deadline = Date.now() + maxWaitMs;
  let delay = 50;
  let waited = false;

  let held: Awaited<ReturnType<typeof tryLock>>;
  for (;;) {
    held = await tryLock(abs, { staleMs });
    if (held) break;
    if (!waited) {
      waited = true;
      opts.onWait?.(await lockHolder(abs));
    }
    const now = Date.now();
    if (now >= deadline) {
      throw new LockTimeoutError(
        `gave up after ${Math.round(maxWaitMs / 1000)} s waiting for the lock on ${abs}, held by another process ` +
          `(if no other process is running, delete ${lockPathFor(abs)})`,
      );
    }
    // Jitter keeps several waiters from polling in lock-step.
    await sleep(Math.min(delay * (0.75 + Math.random() / 2), deadline - now));
    delay = Math.min(delay * 1.5, maxDelay);
  }

  const owner = ownerPathFor(abs);
  try {
    const holder: LockHolder = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
    await writeFileAtomic(owner, JSON.stringify(holder) + '\n').catch(() => {}); // informative only
    const result = await fn(held);
    held.assertHeld();
    return result;
  } finally {
    // fn may have removed the directory; the record is informative, so a failure to remove it is not one
    if (!held.isCompromised()) await rm(owner, { force: true }).catch(() => {});
    await held.release().catch(() => {});
  }
}
