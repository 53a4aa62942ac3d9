import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { cacheRoot } from '../util/paths.ts';
import { ensurePublished, checkConfig, type GetOrComputeOptions, type StoreEvent } from './compute.ts';
import { runKey } from './hash.ts';
import { DEFAULT_MAX_WAIT_MS, DEFAULT_STALE_MS } from './lock.ts';
import { gc, list, verify, type GcOptions, type GcReport, type RunEntry, type VerifyReport } from './maintenance.ts';
import type { RunContext, StoredConfig } from './private-dir.ts';
import { openRun, type RunReader } from './reader.ts';
import { DONE_FILE, KEY_RE } from './run-dir.ts';

/**
 * The content-addressed run store (open_lth's directory-per-hashed-config, plus the code version
 * in the key). One directory per finished run:
 *
 *   <root>/runs/<key>/config.json           { key, codeVersion, backend, config }
 *                     meta.json             environment, timing (written by the caller)
 *                     metrics.json          (written by the caller)
 *                     checkpoints/<n>.safetensors   tensor snapshots (0, 2000, …, mask), safetensors.ts
 *                     resume.safetensors    the last full training state
 *                     DONE                  { finishedAt, durationMs, files, sha256 }: the manifest
 *   <root>/runs/<key>.partial-<token>/      the same files, and JOURNAL, while the run is computed
 *   <root>/runs/<key>.lock/                 cross-process lock while computing (lock.ts)
 *
 * A run is computed in its private directory and published by renaming it to `<key>/`, so a
 * directory named by a key is always whole and finished, never written again, and readers need no
 * lock. Three jobs, one module each: reading a published run (reader.ts), computing one
 * (compute.ts: lock → private directory → publish, private-dir.ts, journal.ts), and looking after
 * the store (maintenance.ts: ls, verify, gc). This class ties them to one root.
 */

export { KEY_RE, RESUME_FILE } from './run-dir.ts';
export { openRun, type DoneMarker, type RunReader } from './reader.ts';
export { RunConfigMismatchError, type GetOrComputeOptions, type StoreEvent } from './compute.ts';
export type { RunContext, StoredConfig } from './private-dir.ts';
export type { GcOptions, GcReport, RunEntry, VerifyProblem, VerifyReport } from './maintenance.ts';

export interface RunStoreOptions {
  /** Default: $GROK_CACHE, else `<package root>/.grok-cache`. */
  root?: string;
  /** Lock staleness as seen from another machine (see lock.ts); tests shorten it. */
  staleMs?: number;
  maxWaitMs?: number;
  /**
   * Cache hits/misses/waits/recomputes, for progress output. Without it, waiting for another
   * process's lock and recomputing a damaged interrupted run are each said on stderr in one line
   * (unless GROK_QUIET=1).
   */
  onEvent?: (event: StoreEvent) => void;
}

/** In-flight computations, per resolved run directory, shared by every RunStore in the process. */
const inflight = new Map<string, Promise<void>>();

export class RunStore {
  readonly root: string;
  private readonly staleMs: number;
  private readonly maxWaitMs: number;
  private readonly onEvent?: (event: StoreEvent) => void;

  constructor(opts: RunStoreOptions = {}) {
    this.root = resolve(opts.root ?? cacheRoot());
    this.staleMs = opts.staleMs ?? DEFAULT_STALE_MS;
    this.maxWaitMs = opts.maxWaitMs ?? DEFAULT_MAX_WAIT_MS;
    this.onEvent = opts.onEvent;
  }

  get runsDir(): string {
    return join(this.root, 'runs');
  }

  /** Where the run `key` is once published. */
  runDir(key: string): string {
    if (!KEY_RE.test(key)) throw new Error(`run key "${key}" is not 16 lowercase hex chars (make it with runKey)`);
    return join(this.runsDir, key);
  }

  isDone(key: string): boolean {
    return existsSync(join(this.runDir(key), DONE_FILE));
  }

  reader(key: string): RunReader {
    return openRun(this.runDir(key));
  }

  /** Loads a finished run without ever computing; null if it is not finished. */
  async tryLoad<T>(key: string, load: (dir: string, run: RunReader) => Promise<T>): Promise<T | null> {
    const dir = this.runDir(key);
    if (!existsSync(join(dir, DONE_FILE))) return null;
    return load(dir, openRun(dir));
  }

  /**
   * Returns `load(dir)` for the run, computing it first unless it is already published. Within one
   * process, concurrent calls for a key share one computation; across processes the run lock makes
   * the later caller wait and then load the first one's result. If `compute` throws, nothing is
   * published and whatever it saved (resume state, checkpoints) is there, checked, for the next
   * attempt. A `compute` that lost the lock fails at its next write (LockCompromisedError).
   */
  async getOrCompute<T>(
    key: string,
    config: unknown,
    compute: (ctx: RunContext) => Promise<void>,
    load: (dir: string, run: RunReader) => Promise<T>,
    opts: GetOrComputeOptions = {},
  ): Promise<T> {
    const dir = this.runDir(key);
    if (opts.defaults !== undefined && opts.codeVersion !== undefined) {
      const expected = runKey(config, opts.defaults, opts.codeVersion, opts.backend);
      if (expected !== key) {
        throw new Error(`getOrCompute: key ${key} does not match its config (runKey gives ${expected})`);
      }
    }
    const stored: StoredConfig = { key, codeVersion: opts.codeVersion ?? null, backend: opts.backend, config };

    const pending = inflight.get(dir);
    if (pending) {
      this.onEvent?.({ type: 'wait', key });
      opts.onWait?.();
      await pending;
      // The shared computation checked its own caller's config, not ours.
      await checkConfig(dir, stored, opts.defaults);
    } else {
      const env = { runsDir: this.runsDir, staleMs: this.staleMs, maxWaitMs: this.maxWaitMs, emit: this.onEvent };
      const p = ensurePublished(env, stored, compute, opts);
      inflight.set(dir, p);
      try {
        await p;
      } finally {
        // Not memoised past completion: later calls re-check the disk (gc may have removed the run),
        // and results are not kept alive in memory.
        if (inflight.get(dir) === p) inflight.delete(dir);
      }
    }
    return load(dir, openRun(dir));
  }

  /** Every run with its state, for `grok cache ls`. */
  list(): Promise<RunEntry[]> {
    return list(this.env());
  }

  /** Checks every run (maintenance.ts); reads only, unless `repair`. */
  verify(opts: { repair?: boolean } = {}): Promise<VerifyReport> {
    return verify(this.env(), opts);
  }

  /** Deletes unfinished (or all) runs not held by a live process, and abandoned locks. */
  gc(opts: GcOptions = {}): Promise<GcReport> {
    return gc(this.env(), opts);
  }

  private env() {
    return { runsDir: this.runsDir, staleMs: this.staleMs };
  }
}
