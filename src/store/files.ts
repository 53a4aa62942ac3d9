import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../util/atomic-write.ts';
import { canonicalJson } from './hash.ts';

/**
 * Files of the run store. Every write is atomic (temp file + fsync + rename), so a reader sees
 * either the old file or the new one, never a prefix of the new one, however the writer dies.
 * Every read that finds damaged content throws CorruptFileError naming the file, never a
 * best-effort value.
 */

export class CorruptFileError extends Error {
  override name = 'CorruptFileError';
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`Corrupt file ${path}: ${reason}. To recover, delete it or run \`grok cache verify\`.`);
  }
}

/** Temp files are `<target>.tmp-<pid>-<hex>`; only a killed writer leaves one behind. */
export { isTempFile, TEMP_FILE_RE, writeFileAtomic } from '../util/atomic-write.ts';

export interface WriteJsonOptions {
  /** Indent by 2 for files people read (config.json); compact for long metric arrays. */
  pretty?: boolean;
}

/**
 * Canonical JSON (sorted keys), so identical content gives identical bytes. NaN/±Infinity are
 * rejected rather than turned into null: encode them explicitly (e.g. null or "NaN") if a metric
 * can diverge.
 */
export async function writeJson(path: string, value: unknown, opts: WriteJsonOptions = {}): Promise<void> {
  await writeFileAtomic(path, canonicalJson(value, opts.pretty ? 2 : undefined) + '\n');
}

/** A missing file is an ordinary ENOENT error; a present but unparsable one is CorruptFileError. */
export async function readJson<T = unknown>(path: string): Promise<T> {
  const text = await readFile(path, 'utf8');
  if (text.trim() === '') throw new CorruptFileError(path, 'the file is empty (an interrupted non-atomic write?)');
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    throw new CorruptFileError(path, `invalid or truncated JSON (${(err as Error).message})`);
  }
}
