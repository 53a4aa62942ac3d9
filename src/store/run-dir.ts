import { lstatSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { CorruptFileError, RUN_STORE_ADVICE } from './files.ts';
import { TENSOR_EXT } from './safetensors.ts';

/**
 * The names inside the run store, shared by its reader, its compute step and its maintenance:
 *
 *   <root>/runs/<key>/                   a published (finished) run; never written again
 *   <root>/runs/<key>.partial-<token>/   a run being computed, or interrupted, by the lock holder
 *                                        whose token it names; the next holder renames it to its own
 *   <root>/runs/<key>.lock/              the run's lock (lock.ts)
 */

export const KEY_RE = /^[0-9a-f]{16}$/;
/** `<key>.partial-<token>`; group 1 is the key. */
export const PARTIAL_RE = /^([0-9a-f]{16})\.partial-[0-9a-f]+$/;
export const partialName = (key: string, token: string): string => `${key}.partial-${token}`;

export const CONFIG_FILE = 'config.json';
export const DONE_FILE = 'DONE';
/** A private directory's record of every file written to it, with its sha256 (journal.ts). */
export const JOURNAL_FILE = 'JOURNAL';
export const RESUME_FILE = `resume${TENSOR_EXT}`;
/** Files only the store writes. */
export const RESERVED = new Set([CONFIG_FILE, DONE_FILE, JOURNAL_FILE, RESUME_FILE]);

/** Whether `path` is a symbolic link (false when absent); the store never writes one, so one is never followed. */
export function isSymlink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

export function checkName(name: string, what: string): void {
  const ok =
    /^[A-Za-z0-9_][A-Za-z0-9._-]*(\/[A-Za-z0-9_][A-Za-z0-9._-]*)*$/.test(name) && !name.split('/').includes('..');
  if (!ok) throw new Error(`${what} "${name}": use letters, digits, . _ - (and / for subfolders), no leading dot`);
}

/** A checkpoint's path relative to its run directory. */
export function checkpointFile(name: string): string {
  if (!/^[A-Za-z0-9_][A-Za-z0-9._-]*$/.test(name)) {
    throw new Error(`checkpoint name "${name}": use letters, digits, . _ - with no leading dot`);
  }
  return `checkpoints/${name}${TENSOR_EXT}`;
}

export const checkpointPath = (dir: string, name: string): string => join(dir, ...checkpointFile(name).split('/'));

/** A path relative to its run directory, `/`-separated as manifests write it. */
export const relPath = (dir: string, path: string): string => relative(dir, path).split(sep).join('/');

/** A CorruptFileError from a run's file, with the advice that fixes it in the run store. */
export function inRun(err: unknown): never {
  if (err instanceof CorruptFileError && err.advice !== RUN_STORE_ADVICE) throw new CorruptFileError(err.path, err.reason, RUN_STORE_ADVICE);
  throw err;
}

export interface FileEntry {
  path: string;
  name: string;
  size: number;
  mtimeMs: number;
  /** A symbolic link, never followed: the store writes none, so one in a run is not the run's and may point anywhere. */
  symlink?: true;
}

/**
 * Every file under `dir`. Dot-files are left out unless asked for: they are not the run's (editor
 * litter, an older version's lock record); the store writes none.
 */
export async function walkFiles(dir: string, opts: { dotFiles?: boolean } = {}): Promise<FileEntry[]> {
  const out: FileEntry[] = [];
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return out; // removed under us
    throw err;
  }
  for (const e of entries) {
    if (e.name.startsWith('.') && !opts.dotFiles) continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await walkFiles(p, opts)));
    else if (e.isSymbolicLink()) out.push({ path: p, name: e.name, size: 0, mtimeMs: 0, symlink: true });
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
