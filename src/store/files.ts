import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../util/atomic-write.ts';
import { canonicalJson, sha256Hex } from './hash.ts';

/**
 * Files of the run store. Every write is atomic (temp file + fsync + rename), so a reader sees
 * either the old file or the new one, never a prefix of the new one, however the writer dies.
 * Every read that finds damaged content throws CorruptFileError naming the file, never a
 * best-effort value.
 */

/** What fixes a damaged file of the run store: the run is removed whole and recomputed on request. */
export const RUN_STORE_ADVICE =
  'Run `grok cache verify --repair` to remove the damaged run; the next request for it recomputes it';

export class CorruptFileError extends Error {
  override name = 'CorruptFileError';
  constructor(
    readonly path: string,
    readonly reason: string,
    /** A sentence saying what to do; the run store passes RUN_STORE_ADVICE. */
    readonly advice = 'Delete it; it is rewritten the next time it is needed',
  ) {
    super(`Corrupt file ${path}: ${reason}. ${advice}.`);
  }
}

/** Temp files are `<target>.tmp-<pid>-<hex>`; only a killed writer leaves one behind. */
export { isTempFile, TEMP_FILE_RE, writeFileAtomic } from '../util/atomic-write.ts';

export interface WriteJsonOptions {
  /** Indent by 2 for files people read (config.json); compact for long metric arrays. */
  pretty?: boolean;
}

/** The bytes writeJson writes, so a caller can checksum exactly what is on disk. */
export function jsonBytes(value: unknown, opts: WriteJsonOptions = {}): string {
  return canonicalJson(value, opts.pretty ? 2 : undefined) + '\n';
}

/**
 * Canonical JSON (sorted keys), so identical content gives identical bytes. NaN/±Infinity are
 * rejected rather than turned into null: encode them explicitly (e.g. null or "NaN") if a metric
 * can diverge.
 */
export async function writeJson(path: string, value: unknown, opts: WriteJsonOptions = {}): Promise<void> {
  await writeFileAtomic(path, jsonBytes(value, opts));
}

export interface ReadJsonOptions {
  /** The file's expected sha256 (hex, over its bytes); a different one is CorruptFileError. */
  sha256?: string;
}

/** A missing file is an ordinary ENOENT error; a present but unparsable one is CorruptFileError. */
export async function readJson<T = unknown>(path: string, opts: ReadJsonOptions = {}): Promise<T> {
  const bytes = await readFile(path);
  if (opts.sha256 !== undefined && sha256Hex(bytes) !== opts.sha256) {
    throw new CorruptFileError(path, 'its sha256 differs from the one recorded when it was written (edited or damaged)');
  }
  const text = bytes.toString('utf8');
  if (text.trim() === '') throw new CorruptFileError(path, 'the file is empty (an interrupted non-atomic write?)');
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    throw new CorruptFileError(path, `invalid or truncated JSON (${(err as Error).message})`);
  }
}

/** sha256 (hex) of a file's bytes. */
export async function sha256File(path: string): Promise<string> {
  return sha256Hex(await readFile(path));
}

/**
 * A JSON object that carries its own checksum: `sha256` over the canonical JSON of the other
 * fields. For a file that cannot be listed in a manifest because it IS the manifest (a run's DONE).
 */
export async function writeSealedJson(path: string, value: Record<string, unknown>, opts: WriteJsonOptions = {}): Promise<void> {
  await writeFileAtomic(path, sealedJsonBytes(value, opts));
}

/** The bytes writeSealedJson writes. */
export function sealedJsonBytes(value: Record<string, unknown>, opts: WriteJsonOptions = {}): string {
  if ('sha256' in value) throw new Error('a sealed JSON file: "sha256" is the seal\'s own field');
  return jsonBytes({ ...value, sha256: sha256Hex(canonicalJson(value)) }, opts);
}

/** Reads a writeSealedJson file; a missing or wrong seal is CorruptFileError (never trusted). */
export async function readSealedJson<T extends object>(path: string): Promise<T> {
  const raw = await readJson<unknown>(path);
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new CorruptFileError(path, 'not a JSON object');
  const { sha256, ...rest } = raw as Record<string, unknown>;
  if (typeof sha256 !== 'string') {
    throw new CorruptFileError(path, 'it carries no checksum (written by an older version of grok, or edited), so it cannot be trusted');
  }
  if (sha256Hex(canonicalJson(rest)) !== sha256) throw new CorruptFileError(path, 'sha256 checksum mismatch (edited or damaged)');
  return rest as T;
}
