import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../util/atomic-write.ts';
import { readSealedJson, sealedJsonBytes, sha256File } from './files.ts';
import { sha256Hex } from './hash.ts';
import { DONE_FILE, isSymlink, JOURNAL_FILE, relPath, walkFiles, type FileEntry } from './run-dir.ts';

/**
 * The journal of a run being computed: `JOURNAL` in its private directory, a sealed JSON that
 * lists every file the store wrote there with its sha256, so that a later process resuming the run
 * can check each one (a checkpoint deleted, a metrics file edited, a resume state damaged) before
 * trusting it, and so that DONE, the finished run's manifest, is copied from checked hashes rather
 * than computed over whatever lies on disk.
 *
 * A write is recorded before it starts (`writing`: the file, with the sha256 it had before) and
 * after it ends. A process killed in between leaves the file as it was or as it was to be (every
 * write is atomic), and a resume accepts either; anything else in its place is dropped.
 */
export interface JournalState {
  /** Relative path → sha256 of the bytes written. */
  files: Record<string, string>;
  /** Writes under way: relative path → the sha256 it had before (null: a new file). */
  writing: Record<string, string | null>;
}

export const emptyJournal = (): JournalState => ({ files: {}, writing: {} });

/** The journal of a private directory; CorruptFileError if damaged, ENOENT if it has none. */
export async function readJournal(dir: string): Promise<JournalState> {
  const raw = await readSealedJson<Partial<JournalState>>(join(dir, JOURNAL_FILE));
  const isMap = (m: unknown, ok: (v: unknown) => boolean) => m !== null && typeof m === 'object' && !Array.isArray(m) && Object.values(m).every(ok);
  if (!isMap(raw.files, (v) => typeof v === 'string') || !isMap(raw.writing, (v) => v === null || typeof v === 'string')) {
    throw new Error(`${join(dir, JOURNAL_FILE)}: not a journal (files and writing maps)`);
  }
  return { files: raw.files!, writing: raw.writing! };
}

export interface JournalDamage {
  path: string;
  kind: 'missing' | 'corrupt' | 'symlink';
  /** "<relative path>: <what is wrong>" */
  message: string;
}

export interface JournalCheck {
  /** Listed files that are gone or differ from what was written: the run cannot resume from them. */
  damaged: JournalDamage[];
  /** The journal once interrupted writes are settled (nothing `writing`). */
  settled: JournalState;
  /** Files of an interrupted write holding neither the old nor the new bytes: to drop. */
  interrupted: string[];
  /** Files on disk the journal does not list: temp files of interrupted writes, files the store did not write. */
  strays: FileEntry[];
}

/** Checks every file of `dir` against `journal`. Reads only. */
export async function checkJournal(dir: string, journal: JournalState): Promise<JournalCheck> {
  const settled: JournalState = { files: { ...journal.files }, writing: {} };
  const damaged: JournalDamage[] = [];
  const interrupted: string[] = [];
  const shaOf = async (path: string) => (existsSync(path) ? sha256File(path).catch(() => null) : null);
  for (const [rel, sha] of Object.entries(journal.files)) {
    const path = join(dir, ...rel.split('/'));
    if (isSymlink(path)) {
      damaged.push({ path, kind: 'symlink', message: `${rel}: a symbolic link where the run's own file should be; the store writes none, so it is not followed or trusted` });
      continue;
    }
    const onDisk = await shaOf(path);
    const before = journal.writing[rel];
    if (rel in journal.writing && onDisk !== null) {
      if (onDisk === sha) continue;
      if (onDisk === before) settled.files[rel] = before;
      else {
        delete settled.files[rel];
        interrupted.push(path);
      }
    } else if (rel in journal.writing && before === null) delete settled.files[rel]; // a new file whose write never ended
    else if (onDisk === null) damaged.push({ path, kind: 'missing', message: `${rel}: missing (the journal lists it)` });
    else if (onDisk !== sha) {
      damaged.push({ path, kind: 'corrupt', message: `${rel}: its sha256 differs from the one recorded when it was written (edited or damaged)` });
    }
  }
  const strays = (await walkFiles(dir, { dotFiles: true })).filter((f) => {
    const rel = relPath(dir, f.path);
    return rel !== JOURNAL_FILE && rel !== DONE_FILE && !(rel in journal.files);
  });
  return { damaged, settled, interrupted, strays };
}

/** Creates the folders of `rel` inside `root`, never `root` itself (gone: renamed away, so ENOENT). */
async function makeFolders(root: string, rel: string): Promise<void> {
  let dir = root;
  for (const part of rel.split('/').slice(0, -1)) {
    dir = join(dir, part);
    await mkdir(dir).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'EEXIST') throw err;
    });
  }
}

/** Writes to a private directory, each recorded in its journal. Never recreates the directory. */
export class Journal {
  private queue: Promise<void> = Promise.resolve();

  constructor(
    readonly dir: string,
    private readonly state: JournalState = emptyJournal(),
  ) {}

  get files(): Readonly<Record<string, string>> {
    return this.state.files;
  }

  /** Persists the journal as it is now (after the updates queued before). */
  save(): Promise<void> {
    return this.update(() => {});
  }

  /** Writes `bytes` to `rel` atomically, recorded before and after. `check` runs just before the bytes go. */
  async write(rel: string, bytes: string | Uint8Array, check: () => void = () => {}): Promise<void> {
    const sha = sha256Hex(bytes);
    await this.update((s) => {
      s.writing[rel] = s.files[rel] ?? null;
      s.files[rel] = sha;
    });
    check();
    await makeFolders(this.dir, rel);
    await writeFileAtomic(join(this.dir, ...rel.split('/')), bytes, { mkdir: false });
    await this.update((s) => {
      delete s.writing[rel];
    });
  }

  /** Deletes files and their entries. */
  async remove(rels: string[]): Promise<void> {
    await this.update((s) => {
      for (const rel of rels) {
        delete s.files[rel];
        delete s.writing[rel];
      }
    });
    for (const rel of rels) await rm(join(this.dir, ...rel.split('/')), { force: true });
  }

  /** Journal writes happen one at a time, in the order asked, each with the state as it then is. */
  private update(change: (s: JournalState) => void): Promise<void> {
    const next = this.queue.then(async () => {
      change(this.state);
      await writeFileAtomic(join(this.dir, JOURNAL_FILE), sealedJsonBytes({ ...this.state }), { mkdir: false });
    });
    this.queue = next.catch(() => {});
    return next;
  }
}
