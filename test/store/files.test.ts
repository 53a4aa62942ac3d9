import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CorruptFileError, isTempFile, readJson, writeFileAtomic, writeJson } from '../../src/store/files.ts';

const root = mkdtempSync(join(tmpdir(), 'grok-files-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const fresh = (name: string): string => {
  const dir = join(root, `${n++}`);
  mkdirSync(dir);
  return join(dir, name);
};

async function expectCorrupt(p: Promise<unknown> | (() => unknown), path: string): Promise<CorruptFileError> {
  let caught: unknown;
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(CorruptFileError);
  const err = caught as CorruptFileError;
  expect(err.message).toContain(path);
  expect(err.message).toContain('Delete it');
  return err;
}

describe('writeFileAtomic', () => {
  it('creates parent directories and leaves no temp file behind', async () => {
    const p = fresh('a/b/c.txt');
    await writeFileAtomic(p, 'hello');
    expect(readFileSync(p, 'utf8')).toBe('hello');
    await writeFileAtomic(p, 'again');
    expect(readFileSync(p, 'utf8')).toBe('again');
    expect(readdirSync(join(p, '..'))).toEqual(['c.txt']);
  });

  it('a writer killed between write and rename leaves readers seeing the old file, or none', async () => {
    // What a SIGKILL between fsync and rename leaves on disk: a complete-or-partial temp file next
    // to the target. Readers only ever open the target name.
    const p = fresh('metrics.json');
    writeFileSync(`${p}.tmp-4242-deadbeef`, '{"epochs":[1,2,');
    await expect(readJson(p)).rejects.toMatchObject({ code: 'ENOENT' });
    expect(existsSync(p)).toBe(false);

    await writeJson(p, { epochs: [1] });
    writeFileSync(`${p}.tmp-4243-cafe`, '{"epochs":[1,2,');
    expect(await readJson(p)).toEqual({ epochs: [1] });
    expect(isTempFile(`${p}.tmp-4243-cafe`)).toBe(true);
    expect(isTempFile(p)).toBe(false);
  });

  it('cleans up its temp file when the write fails', async () => {
    const dir = fresh('x');
    // The target is a directory, so the final rename fails after the temp file was written.
    await writeFileAtomic(join(dir, 'inner', 'f'), 'x');
    await expect(writeFileAtomic(join(dir, 'inner'), 'data')).rejects.toThrow();
    expect(readdirSync(dir)).toEqual(['inner']);
  });
});

describe('JSON files', () => {
  it('round-trip, with canonical bytes', async () => {
    const p = fresh('c.json');
    await writeJson(p, { b: [1, 2.5], a: 'x' });
    expect(readFileSync(p, 'utf8')).toBe('{"a":"x","b":[1,2.5]}\n');
    expect(await readJson(p)).toEqual({ a: 'x', b: [1, 2.5] });
    await writeJson(p, { b: 1 }, { pretty: true });
    expect(readFileSync(p, 'utf8')).toBe('{\n  "b": 1\n}\n');
  });

  it('refuse NaN instead of silently writing null', async () => {
    await expect(writeJson(fresh('n.json'), { loss: NaN })).rejects.toThrow(/NaN at \$\.loss/);
  });

  it.each([
    ['truncated', '{"a":[1,2'],
    ['empty', ''],
    ['garbage', '\u0000\u0000\u0000'],
  ])('%s JSON → CorruptFileError naming the file', async (_name, content) => {
    const p = fresh('bad.json');
    await writeFileAtomic(p, content);
    await expectCorrupt(readJson(p), p);
  });
});
