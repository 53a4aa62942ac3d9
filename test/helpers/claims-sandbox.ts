import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';

const VARS = ['GROK_CLAIMS_DIR', 'GROK_CACHE', 'GROK_SCALE', 'GROK_RESULTS'] as const;

/**
 * Each test of the calling file gets its own claims folder and store at ci scale (no shard results),
 * and the environment is restored after it, so fake claims written by one test never reach another.
 * Returns a getter for the current test's claims folder.
 */
export function claimsSandbox(prefix: string): () => string {
  let saved: Record<string, string | undefined> = {};
  let claimsDir = '';
  beforeEach(() => {
    saved = Object.fromEntries(VARS.map((k) => [k, process.env[k]]));
    const root = mkdtempSync(join(tmpdir(), prefix));
    claimsDir = join(root, 'claims');
    mkdirSync(claimsDir);
    process.env.GROK_CLAIMS_DIR = claimsDir;
    process.env.GROK_CACHE = join(root, 'cache');
    process.env.GROK_SCALE = 'ci';
    delete process.env.GROK_RESULTS;
  });
  afterEach(() => {
    for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
  });
  return () => claimsDir;
}
