import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { claimResultsDir } from '../../src/claims/results.ts';
import { RunStore } from '../../src/store/store.ts';
import { cacheRoot, packageRoot, reportsRoot } from '../../src/util/paths.ts';

const saved = { GROK_CACHE: process.env.GROK_CACHE, GROK_REPORTS: process.env.GROK_REPORTS, GROK_RESULTS: process.env.GROK_RESULTS };
afterEach(() => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

describe('one resolver for the cache and reports roots', () => {
  it('an empty GROK_CACHE or GROK_REPORTS means the default, never the current directory', () => {
    process.env.GROK_CACHE = '';
    process.env.GROK_REPORTS = '  ';
    delete process.env.GROK_RESULTS;
    expect(cacheRoot()).toBe(join(packageRoot(), '.grok-cache'));
    expect(new RunStore().root).toBe(join(packageRoot(), '.grok-cache'));
    expect(claimResultsDir('ci')).toBe(join(packageRoot(), '.grok-cache', 'claims', 'ci'));
    expect(reportsRoot()).toBe(join(packageRoot(), 'reports'));
  });

  it('a GROK_CACHE that is a file is an error naming it', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'grok-paths-')), 'not-a-dir');
    writeFileSync(file, 'x');
    process.env.GROK_CACHE = file;
    expect(() => cacheRoot()).toThrow(`GROK_CACHE: ${file} is a file, not a directory`);
  });
});
