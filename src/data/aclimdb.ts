import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DataFileError } from './verified-file.ts';

/**
 * The Large Movie Review Dataset v1.0 (Maas et al. 2011) in the folder layout its tarball
 * extracts to: aclImdb/{train,test}/{pos,neg}/<id>_<rating>.txt, one review per file. No package
 * registry we can reach ships it, so the user downloads it once (IMDB_INSTRUCTION).
 *
 * Checks before use: each of the four labelled folders holds exactly the published 12 500
 * reviews, every review is non-empty UTF-8, and, where a pin is given, the SHA-256 manifest digest
 * (over the sorted relative paths and each file's SHA-256) equals it. A folder that fails is an
 * error naming the folder and what was expected.
 */
export const ACLIMDB_URL = 'https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz';
/** MD5 of aclImdb_v1.tar.gz as published by torchtext, paddle and others (we hold no copy to hash). */
export const ACLIMDB_TAR_MD5 = '7c2ac02c03563afcf9b574c7e56c153a';

export const ACLIMDB_FOLDERS = ['train/neg', 'train/pos', 'test/neg', 'test/pos'] as const;
export type AclImdbFolder = (typeof ACLIMDB_FOLDERS)[number];

export interface AclImdbExpect {
  /** Reviews per labelled folder (published: 12 500 each). */
  perFolder: number;
  /** The manifest digest, when pinned. */
  sha256?: string;
}
export const ACLIMDB_PUBLISHED: AclImdbExpect = { perFolder: 12_500 };

/** Labelled reviews readAclImdb returns (it refuses any other count): the task's sizes come from it. */
export const aclImdbReviewCount = (expect: AclImdbExpect = ACLIMDB_PUBLISHED): number => ACLIMDB_FOLDERS.length * expect.perFolder;

/** The exact instruction shown wherever IMDb is needed and absent. */
export const imdbInstruction = (root: string | null): string =>
  `IMDb is not installed: download aclImdb_v1.tar.gz (MD5 ${ACLIMDB_TAR_MD5}) from ${ACLIMDB_URL} and extract it so that ${root ?? '$GROK_DATA'}/aclImdb/train/pos/*.txt exist (tar -xzf aclImdb_v1.tar.gz -C ${root ?? '"$GROK_DATA"'})${root ? '' : ', with GROK_DATA naming a directory of your choice'}`;

/** The folder holding aclImdb/, when it has the four labelled folders. */
export const aclImdbPresent = (root: string | null): boolean => root !== null && ACLIMDB_FOLDERS.every((f) => existsSync(join(root, 'aclImdb', f)));

export interface Review {
  /** Relative to aclImdb/, e.g. train/pos/0_9.txt. */
  path: string;
  text: string;
  label: 0 | 1;
}

/** `<id>_<rating>.txt` in the numeric order of id (the tarball's listing order is not portable). */
const byId = (a: string, b: string) => Number.parseInt(a, 10) - Number.parseInt(b, 10) || (a < b ? -1 : a > b ? 1 : 0);

/** Every labelled review, in a fixed order (folders as ACLIMDB_FOLDERS, files by id), checked. */
export function readAclImdb(root: string, expect: AclImdbExpect = ACLIMDB_PUBLISHED): { reviews: Review[]; sha256: string } {
  const base = join(root, 'aclImdb');
  const manifest = createHash('sha256');
  const reviews: Review[] = [];
  const decoder = new TextDecoder('utf-8', { fatal: true });
  for (const folder of ACLIMDB_FOLDERS) {
    const dir = join(base, folder);
    if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new DataFileError(`IMDb: ${dir} is missing; ${imdbInstruction(root)}`);
    const files = readdirSync(dir).filter((f) => f.endsWith('.txt')).sort(byId);
    if (files.length !== expect.perFolder) throw new DataFileError(`IMDb: ${dir} holds ${files.length} reviews, expected ${expect.perFolder} (the published aclImdb v1.0); re-extract aclImdb_v1.tar.gz`);
    for (const f of files) {
      const path = `${folder}/${f}`;
      const bytes = readFileSync(join(dir, f));
      let text: string;
      try {
        text = decoder.decode(bytes);
      } catch {
        throw new DataFileError(`IMDb: ${join(dir, f)} is not valid UTF-8; the file is corrupt, re-extract aclImdb_v1.tar.gz`);
      }
      if (!text.trim()) throw new DataFileError(`IMDb: ${join(dir, f)} is empty; expected a review, re-extract aclImdb_v1.tar.gz`);
      manifest.update(`${path}\0${createHash('sha256').update(bytes).digest('hex')}\n`);
      reviews.push({ path, text, label: folder.endsWith('pos') ? 1 : 0 });
    }
  }
  const sha256 = manifest.digest('hex');
  if (expect.sha256 && sha256 !== expect.sha256) throw new DataFileError(`IMDb: the reviews under ${base} have manifest SHA-256 ${sha256}, expected ${expect.sha256}; a review was changed, added or removed, re-extract aclImdb_v1.tar.gz`);
  return { reviews, sha256 };
}

/** Lower-case words: letters and digits, with inner apostrophes (don't); HTML line breaks are spaces. */
export function tokenize(text: string): string[] {
  return text.toLowerCase().replace(/<br\s*\/?>/g, ' ').match(/[a-z0-9]+(?:'[a-z0-9]+)*/g) ?? [];
}

/** Ids of the pad and out-of-vocabulary tokens; word ids start after them. */
export const PAD = 0;
export const OOV = 1;

/** The `size` most frequent words of `docs` (ties: alphabetical), to ids 2, 3, …. */
export function buildVocab(docs: string[][], size: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (const d of docs) for (const w of d) counts.set(w, (counts.get(w) ?? 0) + 1);
  const top = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, size);
  return new Map(top.map(([w], i) => [w, i + 2]));
}

/**
 * Ids of a review, cut or padded to `len` as Keras' pad_sequences does by default: a longer review
 * keeps its LAST len tokens, a shorter one is padded at the FRONT, so the recurrent state the
 * classifier reads has just seen the review's end.
 */
export function encode(words: string[], vocab: Map<string, number>, len: number): Int32Array {
  const ids = words.slice(-len).map((w) => vocab.get(w) ?? OOV);
  const out = new Int32Array(len);
  out.set(ids, len - ids.length);
  return out;
}
