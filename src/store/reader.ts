import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CorruptFileError, isTempFile, readJson, readSealedJson, RUN_STORE_ADVICE, sha256File } from './files.ts';
import { checkName, checkpointPath, DONE_FILE, inRun, isSymlink, relPath, RESUME_FILE } from './run-dir.ts';
import { readTensors, TENSOR_EXT, type TensorRecord } from './safetensors.ts';

/**
 * Reading a run. A published run's DONE is its manifest: `files` maps every file of the finished
 * run (path relative to the run directory) to its sha256, and DONE seals itself with a sha256
 * over the rest. Every read from a finished run checks the file against it, so an edited
 * `metrics.json` (from which claims decide) is a CorruptFileError, not a result; a listed file
 * that is gone is one too; a file the manifest does not list is not trusted. Why one manifest
 * rather than a checksum inside each file: it covers every kind of file alike (JSON, tensors in
 * whatever format, files a derivation adds), keeps metrics.json plain data for other tools, and
 * says which files a finished run must have, which a per-file checksum cannot (a deleted file
 * carries no checksum to fail). A run being computed is read against its journal instead
 * (journal.ts), which the same way lists every file written so far.
 */

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

export interface DoneMarker {
  finishedAt: string;
  durationMs: number;
  /** Every file of the finished run (relative path, `/`-separated) → sha256 of its bytes. */
  files: Record<string, string>;
}

/** DONE of a finished run: its seal checked, its manifest present. */
export async function readDone(dir: string): Promise<DoneMarker> {
  const path = join(dir, DONE_FILE);
  const done = await readSealedJson<DoneMarker>(path).catch(inRun);
  const files = done.files as unknown;
  if (files === null || typeof files !== 'object' || Array.isArray(files) || !Object.values(files).every((v) => typeof v === 'string')) {
    throw new CorruptFileError(path, 'it has no file checksums (written by an older version of grok), so the run cannot be trusted', RUN_STORE_ADVICE);
  }
  return done;
}

/** How errors name a manifest: DONE of a finished run, or the journal of one being computed. */
export interface ManifestWords {
  /** "DONE" */
  name: string;
  /** "finished run" */
  run: string;
  /** "when the run finished" */
  when: string;
}
const DONE_WORDS: ManifestWords = { name: 'DONE', run: 'finished run', when: 'when the run finished' };

/**
 * A reader whose every read is checked against `manifest` (relative path → sha256); a null
 * manifest checks files only for being well formed.
 */
export function readerOf(dir: string, manifest: () => Promise<Record<string, string> | null>, by: ManifestWords): RunReader {
  const abs = resolve(dir);
  /** The sha256 a file must have; undefined without a manifest. */
  const expectedSha = async (path: string): Promise<string | undefined> => {
    if (isSymlink(path)) {
      throw new CorruptFileError(path, `a symbolic link in a ${by.run}, where its own file should be; the store writes none, so it is not followed or trusted`, RUN_STORE_ADVICE);
    }
    const files = await manifest();
    if (!files) return undefined;
    const sha = files[relPath(abs, path)];
    if (sha === undefined && !existsSync(path)) return undefined; // never written: the read fails as any missing file does
    if (sha === undefined) throw new CorruptFileError(path, `${by.name} does not list it among the files of this ${by.run}, so it cannot be trusted`, RUN_STORE_ADVICE);
    if (!existsSync(path)) throw new CorruptFileError(path, `missing from a ${by.run} (${by.name} lists it)`, RUN_STORE_ADVICE);
    return sha;
  };
  /** Tensor files are decoded by their own reader; the manifest check is a separate pass over the bytes. */
  const checkedTensors = async (path: string) => {
    const sha = await expectedSha(path);
    if (sha !== undefined && (await sha256File(path)) !== sha) {
      throw new CorruptFileError(path, `its sha256 differs from the one ${by.name} recorded ${by.when} (edited or damaged)`, RUN_STORE_ADVICE);
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

/** Read access to any run directory, e.g. for a report reading finished runs directly. */
export function openRun(dir: string): RunReader {
  const abs = resolve(dir);
  let done: Promise<DoneMarker> | undefined;
  // the manifest of a finished run, read once per reader; null while the run is unfinished
  return readerOf(abs, async () => {
    if (!done && !existsSync(join(abs, DONE_FILE))) return null;
    done ??= readDone(abs);
    return (await done).files;
  }, DONE_WORDS);
}
