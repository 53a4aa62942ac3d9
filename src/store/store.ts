import { existsSync, readdirSync } from 'node:fs';
import { readdir, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { CorruptFileError, isTempFile, readJson, writeJson, type WriteJsonOptions } from './files.ts';
import { readTensors, TENSOR_EXT, writeTensors, type MetaInput, type TensorMap, type TensorRecord } from './safetensors.ts';
import { canonicalJson, normaliseConfig, runKey } from './hash.ts';
import { cacheRoot } from '../util/paths.ts';
import { DEFAULT_MAX_WAIT_MS, DEFAULT_STALE_MS, isLocked, tryLock, withLock } from './lock.ts';

/**
 * The content-addressed run store (open_lth's directory-per-hashed-config, plus the code version
 * in the key). One directory per run:
 *
 *   <root>/runs/<key>/config.json           { key, codeVersion, config }  written before compute
 *                     meta.json             environment, timing (written by the caller)
 *                     metrics.json          (written by the caller, may be rewritten while running)
 *                     checkpoints/<n>.safetensors   tensor snapshots (0, 2000, …, mask), safetensors.ts
 *                     resume.safetensors    latest full training state, for picking up after a crash
 *                     DONE                  { finishedAt, durationMs }, written last
 *   <root>/runs/<key>.lock                  cross-process lock while computing (see lock.ts)
 *
 * A run is complete iff DONE exists. Every file is written atomically and DONE only after compute
 * returned, so a directory with DONE is always whole and readers need no lock.
 */

export const KEY_RE = /^[0-9a-f]{16}$/;
const RESUME_FILE = `resume${TENSOR_EXT}`;
const RESERVED = new Set(['config.json', 'DONE', RESUME_FILE]);

export type StoreEvent =
  | { type: 'hit' | 'miss' | 'wait'; key: string }
  | { type: 'done'; key: string; durationMs: number };

export interface RunStoreOptions {
  /** Default: $GROK_CACHE, else `<package root>/.grok-cache`. */
  root?: string;
  /** Lock staleness (see lock.ts); tests shorten it. */
  staleMs?: number;
  maxWaitMs?: number;
  /** Cache hits/misses/waits, for progress output. */
  onEvent?: (event: StoreEvent) => void;
}

/** Read access to a run directory (what `load` gets). */
export interface RunReader {
  readonly dir: string;
  hasCheckpoint(name: string): boolean;
  /** Names of the saved checkpoints (without the extension), sorted. */
  listCheckpoints(): string[];
  loadCheckpoint(name: string): Promise<TensorRecord>;
  /** The latest resume state, or null if none was saved. */
  loadResume(): Promise<TensorRecord | null>;
  hasFile(name: string): boolean;
  /** A JSON file in the run directory, e.g. `metrics.json`. */
  readJson<T = unknown>(name: string): Promise<T>;
}

/** What `compute` gets: the reader plus writes. All writes are atomic. */
export interface RunContext extends RunReader {
  saveCheckpoint(name: string, tensors: TensorMap, meta?: MetaInput): Promise<void>;
  /** Overwrites the resume file; save optimiser and RNG state too, so a resumed run is bit-identical. */
  saveResume(tensors: TensorMap, meta?: MetaInput): Promise<void>;
  /** Any JSON file except the store's own (config.json, DONE). */
  writeJson(name: string, value: unknown, opts?: WriteJsonOptions): Promise<void>;
}

export interface GetOrComputeOptions {
  /** Recorded in config.json; with `defaults`, also checked against the key. */
  codeVersion?: string;
  /**
   * The defaults the key was computed with. Pass them whenever the key came from runKey with
   * defaults: the stored and given configs are then compared after normalisation, so a run stored
   * before a default-valued field existed is still recognised as the same run.
   */
  defaults?: unknown;
}

export interface StoredConfig {
  key: string;
  codeVersion: string | null;
  config: unknown;
}

export interface DoneMarker {
  finishedAt: string;
  durationMs: number;
}

export interface RunEntry {
  key: string;
  dir: string;
  /** The `config` field of config.json, or null if missing/unreadable. */
  config: unknown;
  codeVersion: string | null;
  done: boolean;
  finishedAt: string | null;
  durationMs: number | null;
  /** A live process holds the run's lock (computing or waiting to). */
  locked: boolean;
  sizeBytes: number;
  /** Latest modification of any file in the run. */
  mtime: Date;
}

export interface VerifyProblem {
  key: string;
  path: string;
  kind: 'corrupt' | 'missing-config' | 'key-mismatch' | 'leftover-temp';
  message: string;
}

export interface VerifyReport {
  runs: number;
  files: number;
  problems: VerifyProblem[];
  /** Runs skipped because a live process holds their lock. */
  skippedLocked: string[];
  /** With `repair`: runs deleted because a file in them was damaged. */
  removedRuns: string[];
  /** With `repair`: leftover temp files deleted. */
  removedTemps: string[];
}

export interface GcOptions {
  /** 'unfinished' (default): runs without DONE. 'all': every run. Locked runs are never touched. */
  mode?: 'unfinished' | 'all';
  /** Only runs not modified for at least this long (e.g. skip a run someone is about to resume). */
  olderThanMs?: number;
  /** Report what would go without deleting anything. */
  dryRun?: boolean;
}

export interface GcReport {
  removed: { key: string; done: boolean; sizeBytes: number }[];
  skippedLocked: string[];
  freedBytes: number;
}

export class RunConfigMismatchError extends Error {
  override name = 'RunConfigMismatchError';
}

/** In-flight computations, per resolved run directory, shared by every RunStore in the process. */
const inflight = new Map<string, Promise<void>>();

function checkName(name: string, what: string): void {
  const ok =
    /^[A-Za-z0-9_][A-Za-z0-9._-]*(\/[A-Za-z0-9_][A-Za-z0-9._-]*)*$/.test(name) && !name.split('/').includes('..');
  if (!ok) throw new Error(`${what} "${name}": use letters, digits, . _ - (and / for subfolders), no leading dot`);
}

function checkpointPath(dir: string, name: string): string {
  if (!/^[A-Za-z0-9_][A-Za-z0-9._-]*$/.test(name)) {
    throw new Error(`checkpoint name "${name}": use letters, digits, . _ - with no leading dot`);
  }
  return join(dir, 'checkpoints', `${name}${TENSOR_EXT}`);
}

/** Read access to any run directory, e.g. for a report reading finished runs directly. */
export function openRun(dir: string): RunReader {
  const abs = resolve(dir);
  return {
    dir: abs,
    hasCheckpoint: (name) => existsSync(checkpointPath(abs, name)),
    listCheckpoints: () => {
      const cdir = join(abs, 'checkpoints');
      if (!existsSync(cdir)) return [];
      return readdirSync(cdir)
        .filter((f) => f.endsWith(TENSOR_EXT) && !isTempFile(f))
        .map((f) => f.slice(0, -TENSOR_EXT.length))
        .sort();
    },
    loadCheckpoint: async (name) => readTensors(checkpointPath(abs, name)),
    loadResume: async () => {
      const p = join(abs, RESUME_FILE);
      return existsSync(p) ? readTensors(p) : null;
    },
    hasFile: (name) => {
      checkName(name, 'file name');
      return existsSync(join(abs, name));
    },
    readJson: async (name) => {
      checkName(name, 'file name');
      return readJson(join(abs, name));
    },
  };
}

function runContext(dir: string): RunContext {
  return {
    ...openRun(dir),
    saveCheckpoint: async (name, tensors, meta = {}) => writeTensors(checkpointPath(dir, name), tensors, meta),
    saveResume: (tensors, meta = {}) => writeTensors(join(dir, RESUME_FILE), tensors, meta),
    writeJson: async (name, value, opts) => {
      checkName(name, 'file name');
      if (RESERVED.has(name) || name.startsWith('checkpoints/')) {
        throw new Error(`writeJson: "${name}" belongs to the run store; pick another name`);
      }
      return writeJson(join(dir, name), value, opts);
    },
  };
}

async function walkFiles(dir: string): Promise<{ path: string; name: string; size: number; mtimeMs: number }[]> {
  const out: { path: string; name: string; size: number; mtimeMs: number }[] = [];
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return out; // removed under us
    throw err;
  }
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await walkFiles(p)));
    else if (e.isFile()) {
      try {
        const st = await stat(p);
        out.push({ path: p, name: e.name, size: st.size, mtimeMs: st.mtimeMs });
      } catch {
        /* renamed or removed while listing */
      }
    }
  }
  return out;
}

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

  runDir(key: string): string {
    if (!KEY_RE.test(key)) throw new Error(`run key "${key}" is not 16 lowercase hex chars (make it with runKey)`);
    return join(this.runsDir, key);
  }

  isDone(key: string): boolean {
    return existsSync(join(this.runDir(key), 'DONE'));
  }

  reader(key: string): RunReader {
    return openRun(this.runDir(key));
  }

  /** Loads a finished run without ever computing; null if it is not finished. */
  async tryLoad<T>(key: string, load: (dir: string, run: RunReader) => Promise<T>): Promise<T | null> {
    const dir = this.runDir(key);
    if (!existsSync(join(dir, 'DONE'))) return null;
    return load(dir, openRun(dir));
  }

  /**
   * Returns `load(dir)` for the run, computing it first unless it is already DONE. Within one
   * process, concurrent calls for a key share one computation; across processes the run lock makes
   * the later caller wait and then load the first one's result. If `compute` throws, nothing is
   * marked DONE and whatever it saved (resume state, checkpoints) is there for the next attempt.
   *
   * `compute` runs with the lock held, and must await something at least every few seconds so the
   * lock stays fresh (see lock.ts).
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
      const expected = runKey(config, opts.defaults, opts.codeVersion);
      if (expected !== key) {
        throw new Error(`getOrCompute: key ${key} does not match its config (runKey gives ${expected})`);
      }
    }
    const stored: StoredConfig = { key, codeVersion: opts.codeVersion ?? null, config };

    const pending = inflight.get(dir);
    if (pending) {
      this.emit({ type: 'wait', key });
      await pending;
      // The shared computation checked its own caller's config, not ours.
      await this.checkConfig(dir, stored, opts.defaults);
    } else {
      const p = this.ensureDone(key, dir, stored, compute, opts.defaults);
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

  private emit(event: StoreEvent): void {
    this.onEvent?.(event);
  }

  private async ensureDone(
    key: string,
    dir: string,
    stored: StoredConfig,
    compute: (ctx: RunContext) => Promise<void>,
    defaults: unknown,
  ): Promise<void> {
    const donePath = join(dir, 'DONE');
    if (existsSync(donePath)) {
      await this.checkConfig(dir, stored, defaults);
      this.emit({ type: 'hit', key });
      return;
    }
    await withLock(
      dir,
      async (lock) => {
        // Another process may have finished while we waited for the lock.
        if (existsSync(donePath)) {
          await this.checkConfig(dir, stored, defaults);
          this.emit({ type: 'hit', key });
          return;
        }
        this.emit({ type: 'miss', key });
        if (existsSync(join(dir, 'config.json'))) await this.checkConfig(dir, stored, defaults);
        else await writeJson(join(dir, 'config.json'), stored, { pretty: true });

        const t0 = performance.now();
        await compute(runContext(dir));
        const durationMs = Math.round(performance.now() - t0);
        // A taken-over lock means another process may be writing the same files: do not bless them.
        lock.assertHeld();
        const marker: DoneMarker = { finishedAt: new Date().toISOString(), durationMs };
        await writeJson(donePath, marker, { pretty: true });
        this.emit({ type: 'done', key, durationMs });
      },
      { staleMs: this.staleMs, maxWaitMs: this.maxWaitMs, onWait: () => this.emit({ type: 'wait', key }) },
    );
  }

  private async checkConfig(dir: string, given: StoredConfig, defaults: unknown): Promise<void> {
    const path = join(dir, 'config.json');
    if (!existsSync(path)) {
      throw new CorruptFileError(path, 'missing, but the run directory has other content');
    }
    const onDisk = await readJson<StoredConfig>(path);
    const norm = (c: unknown): string => canonicalJson(defaults === undefined ? c : normaliseConfig(c, defaults));
    const sameConfig = norm(onDisk?.config) === norm(given.config);
    const sameCode = onDisk?.codeVersion == null || given.codeVersion == null || onDisk.codeVersion === given.codeVersion;
    if (onDisk?.key !== given.key || !sameConfig || !sameCode) {
      throw new RunConfigMismatchError(
        `${path} describes a different run than the one asked for under key ${given.key} ` +
          `(a hash collision, an edited file, or a key that was not made from this config).\n` +
          `  on disk: ${canonicalJson({ key: onDisk?.key, codeVersion: onDisk?.codeVersion, config: onDisk?.config })}\n` +
          `  asked:   ${canonicalJson(given)}\n` +
          `Delete ${dir} if the stored run is not wanted.`,
      );
    }
  }

  private async runKeys(): Promise<string[]> {
    if (!existsSync(this.runsDir)) return [];
    const entries = await readdir(this.runsDir, { withFileTypes: true });
    return entries
      .filter((e) => e.isDirectory() && KEY_RE.test(e.name))
      .map((e) => e.name)
      .sort();
  }

  /** Every run directory with its state, for `grok cache ls`. */
  async list(): Promise<RunEntry[]> {
    const out: RunEntry[] = [];
    for (const key of await this.runKeys()) {
      const dir = this.runDir(key);
      const files = await walkFiles(dir);
      let stored: StoredConfig | null = null;
      let done: DoneMarker | null = null;
      try {
        stored = await readJson<StoredConfig>(join(dir, 'config.json'));
      } catch {
        /* reported by verify */
      }
      const isDone = existsSync(join(dir, 'DONE'));
      if (isDone) {
        try {
          done = await readJson<DoneMarker>(join(dir, 'DONE'));
        } catch {
          /* reported by verify */
        }
      }
      out.push({
        key,
        dir,
        config: stored?.config ?? null,
        codeVersion: stored?.codeVersion ?? null,
        done: isDone,
        finishedAt: done?.finishedAt ?? null,
        durationMs: done?.durationMs ?? null,
        locked: await isLocked(dir, { staleMs: this.staleMs }),
        sizeBytes: files.reduce((s, f) => s + f.size, 0),
        mtime: new Date(Math.max(0, ...files.map((f) => f.mtimeMs))),
      });
    }
    return out;
  }

  /**
   * Reads every JSON and tensor file of every run (checksums included) and reports damage. With
   * `repair`, a run with a damaged file is deleted whole rather than patched: a run missing one
   * checkpoint but holding a final resume state would "resume" into a DONE run that still lacks it.
   * Runs held by a live process are skipped (their temp files are writes in progress).
   */
  async verify(opts: { repair?: boolean } = {}): Promise<VerifyReport> {
    const report: VerifyReport = { runs: 0, files: 0, problems: [], skippedLocked: [], removedRuns: [], removedTemps: [] };
    for (const key of await this.runKeys()) {
      const dir = this.runDir(key);
      const lock = await tryLock(dir, { staleMs: this.staleMs });
      if (!lock) {
        report.skippedLocked.push(key);
        continue;
      }
      try {
        report.runs++;
        const problems: VerifyProblem[] = [];
        const files = await walkFiles(dir);
        for (const f of files) {
          if (isTempFile(f.name)) {
            problems.push({ key, path: f.path, kind: 'leftover-temp', message: 'temp file of an interrupted write' });
            continue;
          }
          const isJson = f.name.endsWith('.json') || f.name === 'DONE';
          if (!isJson && !f.name.endsWith(TENSOR_EXT)) continue;
          report.files++;
          try {
            if (isJson) await readJson(f.path);
            else await readTensors(f.path);
          } catch (err) {
            problems.push({ key, path: f.path, kind: 'corrupt', message: (err as Error).message });
          }
        }
        const cfgPath = join(dir, 'config.json');
        if (!existsSync(cfgPath)) {
          problems.push({ key, path: cfgPath, kind: 'missing-config', message: 'run directory without config.json' });
        } else if (!problems.some((p) => p.path === cfgPath)) {
          const stored = await readJson<StoredConfig>(cfgPath);
          if (stored?.key !== key) {
            problems.push({
              key,
              path: cfgPath,
              kind: 'key-mismatch',
              message: `config.json says key ${String(stored?.key)} but lives in ${key}`,
            });
          }
        }
        report.problems.push(...problems);
        if (!opts.repair) continue;
        if (problems.some((p) => p.kind !== 'leftover-temp')) {
          await rm(dir, { recursive: true, force: true });
          report.removedRuns.push(key);
        } else {
          for (const p of problems) {
            await rm(p.path, { force: true });
            report.removedTemps.push(p.path);
          }
        }
      } finally {
        await lock.release().catch(() => {});
      }
    }
    return report;
  }

  /** Deletes unfinished (or all) runs not held by a live process, and abandoned lock files. */
  async gc(opts: GcOptions = {}): Promise<GcReport> {
    const mode = opts.mode ?? 'unfinished';
    const report: GcReport = { removed: [], skippedLocked: [], freedBytes: 0 };
    const now = Date.now();
    for (const entry of await this.list()) {
      if (mode === 'unfinished' && entry.done) continue;
      if (opts.olderThanMs !== undefined && now - entry.mtime.getTime() < opts.olderThanMs) continue;
      const lock = await tryLock(entry.dir, { staleMs: this.staleMs });
      if (!lock) {
        report.skippedLocked.push(entry.key);
        continue;
      }
      try {
        if (!opts.dryRun) await rm(entry.dir, { recursive: true, force: true });
        report.removed.push({ key: entry.key, done: entry.done, sizeBytes: entry.sizeBytes });
        report.freedBytes += entry.sizeBytes;
      } finally {
        await lock.release().catch(() => {});
      }
    }
    if (!opts.dryRun && existsSync(this.runsDir)) {
      // Locks orphaned by a SIGKILLed process: taking a stale lock over and releasing it removes it.
      for (const name of await readdir(this.runsDir)) {
        const key = name.slice(0, -'.lock'.length);
        if (!name.endsWith('.lock') || !KEY_RE.test(key)) continue;
        const dir = join(this.runsDir, key);
        if (existsSync(dir)) continue;
        const lock = await tryLock(dir, { staleMs: this.staleMs });
        await lock?.release().catch(() => {});
      }
    }
    return report;
  }
}
