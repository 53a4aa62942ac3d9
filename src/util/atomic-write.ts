import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * The one atomic write of the project (run store, claim outcomes, reports): write a temporary
 * sibling, fsync it, rename it over the target, fsync the directory. A reader never sees a
 * half-written file and a crash leaves the previous version intact. The sibling lives in the same
 * directory because rename is only atomic within one filesystem.
 */
export const TEMP_FILE_RE = /\.tmp-\d+-[0-9a-f]+$/;
export const isTempFile = (name: string): boolean => TEMP_FILE_RE.test(name);

export async function fsyncDir(dir: string): Promise<void> {
  // Makes the rename itself durable (ext4/xfs may otherwise lose the new directory entry on power
  // loss after DONE was written). Windows cannot open a directory; there the rename is all we get.
  try {
    const fh = await open(dir, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch {
    /* best effort */
  }
}

/** Why a write failed, in words, for the errors node reports without a path (write, fsync). */
const WRITE_ERRORS: Record<string, string> = {
  ENOSPC: 'no space left on the device',
  EDQUOT: 'the disk quota is exceeded',
  EFBIG: 'the file is larger than the filesystem allows',
  EIO: 'an I/O error',
  EROFS: 'the filesystem is read-only',
};

/**
 * The error of a failed write, naming the file: node's "ENOSPC: no space left on device, write"
 * names neither the file nor the folder that is full. Keeps `code` (and the original as `cause`).
 */
function namingPath(err: unknown, path: string, bytes: number): unknown {
  const e = err as NodeJS.ErrnoException;
  if (!(err instanceof Error) || typeof e.code !== 'string' || (e.path !== undefined && err.message.includes(path))) return err;
  const why = WRITE_ERRORS[e.code] ?? err.message;
  const out = new Error(`cannot write ${path} (${bytes} bytes): ${why} (${e.code})`, { cause: err }) as NodeJS.ErrnoException;
  out.code = e.code;
  out.path = path;
  return out;
}

export interface AtomicWriteOptions {
  /**
   * Create the target's directory if missing (default). The run store says false for a run's
   * private directory: once renamed away (published, or taken over) it must not be recreated.
   */
  mkdir?: boolean;
}

export async function writeFileAtomic(path: string, data: string | Uint8Array, opts: AtomicWriteOptions = {}): Promise<void> {
  const dir = dirname(path);
  const bytes = typeof data === 'string' ? Buffer.byteLength(data) : data.byteLength;
  try {
    if (opts.mkdir !== false) await mkdir(dir, { recursive: true });
  } catch (err) {
    throw namingPath(err, path, bytes);
  }
  // Same directory as the target: rename is only atomic within one filesystem.
  const tmp = `${path}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`;
  let fh: Awaited<ReturnType<typeof open>> | undefined;
  try {
    fh = await open(tmp, 'wx');
    await fh.writeFile(data);
    await fh.sync(); // data on disk before the name points at it
    await fh.close();
    fh = undefined;
    await rename(tmp, path);
  } catch (err) {
    await fh?.close().catch(() => {});
    await rm(tmp, { force: true }).catch(() => {});
    throw namingPath(err, path, bytes);
  }
  await fsyncDir(dir);
}

