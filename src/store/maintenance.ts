import { existsSync, readlinkSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { CorruptFileError, isTempFile, readJson, sha256File } from './files.ts';
import { checkJournal, readJournal } from './journal.ts';
import { inspectLock, isLocked, lockPathFor, tryLock } from './lock.ts';
import type { StoredConfig } from './private-dir.ts';
import { readDone, type DoneMarker } from './reader.ts';
import { CONFIG_FILE, DONE_FILE, KEY_RE, PARTIAL_RE, relPath, walkFiles, type FileEntry } from './run-dir.ts';

/**
 * Looking after the store: `list` (grok cache ls), `verify` (grok cache verify [--repair]) and
 * `gc` (grok cache gc). Listing and verifying only read, so they work on a read-only store (a
 * CI cache mounted read-only, a colleague's copy); repair and gc take each run's lock before
 * deleting, and never touch a run a live process holds.
 */

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
   * corrupt: unreadable, or its checksum differs from DONE's (or, unfinished, from its journal's).
   * missing: DONE (or the journal) lists it, it is gone. no-checksum: DONE has no checksums, or an
   * unfinished run has no journal (older code), so nothing in the run can be checked. unlisted: a
   * file DONE (or the journal) does not list (not trusted; repair deletes it). leftover-temp: the
   * temp file of an interrupted write (repair deletes it). symlink: a symbolic link where the store
   * wrote a file (the store writes none), never followed (repair removes the run).
   */
  kind: 'corrupt' | 'missing' | 'symlink' | 'no-checksum' | 'unlisted' | 'missing-config' | 'key-mismatch' | 'leftover-temp';
  message: string;
}

/** Problems that `verify --repair` fixes by deleting the one file; every other kind removes the run. */
const STRAY_KINDS: ReadonlySet<VerifyProblem['kind']> = new Set(['leftover-temp', 'unlisted']);

export interface VerifyReport {
  runs: number;
  files: number;
  problems: VerifyProblem[];
  /** Unfinished runs skipped because a live process holds their lock (with `repair`, any run). */
  skippedLocked: string[];
  /** With `repair`: runs deleted because a file in them was damaged. */
  removedRuns: string[];
  /** With `repair`: leftover temp files and files a run does not list, deleted. */
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

export interface MaintenanceEnv {
  runsDir: string;
  staleMs: number;
}

/** A directory of the store: a published run, one being computed (private), or an unfinished one of older versions. */
interface RunDir {
  key: string;
  dir: string;
  kind: 'published' | 'private' | 'legacy';
}

async function runDirs(runsDir: string): Promise<RunDir[]> {
  if (!existsSync(runsDir)) return [];
  const out: RunDir[] = [];
  for (const e of await readdir(runsDir, { withFileTypes: true })) {
    if (!e.isDirectory()) continue;
    const dir = join(runsDir, e.name);
    if (KEY_RE.test(e.name)) out.push({ key: e.name, dir, kind: existsSync(join(dir, DONE_FILE)) ? 'published' : 'legacy' });
    const partial = PARTIAL_RE.exec(e.name);
    if (partial) out.push({ key: partial[1], dir, kind: 'private' });
  }
  return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.dir < b.dir ? -1 : 1));
}

const published = (r: RunDir, all: RunDir[]) => all.some((o) => o.key === r.key && o.kind === 'published');

/** Every run with its state, for `grok cache ls`: a run being computed appears until its key is published. */
export async function list(env: MaintenanceEnv): Promise<RunEntry[]> {
  const all = await runDirs(env.runsDir);
  const out: RunEntry[] = [];
  for (const r of all) {
    if (r.kind !== 'published' && published(r, all)) continue; // a leftover beside its finished run: gc's
    const files = await walkFiles(r.dir);
    let stored: StoredConfig | null = null;
    let done: DoneMarker | null = null;
    try {
      stored = await readJson<StoredConfig>(join(r.dir, CONFIG_FILE));
    } catch {
      /* reported by verify */
    }
    if (r.kind === 'published') {
      try {
        done = await readDone(r.dir);
      } catch {
        /* reported by verify */
      }
    }
    out.push({
      key: r.key,
      dir: r.dir,
      config: stored?.config ?? null,
      codeVersion: stored?.codeVersion ?? null,
      done: r.kind === 'published',
      finishedAt: done?.finishedAt ?? null,
      durationMs: done?.durationMs ?? null,
      locked: await isLocked(join(env.runsDir, r.key), { staleMs: env.staleMs }),
      sizeBytes: files.reduce((s, f) => s + f.size, 0),
      mtime: new Date(Math.max(0, ...files.map((f) => f.mtimeMs))),
    });
  }
  return out;
}

/**
 * Checks every run: a finished one against DONE's manifest (each listed file present with its
 * sha256, nothing unlisted), one being computed or interrupted against its journal. Reports
 * damage and leftovers, and writes nothing. With `repair`, a run with a damaged or missing file
 * is deleted whole (the next request recomputes it) rather than patched: a run missing one
 * checkpoint but holding a final resume state would "resume" into a DONE run that still lacks
 * it. Temp files and files a run does not list are deleted on their own. Unfinished runs held by
 * a live process are skipped (their writes are in progress); with `repair`, held runs of any kind.
 */
export async function verify(env: MaintenanceEnv, opts: { repair?: boolean } = {}): Promise<VerifyReport> {
  const report: VerifyReport = { runs: 0, files: 0, problems: [], skippedLocked: [], removedRuns: [], removedTemps: [] };
  for (const r of await runDirs(env.runsDir)) {
    const runDir = join(env.runsDir, r.key);
    const lock = opts.repair ? await tryLock(runDir, { staleMs: env.staleMs }) : null;
    const held = opts.repair ? !lock : r.kind !== 'published' && (await isLocked(runDir, { staleMs: env.staleMs }));
    if (held) {
      report.skippedLocked.push(r.key);
      continue;
    }
    try {
      report.runs++;
      const problems = await verifyRun(r, report);
      report.problems.push(...problems);
      if (!opts.repair) continue;
      if (problems.some((p) => !STRAY_KINDS.has(p.kind))) {
        await rm(r.dir, { recursive: true, force: true });
        report.removedRuns.push(r.key);
      } else {
        for (const p of problems) {
          await rm(p.path, { force: true });
          report.removedTemps.push(p.path);
        }
      }
    } finally {
      await lock?.release().catch(() => {});
    }
  }
  return report;
}

async function verifyRun(r: RunDir, report: VerifyReport): Promise<VerifyProblem[]> {
  const { key, dir } = r;
  const problems: VerifyProblem[] = [];
  const problem = (path: string, kind: VerifyProblem['kind'], message: string) => problems.push({ key, path, kind, message });
  const donePath = join(dir, DONE_FILE);
  const files = (await walkFiles(dir)).filter((f) => f.path !== donePath);
  const temps = files.filter((f) => isTempFile(f.name));
  for (const f of temps) problem(f.path, 'leftover-temp', 'temp file of an interrupted write');
  const kept = files.filter((f) => !isTempFile(f.name));

  if (existsSync(donePath)) {
    // published, or private and killed between DONE and its publication
    let manifest: Record<string, string> | null = null;
    try {
      manifest = (await readDone(dir)).files;
    } catch (err) {
      const reason = err instanceof CorruptFileError ? err.reason : (err as Error).message;
      problem(donePath, /no (file )?checksums?/.test(reason) ? 'no-checksum' : 'corrupt', `DONE: ${reason}`);
    }
    report.files++;
    if (manifest) await checkManifest(dir, manifest, kept, report, problem, 'DONE');
  } else if (r.kind === 'legacy') {
    report.files += kept.length;
    problem(dir, 'no-checksum', 'an unfinished run without a journal (left by an older version of grok): its files cannot be checked; the next request for it recomputes it');
  } else {
    let journal;
    try {
      journal = await readJournal(dir);
    } catch (err) {
      const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
      problem(join(dir, 'JOURNAL'), missing ? 'no-checksum' : 'corrupt', missing ? 'JOURNAL: missing, so the files of this unfinished run cannot be checked' : `JOURNAL: ${(err as Error).message}`);
    }
    report.files++;
    if (journal) {
      const check = await checkJournal(dir, journal);
      report.files += Object.keys(journal.files).length;
      for (const d of check.damaged) problem(d.path, d.kind, d.message);
      for (const path of check.interrupted) problem(path, 'unlisted', `${relPath(dir, path)}: an interrupted write left it with neither its old nor its new bytes`);
      for (const f of check.strays.filter((f) => !isTempFile(f.name) && !f.name.startsWith('.'))) {
        problem(f.path, 'unlisted', `${relPath(dir, f.path)}: not among the files the journal lists for this run`);
      }
    }
  }

  const cfgPath = join(dir, CONFIG_FILE);
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

/** "metrics.json: a symbolic link (to /x/y), …": where it points, as far as it can be read. */
function symlinkMessage(path: string, rel: string): string {
  let target = 'unreadable';
  try {
    target = readlinkSync(path);
  } catch {
    /* removed meanwhile */
  }
  return `${rel}: a symbolic link (to ${target}) where the run's own file should be; the store writes none, so it is not followed or trusted`;
}

async function checkManifest(
  dir: string,
  manifest: Record<string, string>,
  kept: FileEntry[],
  report: VerifyReport,
  problem: (path: string, kind: VerifyProblem['kind'], message: string) => void,
  by: string,
): Promise<void> {
  const onDisk = new Set<string>();
  for (const f of kept) {
    const rel = relPath(dir, f.path);
    onDisk.add(rel);
    report.files++;
    if (f.symlink) problem(f.path, 'symlink', symlinkMessage(f.path, rel));
    else if (!(rel in manifest)) problem(f.path, 'unlisted', `${rel}: not among the files ${by} lists for this finished run`);
    else if ((await sha256File(f.path)) !== manifest[rel]) {
      problem(f.path, 'corrupt', `${rel}: its sha256 differs from the one ${by} recorded when the run finished (edited or damaged)`);
    }
  }
  for (const rel of Object.keys(manifest).filter((r) => !onDisk.has(r))) {
    problem(join(dir, ...rel.split('/')), 'missing', `${rel}: ${by} lists it but it is gone`);
  }
}

/** Deletes unfinished (or all) runs not held by a live process, and abandoned locks. */
export async function gc(env: MaintenanceEnv, opts: GcOptions = {}): Promise<GcReport> {
  const mode = opts.mode ?? 'unfinished';
  const report: GcReport = { removed: [], skippedLocked: [], freedBytes: 0 };
  const now = Date.now();
  for (const r of await runDirs(env.runsDir)) {
    const done = r.kind === 'published';
    if (mode === 'unfinished' && done) continue;
    const files = await walkFiles(r.dir, { dotFiles: true });
    const mtime = Math.max(0, ...files.map((f) => f.mtimeMs));
    if (opts.olderThanMs !== undefined && now - mtime < opts.olderThanMs) continue;
    const lock = await tryLock(join(env.runsDir, r.key), { staleMs: env.staleMs });
    if (!lock) {
      if (!report.skippedLocked.includes(r.key)) report.skippedLocked.push(r.key);
      continue;
    }
    try {
      const sizeBytes = files.reduce((s, f) => s + f.size, 0);
      if (!opts.dryRun) await rm(r.dir, { recursive: true, force: true });
      report.removed.push({ key: r.key, done, sizeBytes });
      report.freedBytes += sizeBytes;
    } finally {
      await lock.release().catch(() => {});
    }
  }
  if (!opts.dryRun && existsSync(env.runsDir)) {
    for (const name of await readdir(env.runsDir)) {
      const path = join(env.runsDir, name);
      // a lock being removed when its remover was killed
      if (/^[0-9a-f]{16}\.lock\.(stale|released)-[0-9a-f]+$/.test(name)) await rm(path, { recursive: true, force: true });
      const key = name.slice(0, -'.lock'.length);
      if (!name.endsWith('.lock') || !KEY_RE.test(key)) continue;
      // A lock orphaned by a killed process: taking it over and releasing it removes it.
      if ((await inspectLock(lockPathFor(join(env.runsDir, key)), env.staleMs)).alive) continue;
      const lock = await tryLock(join(env.runsDir, key), { staleMs: env.staleMs });
      await lock?.release().catch(() => {});
    }
  }
  return report;
}
