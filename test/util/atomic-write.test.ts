import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';

/**
 * A full disk fails the write itself, and node's error ("ENOSPC: no space left on device, write")
 * names no file. The store's and the report's writes all go through writeFileAtomic, so it names
 * the file it was writing. The disk is made full by failing the handle's write as node does.
 */
const failWith = vi.hoisted(() => ({ code: null as string | null }));

vi.mock('node:fs/promises', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs/promises')>();
  const open: typeof real.open = async (...args) => {
    const fh = await real.open(...args);
    if (!failWith.code) return fh;
    const code = failWith.code;
    return new Proxy(fh, {
      get(target, key) {
        if (key === 'writeFile') {
          return async () => {
            throw Object.assign(new Error(`${code}: no space left on device, write`), { code, errno: -28, syscall: 'write' });
          };
        }
        const v = Reflect.get(target, key);
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });
  };
  return { ...real, open };
});

const { writeFileAtomic } = await import('../../src/util/atomic-write.ts');

describe('writeFileAtomic on a full disk', () => {
  it('names the file it was writing and its size, keeps the code, and leaves no temp file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'grok-enospc-'));
    const path = join(dir, 'runs', 'abc', 'metrics.json');
    failWith.code = 'ENOSPC';
    try {
      const err = (await writeFileAtomic(path, '{"epochs":[1]}').catch((e: unknown) => e)) as NodeJS.ErrnoException;
      expect(err.message).toBe(`cannot write ${path} (14 bytes): no space left on the device (ENOSPC)`);
      expect(err.code).toBe('ENOSPC');
      expect(err.path).toBe(path);
      expect(readdirSync(join(dir, 'runs', 'abc'))).toEqual([]);
    } finally {
      failWith.code = null;
    }
    await writeFileAtomic(path, 'ok');
    expect(readdirSync(join(dir, 'runs', 'abc'))).toEqual(['metrics.json']);
  });
});
