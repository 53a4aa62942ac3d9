import { describe, expect, it } from 'vitest';
import { storeCodeFiles, storeCodeVersion } from '../../src/cli/code-version.ts';
import { derivations } from '../../src/derive/index.ts';
import { models } from '../../src/models/index.ts';
import { CORE_CODE } from '../../src/runs/execute.ts';
import { codeVersion } from '../../src/store/hash.ts';
import { tasks } from '../../src/tasks/index.ts';

describe('the store\'s code version (the CI cache key of the run store)', () => {
  it('covers every file a run key hashes, and the lock file of the backend packages', () => {
    const files = new Set(storeCodeFiles());
    for (const f of [...CORE_CODE, ...tasks.get('add').files, ...models.get('transformer').files, ...derivations.get('edgePopup').files, 'package-lock.json']) {
      expect(files, f).toContain(f);
    }
    // not the claims, the report or the CLI: changing them leaves every stored run valid
    expect([...files].filter((f) => /^(claims|src\/claims|src\/report|src\/cli)\//.test(f))).toEqual([]);
  });

  it('is the hash of those files: one short hex line', () => {
    expect(storeCodeVersion()).toBe(codeVersion(storeCodeFiles()));
    expect(storeCodeVersion()).toMatch(/^[0-9a-f]{12,}$/);
  });
});
