import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { writeFileAtomic } from '../util/atomic-write.ts';
import { processState, thisProcess, type ProcessIdentity } from './liveness.ts';
import { keepFresh, stopRefreshing } from './lock-refresh.ts';

/**
 * Cross-process mutual exclusion for one run, so two processes (two vitest workers, two
 * terminals, a CI shard) asked for the same run compute it once: the second WAITS and then finds
 * the first one's result.
 *
 * - The lock is a directory made with mkdir (atomic on every local filesystem and on NFS) beside
 *   the run, `<dir>.lock/`, holding `owner.json`: the holder's pid, host, process start time and
 *   a random token naming this holding.
 * - Liveness: on the holder's machine a waiter asks the kernel whether that process (same pid and
 *   start time) still runs (liveness.ts). A stopped holder (Ctrl-Z) or one whose event loop is
 *   busy keeps its lock however long; a dead one's lock is taken over at once. Within one process
 *   a thread knows its own locks, and judges another thread's (a worker of the pool) by its
 *   refresh, which ends with the thread. A waiter on another
 *   machine cannot see the process, so there the lock's mtime decides: the holder touches it every
 *   stale/6 from a worker thread (lock-refresh.ts, so synchronous training cannot delay it), and a
 *   lock untouched for `staleMs` (default 30 s) is abandoned. A lock without a readable owner (a
 *   holder killed between mkdir and writing it) is judged by its mtime too.
 * - A lock can still be lost: the holder stopped past the stale time seen from another machine,
 *   or the lock deleted by hand. The holder cannot notice while it is stopped, so safety does not
 *   rest on the lock: a run is computed in a private directory and published by one rename (see
 *   compute.ts), and each write of the holder first checks that the lock still names it
 *   (`assertHeld`).
 * - Waiting is a retry loop with exponential backoff (50 ms growing to at most 5 s, or stale/4 if
 *   smaller) for up to `maxWaitMs` (default 12 h): a training run holds its lock for hours.
 * - The lock lives beside the run, not inside it, so deleting or renaming a run directory (gc,
 *   publication) never breaks the lock nor races a process waiting for it.
 */

export const DEFAULT_STALE_MS = 30_000;
export const DEFAULT_MAX_WAIT_MS = 12 * 60 * 60 * 1000;
/** Shorter would let a slow filesystem's mtime resolution or a GC pause look like an abandoned lock. */
export const MIN_STALE_MS = 2_000;
const OWNER_FILE = 'owner.json';

export interface LockOptions {
  /** A lock whose holder cannot be seen (another machine) and not refreshed for this long is abandoned. */
  staleMs?: number;
  /** Give up waiting (LockTimeoutError) after this long. */
  maxWaitMs?: number;
  /** Called once, the first time the lock is found held by someone else, with the holder if known. */
  onWait?: (holder: LockHolder | null) => void;
}

/** Who holds a lock: the process, and when and under which token it took the lock. */
export interface LockHolder extends ProcessIdentity {
  /** ISO time the lock was taken. */
  since: string;
  token: string;
}

export const lockPathFor = (dir: string): string => `${resolve(dir)}.lock`;
export const ownerPathFor = (dir: string): string => join(lockPathFor(dir), OWNER_FILE);

function readOwner(lockPath: string): LockHolder | null {
  try {
    const h = JSON.parse(readFileSync(join(lockPath, OWNER_FILE), 'utf8')) as Partial<LockHolder>;
    return typeof h.pid === 'number' && typeof h.host === 'string' && typeof h.since === 'string' && typeof h.token === 'string'
      ? { machine: null, start: null, ...h } as LockHolder
      : null;
  } catch {
    return null;
  }
}

/** The holder of the lock on `dir`, or null if none is recorded (or the record is unreadable). */
export async function lockHolder(dir: string): Promise<LockHolder | null> {
  return readOwner(lockPathFor(dir));
}

export function describeHolder(h: LockHolder | null): string {
  return h ? `pid ${h.pid} on ${h.host}, since ${h.since}` : 'holder unknown';
}

export interface HeldLock {
  readonly dir: string;
  /** Names this holding (the run's private directory is named after it). */
  readonly token: string;
  /** True once the lock no longer names this holding (taken over or deleted). */
  isCompromised(): boolean;
  /** Throws LockCompromisedError if the lock no longer names this holding. */
  assertHeld(): void;
}

export class LockTimeoutError extends Error {
  override name = 'LockTimeoutError';
}

export class LockCompromisedError extends Error {
  override name = 'LockCompromisedError';
}

/** Tokens of the locks this thread holds. */
const heldHere = new Set<string>();

/** Whether the lock at `lockPath` has a live holder, and who it is. */
export async function inspectLock(
  lockPath: string,
  staleMs: number,
  me: ProcessIdentity = thisProcess(),
): Promise<{ exists: boolean; alive: boolean; owner: LockHolder | null }> {
  const owner = readOwner(lockPath);
  let mtimeMs: number;
  try {
    mtimeMs = (await stat(lockPath)).mtimeMs;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { exists: false, alive: false, owner: null };
    throw err;
  }
  let state = owner ? processState(owner, me) : 'unknown';
  // This process: a thread knows the locks it holds; another thread's (a pool worker's) is judged
  // by its refresh, which stops when that thread ends, so a lock a dead thread left is taken over.
  if (owner && state === 'alive' && owner.pid === me.pid && owner.start === me.start && !heldHere.has(owner.token)) state = 'unknown';
  const alive = state === 'unknown' ? Date.now() - mtimeMs < Math.max(MIN_STALE_MS, staleMs) : state === 'alive';
  return { exists: true, alive, owner };
}

/**
 * Removes a lock judged abandoned, unless another process replaced it meanwhile: the lock is
 * moved aside atomically first, and put back if what was moved is not what was judged.
 */
async function removeAbandoned(lockPath: string, judged: LockHolder | null): Promise<void> {
  const aside = `${lockPath}.stale-${randomBytes(6).toString('hex')}`;
  try {
    await rename(lockPath, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return; // someone else removed it
    throw err;
  }
  if ((readOwner(aside)?.token ?? null) !== (judged?.token ?? null)) {
    // A fresh lock, taken between our look and our move: give it back. If yet another was made in
    // the meantime, its owner finds its lock lost at its next write and stops.
    await rename(aside, lockPath).catch(() => {});
  }
  await rm(aside, { recursive: true, force: true });
}

/** Acquires the lock without waiting; null if someone else holds a live lock. Creates the lock's parent, not `dir`. */
export async function tryLock(
  dir: string,
  opts: Pick<LockOptions, 'staleMs'> = {},
): Promise<(HeldLock & { release(): Promise<void> }) | null> {
  const abs = resolve(dir);
  const lockPath = lockPathFor(abs);
  const staleMs = Math.max(MIN_STALE_MS, opts.staleMs ?? DEFAULT_STALE_MS);
  await mkdir(dirname(lockPath), { recursive: true });
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await mkdir(lockPath);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const seen = await inspectLock(lockPath, staleMs);
      if (seen.alive) return null;
      if (seen.exists) await removeAbandoned(lockPath, seen.owner);
      continue;
    }
    const holder: LockHolder = { ...thisProcess(), since: new Date().toISOString(), token: randomBytes(8).toString('hex') };
    try {
      await writeFileAtomic(join(lockPath, OWNER_FILE), JSON.stringify(holder) + '\n');
    } catch (err) {
      await rm(lockPath, { recursive: true, force: true });
      throw err;
    }
    keepFresh(lockPath, Math.max(250, Math.floor(staleMs / 6)));
    heldHere.add(holder.token);
    return heldLock(abs, lockPath, holder.token);
  }
  return null; // lost every race for an abandoned lock to other processes: one of them holds it
}

function heldLock(dir: string, lockPath: string, token: string): HeldLock & { release(): Promise<void> } {
  const isCompromised = () => readOwner(lockPath)?.token !== token;
  return {
    dir,
    token,
    isCompromised,
    assertHeld() {
      if (isCompromised()) {
        throw new LockCompromisedError(
          `lost the lock on ${dir}: another process took it over (it judged this one dead: stopped past the stale time, ` +
            `or the lock ${lockPath} was deleted), so this one stops without writing into the run`,
        );
      }
    },
    async release() {
      stopRefreshing(lockPath);
      heldHere.delete(token);
      if (isCompromised()) return; // nothing of ours left to remove
      // moved aside first, so the lock disappears at once rather than file by file
      const aside = `${lockPath}.released-${token}`;
      await rename(lockPath, aside);
      await rm(aside, { recursive: true, force: true });
    },
  };
}

/** True if a live lock is held on `dir` by anyone, this process included. Reads only. */
export async function isLocked(dir: string, opts: Pick<LockOptions, 'staleMs'> = {}): Promise<boolean> {
  return (await inspectLock(lockPathFor(dir), opts.staleMs ?? DEFAULT_STALE_MS)).alive;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Runs `fn` while holding the lock on `dir`, waiting for other holders first. Does not create
 * `dir` (a run directory appears only when published). The lock is released when `fn` settles;
 * a holder that dies without releasing it is seen dead by the next one. If the lock was lost
 * while `fn` ran, throws LockCompromisedError after `fn` returns.
 */
export async function withLock<T>(dir: string, fn: (lock: HeldLock) => Promise<T>, opts: LockOptions = {}): Promise<T> {
  const abs = resolve(dir);
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
          `(${describeHolder(await lockHolder(abs))}; if it is not running, delete ${lockPathFor(abs)})`,
      );
    }
    // Jitter keeps several waiters from polling in lock-step.
    await sleep(Math.min(delay * (0.75 + Math.random() / 2), deadline - now));
    delay = Math.min(delay * 1.5, maxDelay);
  }

  try {
    const result = await fn(held);
    held.assertHeld();
    return result;
  } finally {
    await held.release().catch(() => {});
  }
}
