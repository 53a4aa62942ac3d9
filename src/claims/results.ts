import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../backend/info.ts';
import { readJson } from '../store/files.ts';
import type { ClaimReport } from '../report/types.ts';

/** Claim outcomes live in the store beside the runs, so `grok report` rebuilds without training. */
export const cacheRoot = (): string => process.env.GROK_CACHE ?? join(PACKAGE_ROOT, '.grok-cache');
export const claimResultsDir = (scale: string): string => join(cacheRoot(), 'claims', scale);

export async function readClaimResults(scale: string, dir = claimResultsDir(scale)): Promise<ClaimReport[]> {
  if (!existsSync(dir)) return [];
  const files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
  const claims = await Promise.all(files.map((f) => readJson<ClaimReport>(join(dir, f))));
  const seen = new Map<string, string>();
  for (const [i, c] of claims.entries()) {
    // lm-eval only warns on duplicate task names; a duplicate claim id is an error here
    if (seen.has(c.id)) throw new Error(`duplicate claim id "${c.id}" in ${files[i]} and ${seen.get(c.id)}`);
    seen.set(c.id, files[i]);
  }
  return claims;
}
