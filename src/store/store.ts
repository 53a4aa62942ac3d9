import { existsSync, readdirSync } from 'node:fs';
import { readdir, rm, stat } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  CorruptFileError,
  isTempFile,
  readJson,
  readSealedJson,
  RUN_STORE_ADVICE,
  sha256File,
  writeJson,
  writeSealedJson,
  type WriteJsonOptions,
} from './files.ts';
import { readTensors, TENSOR_EXT, writeTensors, type MetaInput, type TensorMap, type TensorRecord } from './safetensors.ts';
import { canonicalJson, normaliseConfig, runKey } from './hash.ts';
import { cacheRoot } from '../util/paths.ts';
import { DEFAULT_MAX_WAIT_MS, DEFAULT_STALE_MS, describeHolder, isLocked, lockPathFor, tryLock, withLock, type LockHolder } from './lock.ts';

/**
 * The content-addressed run store (open_lth's directory-per-hashed-config, plus the code version
 * in the key). One directory per run:
 *
 *   <root>/runs/<key>/config.json           { key, codeVersion, config }  written before compute
 *                     meta.json             environment, timing (written by the caller)
 *                     metrics.json          (written by the caller, may be rewritten while running)
 *                     checkpoints/<n>.safetensors   tensor snapshots (0, 2000, …, mask), safetensors.ts
 *                     resume.safetensors    latest full training state, for picking up after a crash
 *                     DONE                  { finishedAt, durationMs, files, sha256 }, written last
 *   <root>/runs/<key>.lock                  cross-process lock while computing (see lock.ts)
 *
 * A run is complete iff DONE exists. Every file is written atomically and DONE only after compute
 * returned, so a directory with DONE is always whole and readers need no lock.
 *
 * Checksums: DONE is the run's manifest. `files` maps every file of the finished run (path
 * relative to the run directory) to its sha256, and DONE seals itself with a sha256 over the rest.
 * Every read from a finished run checks the file against it, so an edited `metrics.json` (from
 * which claims decide) is a CorruptFileError, not a result; a listed file that is gone is one too;
 * a file the manifest does not list is not trusted. Why one manifest rather than a checksum inside
 * each file: it covers every kind of file alike (JSON, tensors in whatever format, files a
 * derivation adds), keeps metrics.json plain data for other tools, and says which files a finished
 * run must have, which a per-file checksum cannot (a deleted file carries no checksum to fail).
 * Files of an unfinished run are checked only for being well formed: compute may still rewrite them.
 */

export const KEY_RE = /^[0-9a-f]{16}$/;
const RESUME_FILE = `resume${TENSOR_EXT}`;
const RESERVED = new Set(['config.json', 'DONE', RESUME_FILE]);

export type StoreEvent =
  | { type: 'hit' | 'miss'; key: string }
  /**
   * Another computation of the same run is under way: in this process (`holder` absent), or in
   * another process holding the run's lock (`holder`: who, if it recorded itself).
   */
  | { type: 'wait'; key: string; holder?: LockHolder | null; message?: string }
  | { type: 'done'; key: string; durationMs: number };

export interface RunStoreOptions {
  /** Default: $GROK_CACHE, else `<package root>/.grok-cache`. */
  root?: string;
  /** Lock staleness (see lock.ts); tests shorten it. */
  staleMs?: number;
  maxWaitMs?: number;
  /**
   * Cache hits/misses/waits, for progress output. Without it, waiting for another process's lock
   * is said on stderr in one line (unless GROK_QUIET=1): a run that silently stalls for hours
   * behind another process looks hung.
   */
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
  /** What computes the run (see runKey); recorded in config.json and part of the key check. */
  backend?: string;
  /** Called when this call waits for another one computing the same run (here or in another process). */
  onWait?: () => void;
}

export interface StoredConfig {
  key: string;
  codeVersion: string | null;
  /** Absent in runs stored without a backend in their key. */
  backend?: string;
  config: unknown;
}

export interface DoneMarker {
  finishedAt: string;
  durationMs: number;
  /** Every file of the finished run (relative path, `/`-separated) → sha256 of its bytes. */
  files: Record<string, string>;
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
  /**
   * corrupt: unreadable, or its checksum differs from DONE's. missing: DONE lists it, it is gone.
   * no-checksum: DONE has no checksums (older code), so nothing in the run can be checked.
   * unlisted: a file in a finished run that DONE does not list (not trusted; repair deletes it).
   * leftover-temp: the temp file of an interrupted write (repair deletes it).
   */
  kind: 'corrupt' | 'missing' | 'no-checksum' | 'unlisted' | 'missing-config' | 'key-mismatch' | 'leftover-temp';
  message: string;
}

/** Problems that `verify --repair` fixes by deleting the one file; every other kind removes the run. */
const STRAY_KINDS: ReadonlySet<VerifyProblem['kind']> = new Set(['leftover-temp', 'unlisted']);

export interface VerifyReport {
  runs: number;
  files: number;
  problems: VerifyProblem[];
  /** Runs skipped because a live process holds their lock. */
  skippedLocked: string[];
  /** With `repair`: runs deleted because a file in them was damaged. */
  removedRuns: string[];
  /** With `repair`: leftover temp files and files a finished run does not list, deleted. */
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

/** A CorruptFileError from a run's file, with the advice that fixes it in the run store. */
function inRun(err: unknown): never {
  if (err instanceof CorruptFileError && err.advice !== RUN_STORE_ADVICE) throw new CorruptFileError(err.path, err.reason, RUN_STORE_ADVICE);
  throw err;
}

const relPath = (dir: string, path: string): string => relative(dir, path).split(sep).join('/');

/** DONE of a finished run: its seal checked, its manifest present. */
async function readDone(dir: string): Promise<DoneMarker> {
  const path = join(dir, 'DONE');
  const done = await readSealedJson<DoneMarker>(path).catch(inRun);
  const files = done.files as unknown;
  if (files === null || typeof files !== 'object' || Array.isArray(files) || !Object.values(files).every((v) => typeof v === 'string')) {
    throw new CorruptFileError(path, 'it has no file checksums (written by an older version of grok), so the run cannot be trusted', RUN_STORE_ADVICE);
  }
  return done;
}

/** Every file of a run directory (relative path → sha256), for DONE: all but DONE, temp and dot-files. */
async function manifestOf(dir: string): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  for (const f of await walkFiles(dir)) {
    if (isTempFile(f.name) || f.path === join(dir, 'DONE')) continue;
    files[relPath(dir, f.path)] = await sha256File(f.path);
  }
  return files;
}

/** Read access to any run directory, e.g. for a report reading finished runs directly. */
export function openRun(dir: string): RunReader {
  const abs = resolve(dir);
  let done: Promise<DoneMarker> | undefined;
  /** The manifest of a finished run (read once per reader), null while the run is unfinished. */
  const manifest = async (): Promise<Record<string, string> | null> => {
    if (!done && !existsSync(join(abs, 'DONE'))) return null;
    done ??= readDone(abs);
    return (await done).files;
  };
  /** The sha256 a file of a finished run must have; undefined for an unfinished run. */
  const expectedSha = async (path: string): Promise<string | undefined> => {
    const files = await manifest();
    if (!files) return undefined;
    const sha = files[relPath(abs, path)];
    if (sha === undefined) throw new CorruptFileError(path, 'DONE does not list it among the files of this finished run, so it cannot be trusted', RUN_STORE_ADVICE);
    if (!existsSync(path)) throw new CorruptFileError(path, 'missing from a finished run (DONE lists it)', RUN_STORE_ADVICE);
    return sha;
  };
  /** Tensor files are decoded by their own reader; the manifest check is a separate pass over the bytes. */
  const checkedTensors = async (path: string) => {
    const sha = await expectedSha(path);
    if (sha !== undefined && (await sha256File(path)) !== sha) {
      throw new CorruptFileError(path, 'its sha256 differs from the one DONE recorded when the run finished (edited or damaged)', RUN_STORE_ADVICE);
    }
    return readTensors(path).catch(inRun);
  };
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
    loadCheckpoint: async (name) => checkedTensors(checkpointPath(abs, name)),
    loadResume: async () => {
      const p = join(abs, RESUME_FILE);
      return existsSync(p) ? checkedTensors(p) : null;
    },
    hasFile: (name) => {
      checkName(name, 'file name');
      return existsSync(join(abs, name));
    },
    readJson: async <T>(name: string) => {
      checkName(name, 'file name');
      const path = join(abs, name);
      const sha256 = await expectedSha(path);
      return readJson<T>(path, { sha256 }).catch(inRun);
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
    // Dot-files are not the run's (the lock holder's record, editor litter); the store writes none.
    if (e.name.startsWith('.')) continue;
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
      const expected = runKey(config, opts.defaults, opts.codeVersion, opts.backend);
      if (expected !== key) {
        throw new Error(`getOrCompute: key ${key} does not match its config (runKey gives ${expected})`);
      }
    }
    const stored: StoredConfig = { key, codeVersion: opts.codeVersion ?? null, backend: opts.backend, config };

    const pending = inflight.get(dir);
    if (pending) {
      this.emit({ type: 'wait', key });
      opts.onWait?.();
      await pending;
      // The shared computation checked its own caller's config, not ours.
      await this.checkConfig(dir, stored, opts.defaults);
    } else {
      const p = this.ensureDone(key, dir, stored, compute, opts.defaults, opts.onWait);
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
    onWait?: () => void,
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
        const marker: DoneMarker = { finishedAt: new Date().toISOString(), durationMs, files: await manifestOf(dir) };
        await writeSealedJson(donePath, { ...marker }, { pretty: true });
        this.emit({ type: 'done', key, durationMs });
      },
      { staleMs: this.staleMs, maxWaitMs: this.maxWaitMs, onWait: (holder) => {
        onWait?.();
        this.waitingFor(key, dir, holder);
      } },
    );
  }

  /** One line, once per wait: which run, who holds it, and what to do if nobody does. */
  private waitingFor(key: string, dir: string, holder: LockHolder | null): void {
    const message =
      `run ${key}: waiting for another process that is computing it (${describeHolder(holder)}; lock ${lockPathFor(dir)}, ` +
      `taken over automatically if its holder dies)`;
    if (this.onEvent) this.emit({ type: 'wait', key, holder, message });
    else if (process.env.GROK_QUIET !== '1') process.stderr.write(`[grok] ${message}\n`);
  }

  private async checkConfig(dir: string, given: StoredConfig, defaults: unknown): Promise<void> {
    const path = join(dir, 'config.json');
    if (!existsSync(path)) {
      throw new CorruptFileError(path, 'missing, but the run directory has other content');
    }
    const onDisk = await openRun(dir).readJson<StoredConfig>('config.json');
    const norm = (c: unknown): string => canonicalJson(defaults === undefined ? c : normaliseConfig(c, defaults));
    const sameConfig = norm(onDisk?.config) === norm(given.config);
    const sameCode = onDisk?.codeVersion == null || given.codeVersion == null || onDisk.codeVersion === given.codeVersion;
    const sameBackend = onDisk?.backend === given.backend;
    if (onDisk?.key !== given.key || !sameConfig || !sameCode || !sameBackend) {
      throw new RunConfigMismatchError(
        `${path} describes a different run than the one asked for under key ${given.key} ` +
          `(a hash collision, an edited file, or a key that was not made from this config).\n` +
          `  on disk: ${canonicalJson({ key: onDisk?.key, codeVersion: onDisk?.codeVersion, backend: onDisk?.backend, config: onDisk?.config })}\n` +
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
          done = await readDone(dir);
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
   * Checks every run: a finished one against DONE's manifest (each listed file present with its
   * sha256, nothing unlisted), an unfinished one by reading its JSON and tensor files. Reports
   * damage and leftovers. With `repair`, a run with a damaged or missing file is deleted whole
   * (the next request recomputes it) rather than patched: a run missing one checkpoint but holding
   * a final resume state would "resume" into a DONE run that still lacks it. Temp files and files
   * a finished run does not list are deleted on their own. Runs held by a live process are skipped
   * (their temp files are writes in progress).
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
        const problems = await this.verifyRun(key, dir, report);
        report.problems.push(...problems);
        if (!opts.repair) continue;
        if (problems.some((p) => !STRAY_KINDS.has(p.kind))) {
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

  private async verifyRun(key: string, dir: string, report: VerifyReport): Promise<VerifyProblem[]> {
    const problems: VerifyProblem[] = [];
    const problem = (path: string, kind: VerifyProblem['kind'], message: string) => problems.push({ key, path, kind, message });
    const donePath = join(dir, 'DONE');
    const files = (await walkFiles(dir)).filter((f) => f.path !== donePath);
    for (const f of files.filter((f) => isTempFile(f.name))) problem(f.path, 'leftover-temp', 'temp file of an interrupted write');
    const kept = files.filter((f) => !isTempFile(f.name));

    if (existsSync(donePath)) {
      let manifest: Record<string, string> | null = null;
      try {
        manifest = (await readDone(dir)).files;
      } catch (err) {
        const reason = err instanceof CorruptFileError ? err.reason : (err as Error).message;
        problem(donePath, /no (file )?checksums?/.test(reason) ? 'no-checksum' : 'corrupt', `DONE: ${reason}`);
      }
      report.files++;
      if (manifest) {
        const onDisk = new Set<string>();
        for (const f of kept) {
          const rel = relPath(dir, f.path);
          onDisk.add(rel);
          report.files++;
          if (!(rel in manifest)) problem(f.path, 'unlisted', `${rel}: not among the files DONE lists for this finished run`);
          else if ((await sha256File(f.path)) !== manifest[rel]) {
            problem(f.path, 'corrupt', `${rel}: its sha256 differs from the one DONE recorded when the run finished (edited or damaged)`);
          }
        }
        for (const rel of Object.keys(manifest).filter((r) => !onDisk.has(r))) {
          problem(join(dir, ...rel.split('/')), 'missing', `${rel}: DONE lists it but it is gone`);
        }
      }
    } else {
      // Unfinished: only well-formedness can be checked (compute may still rewrite the files).
      const reader = openRun(dir);
      const check = async (path: string, read: () => Promise<unknown>) => {
        report.files++;
        try {
          await read();
        } catch (err) {
          problem(path, 'corrupt', (err as Error).message);
        }
      };
      for (const f of kept.filter((f) => f.name.endsWith('.json'))) await check(f.path, () => readJson(f.path));
      for (const name of reader.listCheckpoints()) await check(checkpointPath(dir, name), () => reader.loadCheckpoint(name));
      if (existsSync(join(dir, RESUME_FILE))) await check(join(dir, RESUME_FILE), () => reader.loadResume());
    }

    const cfgPath = join(dir, 'config.json');
    if (!existsSync(cfgPath)) {
      if (!problems.some((p) => p.path === cfgPath)) problem(cfgPath, 'missing-config', 'run directory without config.json');
    } else if (!problems.some((p) => p.path === cfgPath)) {
      try {
        const stored = await readJson<StoredConfig>(cfgPath);
        if (stored?.key !== key) problem(cfgPath, 'key-mismatch', `config.json says key ${String(stored?.key)} but lives in ${key}`);
      } catch (err) {
        problem(cfgPath, 'corrupt', (err as Error).message);
      }
    }
    return problems;
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
