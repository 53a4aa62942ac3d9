import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { readJson } from '../store/files.ts';
import { parseClaimReport } from '../report/schema.ts';
import { claimKey, type ClaimReport, type ShardRecord, type UndecidedPair } from '../report/types.ts';

import { cacheRoot } from '../util/paths.ts';

/** Claim outcomes live in the store beside the runs, so `grok report` rebuilds without training. */
/** GROK_RESULTS separates a shard's claim outcomes from the (possibly shared) run store. */
export const claimResultsRoot = (): string => process.env.GROK_RESULTS || join(cacheRoot(), 'claims');
export const claimResultsDir = (scale: string): string => join(claimResultsRoot(), scale);

/** An outcome set aside by an attempt at its claim (src/claims/attempt.ts) until that attempt stores its own. */
export const PREVIOUS_SUFFIX = '.previous';

/** A file that is not a valid outcome, as a row of the report: an error naming the file, never a stop. */
function unreadableRow(dir: string, file: string, problem: string, scale: string): ClaimReport {
  const [id, setting] = file.replace(/\.json(\.previous)?$/, '').split('@');
  return {
    id: id || file, ...(setting ? { setting } : {}), title: `outcome file ${file}`, paperQuote: '', paperRef: '', assertion: '',
    verdict: 'error', reason: problem, statistics: [], seedTable: { columns: [], rows: [] }, figures: [], runs: [], scale,
    stale: `${join(dir, file)} is not a valid outcome: rerun the claim to replace it`,
  };
}

export async function readClaimResults(scale: string, dir = claimResultsDir(scale)): Promise<ClaimReport[]> {
  if (!existsSync(dir)) return [];
  const names = readdirSync(dir);
  const files = names.filter((f) => f.endsWith('.json'));
  // set aside by an attempt that stored nothing (killed, or its disk full): shown, marked stale
  const orphans = names.filter((f) => f.endsWith(`.json${PREVIOUS_SUFFIX}`) && !files.includes(f.slice(0, -PREVIOUS_SUFFIX.length)));
  const read = await Promise.all([...files, ...orphans].sort().map(async (file) => {
    try {
      return { file, raw: await readJson<unknown>(join(dir, file)), problem: null };
    } catch (err) {
      return { file, raw: null, problem: err instanceof Error ? err.message : String(err) };
    }
  }));
  // an outcome without a setting was stored before claims had settings, by older code: not current
  const current = read
    .filter(({ raw, problem }) => problem || typeof (raw as { setting?: unknown } | null)?.setting === 'string')
    .map(({ file, raw, problem }) => {
      if (problem) return { file, claim: unreadableRow(dir, file, problem, scale) };
      let claim: ClaimReport;
      try {
        claim = parseClaimReport(raw, join(dir, file));
      } catch (err) {
        return { file, claim: unreadableRow(dir, file, err instanceof Error ? err.message : String(err), scale) };
      }
      if (file.endsWith(PREVIOUS_SUFFIX)) {
        const since = statSync(join(dir, file)).ctime.toISOString();
        claim = { ...claim, stale: `an attempt at this claim started ${since} and stored no outcome (it was interrupted, or its outcome could not be written): this is the outcome before it` };
      }
      return { file, claim };
    });
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
  return (await mergeShards(dirs, scale)).claims;
}

/** A shard's record of where it ran (`grok info --json`), beside its outcomes. */
export const SHARD_ENVIRONMENT = 'environment.json';
const SHOWN = ['backend', 'backendModule', 'device', 'deviceNote', 'gpu', 'node', 'platform', 'commit'] as const;

function readShardEnvironment(dir: string): { env: Record<string, string> | null; problem: string | null } {
  const file = join(dir, SHARD_ENVIRONMENT);
  if (!existsSync(file)) return { env: null, problem: `no ${SHARD_ENVIRONMENT} (the shard stopped before recording its environment)` };
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    return { env: null, problem: `${file} is not JSON (${err instanceof Error ? err.message : String(err)})` };
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return { env: null, problem: `${file} is not an object` };
  const env: Record<string, string> = {};
  for (const k of SHOWN) {
    const v = (raw as Record<string, unknown>)[k];
    if (typeof v === 'string') env[k] = v;
  }
  return { env, problem: null };
}

/**
 * Claim outcomes and the shards they came from. With `allowMissing`, a shard folder that does not
 * exist (its CI job failed before uploading) is recorded as missing instead of being an error, so
 * the report is still written and names what that shard did not decide.
 */
export async function mergeShards(dirs: string[], scale: string, opts: { allowMissing?: boolean } = {}): Promise<{ claims: ClaimReport[]; shards: ShardRecord[] }> {
  if (dirs.length === 0) throw new Error('report --merge: give at least one directory of claim results');
  const all: ClaimReport[] = [];
  const shards: ShardRecord[] = [];
  for (const dir of dirs) {
    const name = basename(resolve(dir));
    if (!existsSync(dir)) {
      if (!opts.allowMissing) throw new Error(`report --merge: ${dir} does not exist (--allow-missing reports it as a missing shard)`);
      shards.push({ name, outcomes: 0, environment: null, problem: 'missing: no results were uploaded (its job failed or was cancelled before the upload)' });
      continue;
    }
    const nested = join(dir, 'claims', scale);
    const nestedScale = join(dir, scale);
    const where = existsSync(nested) ? nested : existsSync(nestedScale) ? nestedScale : dir;
    const found = await readClaimResults(scale, where);
    all.push(...found);
    const { env, problem } = readShardEnvironment(dir);
    shards.push({ name, outcomes: found.length, environment: env, problem: found.length === 0 ? `no claim outcomes at ${scale} scale${problem ? `; ${problem}` : ''}` : problem });
  }
  const byId = new Map<string, ClaimReport>();
  for (const c of all) {
    if (byId.has(claimKey(c))) throw new Error(`report --merge: claim "${claimKey(c)}" appears in more than one shard`);
    byId.set(claimKey(c), c);
  }
  return { claims: [...byId.values()].sort((a, b) => claimKey(a).localeCompare(claimKey(b))), shards };
}

/**
 * The suite's (claim, setting) pairs that no merged shard decided, each with the reason: a shard
 * that failed leaves its claims named in the report, not silently absent from it.
 */
export function undecidedPairs(planned: { id: string; setting: string }[], claims: ClaimReport[], shards: ShardRecord[]): UndecidedPair[] {
  const have = new Set(claims.map(claimKey));
  const troubled = shards.filter((s) => s.problem);
  const reason = troubled.length
    ? `no outcome in the merged shards; ${troubled.map((s) => `${s.name}: ${s.problem}`).join('; ')}`
    : `no outcome in any of the ${shards.length} merged shard(s), though none reported a problem (was it left out by GROK_SETTINGS or a shard filter?)`;
  return planned.filter((p) => !have.has(claimKey(p))).map((p) => ({ id: p.id, setting: p.setting, reason }));
}
