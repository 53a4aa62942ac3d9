import { describe, expect, it, vi } from 'vitest';
import { cacheVersion, storeCodeFiles, storeCodeVersion } from '../../src/cli/code-version.ts';
import { derivations } from '../../src/derive/index.ts';
import { models } from '../../src/models/index.ts';
import { componentCode, coreCode } from '../../src/runs/code-identity.ts';
import { codeVersion } from '../../src/store/hash.ts';
import { tasks } from '../../src/tasks/index.ts';

describe('the store\'s code version (the CI cache key of the run store)', () => {
  it('covers every file a run key hashes, and the lock file of the backend packages', () => {
    const files = new Set(storeCodeFiles());
    for (const f of [...coreCode(), ...componentCode(tasks.get('add')), ...componentCode(models.get('transformer')), ...componentCode(derivations.get('edgePopup')), 'package-lock.json']) {
      expect(files, f).toContain(f);
    }
    // not the claims, the report or the CLI: changing them leaves every stored run valid
    expect([...files].filter((f) => /^(claims|src\/claims|src\/report|src\/cli)\//.test(f))).toEqual([]);
  });

  it('is the hash of those files: one short hex line; --files lists them', async () => {
    expect(storeCodeVersion()).toBe(codeVersion(storeCodeFiles()));
    expect(storeCodeVersion()).toMatch(/^[0-9a-f]{12,}$/);
    const out: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((s) => (out.push(String(s)), true));
    try {
      await cacheVersion();
      await cacheVersion({ files: true });
    } finally {
      spy.mockRestore();
    }
    expect(out).toEqual([`${storeCodeVersion()}\n`, storeCodeFiles().map((f) => `${f}\n`).join('')]);
  });
});
