import { utimesSync } from 'node:fs';
import { Worker } from 'node:worker_threads';

/**
 * Keeps the locks this process holds fresh (their mtime recent) from a worker thread, so a lock
 * does not look abandoned to a process on another machine while training keeps this thread's
 * event loop busy: a training step is synchronous, and under load fifty of them take longer than
 * the stale time. (On the holder's own machine liveness is judged by its process id instead:
 * liveness.ts.) One worker serves every lock of the process; it is unref'd, so it never keeps the
 * process alive, and a stopped or killed process stops refreshing, as it must.
 */

const WORKER = `
const { parentPort } = require('node:worker_threads');
const { utimesSync } = require('node:fs');
const locks = new Map();
parentPort.on('message', ({ path, everyMs }) => {
  if (everyMs) locks.set(path, { everyMs, last: Date.now() });
  else locks.delete(path);
});
setInterval(() => {
  const now = Date.now();
  for (const [path, lock] of locks) {
    if (now - lock.last < lock.everyMs) continue;
    lock.last = now;
    try { const t = new Date(now); utimesSync(path, t, t); } catch { /* released or taken over: nothing to keep */ }
  }
}, 100);
`;

let worker: Worker | null | undefined;
/** Where no worker can start: timers on this thread (a busy event loop then delays them). */
const timers = new Map<string, NodeJS.Timeout>();

function getWorker(): Worker | null {
  if (worker === undefined) {
    try {
      worker = new Worker(WORKER, { eval: true });
      worker.unref();
      worker.on('error', () => (worker = null));
    } catch {
      worker = null;
    }
  }
  return worker;
}

/** Touches `path` every `everyMs` until `stopRefreshing(path)`. */
export function keepFresh(path: string, everyMs: number): void {
  const w = getWorker();
  if (w) return w.postMessage({ path, everyMs });
  const t = setInterval(() => {
    try {
      const now = new Date();
      utimesSync(path, now, now);
    } catch {
      /* released or taken over */
    }
  }, everyMs);
  t.unref();
  timers.set(path, t);
}

export function stopRefreshing(path: string): void {
  worker?.postMessage({ path, everyMs: 0 });
  clearInterval(timers.get(path));
  timers.delete(path);
}
