import { existsSync } from 'node:fs';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fsyncDir, writeFileAtomic } from '../util/atomic-write.ts';
import { CorruptFileError, jsonBytes, sealedJsonBytes, type WriteJsonOptions } from './files.ts';
import { checkJournal, Journal, readJournal, type JournalState } from './journal.ts';
import { LockCompromisedError, type HeldLock } from './lock.ts';
import { readDone, readerOf, type DoneMarker, type RunReader } from './reader.ts';
import {
  checkName, checkpointFile, CONFIG_FILE, DONE_FILE, JOURNAL_FILE, PARTIAL_RE, partialName, relPath, RESERVED, RESUME_FILE,
} from './run-dir.ts';
import { encodeTensors, type MetaInput, type TensorMap } from './safetensors.ts';

/**
 * The private directory a run is computed in, `<key>.partial-<token>/`, named after the lock
 * holding of the process computing it. Nothing else writes there, and the run becomes visible
 * only when the whole directory is renamed to `<key>/` (publish), so a finished run is never
 * written again. The next holder of the run's lock finds an interrupted directory again and
 * renames it to its own name before resuming; a process that lost the lock then finds its
 * directory gone and cannot write, nor recreate it. Before resuming, every file already written
 * is checked against the journal (journal.ts); damage means the run is recomputed from scratch,
 * said in one line, and the journal's hashes, checked once more, are what DONE seals.
 */

export interface StoredConfig {
  key: string;
  codeVersion: string | null;
  /** Absent in runs stored without a backend in their key. */
  backend?: string;
  config: unknown;
}

/** What `compute` gets: the reader plus writes. All writes are atomic. */
export interface RunContext extends RunReader {
  saveCheckpoint(name: string, tensors: TensorMap, meta?: MetaInput): Promise<void>;
  /** Overwrites the resume file; save optimiser and RNG state too, so a resumed run is bit-identical. */
  saveResume(tensors: TensorMap, meta?: MetaInput): Promise<void>;
  /** Any JSON file except the store's own (config.json, DONE). */
  writeJson(name: string, value: unknown, opts?: WriteJsonOptions): Promise<void>;
  /**
   * Drops what earlier attempts left (their checkpoints, resume state and other files; not what
   * this one wrote), so the run is computed from scratch; says `reason` in one line. For a resume
   * state that does not fit its run (src/runs/resume-check.ts).
   */
  restart(reason: string): Promise<void>;
}

export interface Workspace {
  readonly dir: string;
  /** The directory found was already finished (its holder was killed between DONE and publishing). */
  readonly finished: DoneMarker | null;
  readonly context: RunContext;
  /** Seals the checked journal into DONE and renames the directory to the run's; returns DONE. */
  publish(durationMs: number): Promise<DoneMarker>;
}

export interface WorkspaceOptions {
  runsDir: string;
  key: string;
  stored: StoredConfig;
  lock: HeldLock;
  /** Checks a found directory's config.json against the run asked for (RunConfigMismatchError). */
  checkConfig(dir: string): Promise<void>;
  /** Says, in one line, what was found damaged and is recomputed. */
  recompute(message: string): void;
}

const JOURNAL_WORDS = { name: 'the journal', run: 'run being computed', when: 'when it was written' };
const isCode = (err: unknown, ...codes: string[]) => codes.includes((err as NodeJS.ErrnoException).code ?? '');

/** Interrupted directories of `key`, newest first: private ones, and an unfinished `<key>/` of older versions. */
async function leftovers(runsDir: string, key: string): Promise<string[]> {
  const dirs = (await readdir(runsDir)).filter((n) => PARTIAL_RE.exec(n)?.[1] === key).map((n) => join(runsDir, n));
  const legacy = join(runsDir, key);
  if (existsSync(legacy) && !existsSync(join(legacy, DONE_FILE))) dirs.push(legacy);
  const mtime = async (d: string) => (await stat(existsSync(join(d, JOURNAL_FILE)) ? join(d, JOURNAL_FILE) : d)).mtimeMs;
  const dated = await Promise.all(dirs.map(async (d) => ({ d, t: await mtime(d) })));
  return dated.sort((a, b) => b.t - a.t).map((x) => x.d);
}

/** Sums up damage in one phrase: the first file's problem, and how many more. */
const damageOf = (messages: string[]): string => messages[0] + (messages.length > 1 ? ` (and ${messages.length - 1} more damaged files)` : '');

export async function openWorkspace(o: WorkspaceOptions): Promise<Workspace> {
  const mine = join(o.runsDir, partialName(o.key, o.lock.token));
  const found = await leftovers(o.runsDir, o.key);
  // older ones are earlier holders' leftovers; the lock keeps their writers away
  for (const old of found.slice(1)) await rm(old, { recursive: true, force: true });
  let adopted: Awaited<ReturnType<typeof adopt>> | null = null;
  if (found.length) {
    // A different run under this key is refused before anything is moved (collision, edited file).
    if (existsSync(join(found[0], CONFIG_FILE))) await o.checkConfig(found[0]).catch((err: unknown) => {
      if (!(err instanceof CorruptFileError)) throw err; // unreadable: damage, found below
    });
    await rename(found[0], mine);
    adopted = await adopt(mine, o);
    if ('problem' in adopted) {
      o.recompute(`run ${o.key}: ${adopted.problem}; recomputing it from scratch`);
      await rm(mine, { recursive: true, force: true });
      adopted = null;
    }
  }
  if (adopted && 'finished' in adopted) return workspace(mine, new Journal(mine), adopted.finished, o);
  if (adopted) return workspace(mine, adopted.journal, null, o);
  await mkdir(mine);
  const journal = new Journal(mine);
  await journal.write(CONFIG_FILE, jsonBytes(o.stored, { pretty: true }));
  return workspace(mine, journal, null, o);
}

/** Checks a found directory: its journal and every file in it, or, if it was finished, its DONE. */
async function adopt(dir: string, o: WorkspaceOptions): Promise<{ journal: Journal } | { finished: DoneMarker } | { problem: string }> {
  if (existsSync(join(dir, DONE_FILE))) {
    let done: DoneMarker;
    try {
      done = await readDone(dir);
    } catch (err) {
      return { problem: `DONE: ${err instanceof CorruptFileError ? err.reason : (err as Error).message}` };
    }
    const check = await checkJournal(dir, { files: done.files, writing: {} });
    if (check.damaged.length) return { problem: damageOf(check.damaged.map((d) => d.message.replace('the journal', 'DONE'))) };
    for (const f of check.strays) if (relPath(dir, f.path) !== DONE_FILE) await rm(f.path, { force: true });
    await rm(join(dir, JOURNAL_FILE), { force: true });
    await o.checkConfig(dir);
    return { finished: done };
  }
  let state: JournalState;
  try {
    state = await readJournal(dir);
  } catch (err) {
    if (isCode(err, 'ENOENT')) return { problem: 'it has no journal (left by an older version of grok), so its files cannot be checked' };
    return { problem: `${JOURNAL_FILE}: ${err instanceof CorruptFileError ? err.reason : (err as Error).message}` };
  }
  const check = await checkJournal(dir, state);
  if (check.damaged.length) return { problem: damageOf(check.damaged.map((d) => d.message)) };
  if (!(CONFIG_FILE in check.settled.files)) return { problem: `${CONFIG_FILE}: missing from the journal` };
  await o.checkConfig(dir);
  for (const path of [...check.interrupted, ...check.strays.map((f) => f.path)]) await rm(path, { force: true });
  const journal = new Journal(dir, check.settled);
  await journal.save();
  return { journal };
}

function workspace(dir: string, journal: Journal, finished: DoneMarker | null, o: WorkspaceOptions): Workspace {
  const { lock, key } = o;
  const published = join(o.runsDir, key);
  /** Files this attempt wrote: a restart keeps them. */
  const written = new Set<string>();
  const pending = new Set<Promise<void>>();
  let closed = false;

  /** A write that failed because the directory is gone was a holder's that lost its lock. */
  const lost = (err: unknown): unknown => (lock.isCompromised() || (isCode(err, 'ENOENT') && !existsSync(dir)) ? lostLock(err) : err);
  const lostLock = (err?: unknown): LockCompromisedError => {
    try {
      lock.assertHeld();
    } catch (e) {
      return e as LockCompromisedError;
    }
    return new LockCompromisedError(`run ${key}: its private directory ${dir} was taken over by another process (${(err as Error)?.message})`);
  };
  const write = (rel: string, bytes: string | Uint8Array): Promise<void> => {
    if (closed) return Promise.reject(new Error(`run ${key}: a write to ${rel} after the run was published`));
    if (lock.isCompromised()) return Promise.reject(lostLock());
    written.add(rel);
    const p = journal.write(rel, bytes, () => lock.assertHeld()).catch((err: unknown) => {
      throw lost(err);
    });
    pending.add(p);
    void p.catch(() => {}).finally(() => pending.delete(p));
    return p;
  };
  const settle = () => Promise.allSettled([...pending]);

  const context: RunContext = {
    ...readerOf(dir, async () => journal.files, JOURNAL_WORDS),
    saveCheckpoint: async (name, tensors, meta = {}) => write(checkpointFile(name), encodeTensors(tensors, meta)),
    saveResume: async (tensors, meta = {}) => write(RESUME_FILE, encodeTensors(tensors, meta)),
    writeJson: async (name, value, opts) => {
      checkName(name, 'file name');
      if (RESERVED.has(name) || name.startsWith('checkpoints/')) {
        throw new Error(`writeJson: "${name}" belongs to the run store; pick another name`);
      }
      return write(name, jsonBytes(value, opts));
    },
    restart: async (reason) => {
      await settle();
      lock.assertHeld();
      o.recompute(`run ${key}: ${reason}; recomputing it from scratch`);
      await journal.remove(Object.keys(journal.files).filter((rel) => rel !== CONFIG_FILE && !written.has(rel))).catch((err: unknown) => {
        throw lost(err);
      });
    },
  };

  /** The rename that makes the run visible. */
  const rename_ = async (): Promise<void> => {
    lock.assertHeld();
    try {
      await rename(dir, published);
    } catch (err) {
      if (isCode(err, 'ENOTEMPTY', 'EEXIST') && existsSync(join(published, DONE_FILE))) {
        await rm(dir, { recursive: true, force: true }); // another holder published it first: same run
        return;
      }
      if (isCode(err, 'ENOENT')) throw lostLock(err);
      if (isCode(err, 'ENOTEMPTY', 'EEXIST')) {
        throw new Error(`run ${key}: cannot publish it: ${published} exists without DONE (an older version of grok computing it?)`);
      }
      throw err;
    }
    await fsyncDir(o.runsDir);
  };

  return {
    dir,
    finished,
    context,
    async publish(durationMs) {
      closed = true;
      if (finished) {
        await rename_();
        return finished;
      }
      await settle();
      lock.assertHeld();
      const files = { ...journal.files };
      const check = await checkJournal(dir, { files, writing: {} });
      if (check.damaged.length) {
        const d = check.damaged[0];
        throw new CorruptFileError(
          d.path,
          `${d.kind === 'missing' ? 'deleted' : 'changed'} while the run was computed (${d.message.slice(relPath(dir, d.path).length + 2)}), so the run is not published`,
          'The next request for the run recomputes it',
        );
      }
      // temp files of a process that lost its lock mid-write, or anything else the store did not write
      for (const f of check.strays) await rm(f.path, { force: true });
      const done: DoneMarker = { finishedAt: new Date().toISOString(), durationMs, files };
      await writeFileAtomic(join(dir, DONE_FILE), sealedJsonBytes({ ...done }, { pretty: true }), { mkdir: false }).catch((err: unknown) => {
        throw lost(err);
      });
      await rm(join(dir, JOURNAL_FILE), { force: true });
      await rename_();
      return done;
    },
  };
}
