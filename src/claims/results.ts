import { existsSync, lstatSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { CorruptFileError, readJson } from '../store/files.ts';
import { parseClaimReport } from '../report/schema.ts';
import { claimKey, type ClaimReport, type ShardRecord, type UndecidedPair } from '../report/types.ts';

import { cacheRoot, claimsRoot } from '../util/paths.ts';

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
      // a verdict of another scale (a quick one copied among ci outcomes) must never pass for this scale's
      const other = [claim.scale, claim.stamp?.scale].find((x) => x !== undefined && x !== scale);
      if (other !== undefined) return { file, claim: unreadableRow(dir, file, `decided at ${other} scale, stored among the ${scale} outcomes: a verdict counts only at the scale that decided it`, scale) };
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
 * The largest claim outcome a shard may hold. Measured 2026-12-07: the suite's heaviest outcome,
 * pruning-rate-u-shaped (7 arms × 5 seeds of thinned test accuracy, two milestone sweeps), carries
 * 0.28 MB of figure data; a 25 MB outcome took 3 min 46 s to report on 2 cores, rendering its
 * figure. A shard's file past this is refused before it is read.
 */
export const MAX_OUTCOME_BYTES = 4 * 2 ** 20;

/** What fixes a damaged shard file: it is not rewritten here, as a local outcome would be. */
export const SHARD_ADVICE = 'It came from a shard: download that shard\'s results again or rerun its job, or leave its folder out of --merge';

const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

/** A folder that must be a directory: a file or a missing path is named, never a raw ENOTDIR. */
function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/**
 * The outcomes in one shard's results folder, each checked as input from another machine: its size
 * bounded, its JSON and fields valid (schema.ts: the claim-id rule, p-values in [0, 1]), its setting
 * a known one, decided at the merge's scale, and its claim a claim file of this checkout. Anything
 * else is an error naming the file: a report must never show an outcome it cannot vouch for.
 */
async function readShardOutcomes(where: string, shardDir: string, scale: string): Promise<ClaimReport[]> {
  // imported here: the settings load every registry, which `grok cache` (claimResultsRoot) does not need
  const settings = (await import('../config/settings.ts')).SETTINGS.map((s) => s.name);
  const files = readdirSync(where).filter((f) => f.endsWith('.json') && !(where === shardDir && f === SHARD_ENVIRONMENT)).sort();
  const out: { file: string; claim: ClaimReport }[] = [];
  for (const f of files) {
    const file = join(where, f);
    const fail = (why: string): never => {
      throw new Error(`report --merge: ${file}: ${why}`);
    };
    const st = lstatSync(file);
    if (!st.isFile()) fail(`not a file (a claim outcome is a JSON file)`);
    if (st.size > MAX_OUTCOME_BYTES) fail(`${st.size} bytes, over the ${MAX_OUTCOME_BYTES} (${mib(MAX_OUTCOME_BYTES)}) a claim outcome may have (the suite's largest is under 0.3 MiB)`);
    let raw: unknown;
    try {
      raw = await readJson<unknown>(file);
    } catch (err) {
      if (err instanceof CorruptFileError) throw new CorruptFileError(err.path, err.reason, SHARD_ADVICE);
      throw err;
    }
    if (typeof (raw as { setting?: unknown } | null)?.setting !== 'string') fail(`an outcome without a setting, stored by older code; rerun that shard's job`);
    let claim: ClaimReport;
    try {
      claim = parseClaimReport(raw, file);
    } catch (err) {
      throw new Error(`report --merge: ${(err as Error).message}. ${SHARD_ADVICE}`);
    }
    if (!settings.includes(claim.setting!)) fail(`setting ${JSON.stringify(claim.setting)} is not a setting of this checkout (settings: ${settings.join(', ')})`);
    const scales = [claim.scale, claim.stamp?.scale].filter((x): x is string => x !== undefined);
    if (scales.some((x) => x !== scale)) fail(`decided at ${JSON.stringify(scales.find((x) => x !== scale))} scale, but this merge is at ${scale} scale (--scale)`);
    if (!existsSync(join(claimsRoot(), `${claim.id}.claim.ts`))) fail(`claim "${claim.id}" has no claim file here (${join(claimsRoot(), `${claim.id}.claim.ts`)}): the shard ran other claims than this checkout`);
    const same = out.find((o) => claimKey(o.claim) === claimKey(claim));
    if (same) fail(`claim "${claimKey(claim)}" again (also in ${same.file})`);
    out.push({ file, claim });
  }
  return out.map((o) => o.claim);
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
    if (!isDirectory(dir)) throw new Error(`report --merge: ${dir} is a file, not a shard folder (a folder of claim outcomes, or one holding ${scale}/ or claims/${scale}/)`);
    const nested = join(dir, 'claims', scale);
    const nestedScale = join(dir, scale);
    const where = existsSync(nested) ? nested : existsSync(nestedScale) ? nestedScale : dir;
    if (!isDirectory(where)) throw new Error(`report --merge: ${where} is a file, not a folder of claim outcomes`);
    const found = await readShardOutcomes(where, dir, scale);
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
