import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readJson } from '../store/files.ts';
import { parseClaimReport } from '../report/schema.ts';
import { claimKey, type ClaimReport } from '../report/types.ts';

import { cacheRoot } from '../util/paths.ts';

/** Claim outcomes live in the store beside the runs, so `grok report` rebuilds without training. */
/** GROK_RESULTS separates a shard's claim outcomes from the (possibly shared) run store. */
export const claimResultsRoot = (): string => process.env.GROK_RESULTS || join(cacheRoot(), 'claims');
export const claimResultsDir = (scale: string): string => join(claimResultsRoot(), scale);

export async function readClaimResults(scale: string, dir = claimResultsDir(scale)): Promise<ClaimReport[]> {
  if (!existsSync(dir)) return [];
  const files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
  const read = await Promise.all(files.map(async (file) => ({ file, raw: await readJson<unknown>(join(dir, file)) })));
  // an outcome without a setting was stored before claims had settings, by older code: not current
  const current = read
    .filter(({ raw }) => typeof (raw as { setting?: unknown } | null)?.setting === 'string')
    .map(({ file, raw }) => ({ file, claim: parseClaimReport(raw, join(dir, file)) }));
  const seen = new Map<string, string>();
  for (const { file, claim } of current) {
    // lm-eval only warns on duplicate task names; a duplicate claim id is an error here
    if (seen.has(claimKey(claim))) throw new Error(`duplicate claim "${claimKey(claim)}" in ${file} and ${seen.get(claimKey(claim))}`);
    seen.set(claimKey(claim), file);
  }
  return current.map(({ claim }) => claim);
}

/** Claim results from several shard directories: each DIR is a results folder or a store root. */
export async function mergeClaimResults(dirs: string[], scale: string): Promise<ClaimReport[]> {
  if (dirs.length === 0) throw new Error('report --merge: give at least one directory of claim results');
  const all: ClaimReport[] = [];
  for (const dir of dirs) {
    const nested = join(dir, 'claims', scale);
    const nestedScale = join(dir, scale);
    const where = existsSync(nested) ? nested : existsSync(nestedScale) ? nestedScale : dir;
    if (!existsSync(where)) throw new Error(`report --merge: ${dir} does not exist`);
    all.push(...(await readClaimResults(scale, where)));
  }
  const byId = new Map<string, ClaimReport>();
  for (const c of all) {
    if (byId.has(claimKey(c))) throw new Error(`report --merge: claim "${claimKey(c)}" appears in more than one shard`);
    byId.set(claimKey(c), c);
  }
  return [...byId.values()].sort((a, b) => claimKey(a).localeCompare(claimKey(b)));
}
