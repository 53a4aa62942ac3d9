import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { claimResultsRoot } from '../claims/results.ts';
import type { RunConfig } from '../config/schema.ts';
import { openRun, RunStore, type RunEntry } from '../store/store.ts';
import { tasks } from '../tasks/index.ts';
import { milestones, type Milestones } from '../train/milestones.ts';
import type { RunLog } from '../train/loop.ts';
import { describeConfig, describeRuns } from './describe-run.ts';
import { UsageError } from './errors.ts';

// the store alone, not runs/execute.ts: listing and cleaning need no training code (nor tfjs)
const store = () => new RunStore();

export const runState = (e: RunEntry): 'done' | 'running' | 'partial' => (e.done ? 'done' : e.locked ? 'running' : 'partial');

/** One line saying what a stored run is: "mlp-add magnitude keep 0.4 seed 0 frac 0.5 wd 1 3000 epochs (base 15000)". */
export const configSummary = (config: unknown): string => describeConfig(config).summary;

/** config.json as stored (config, backend, code version): what tells two runs of one config apart. */
function storedConfigFile(e: RunEntry): unknown {
  try {
    return JSON.parse(readFileSync(join(e.dir, 'config.json'), 'utf8'));
  } catch {
    return { config: e.config, codeVersion: e.codeVersion };
  }
}

/** A finished run's milestones, recomputed from its metrics with its task's threshold. */
async function storedMilestones(e: RunEntry): Promise<Milestones> {
  const c = e.config as RunConfig;
  const log = await openRun(e.dir).readJson<RunLog>('metrics.json');
  return milestones(log, tasks.get(c.data.task).milestone);
}

export async function cacheLs(o: { json?: boolean }): Promise<number> {
  const entries = await store().list();
  const described = describeRuns(entries.map(storedConfigFile));
  if (!o.json) {
    entries.forEach((e, i) => process.stdout.write(`${e.key}  ${runState(e)}  ${(e.sizeBytes / 1e6).toFixed(1)} MB  ${described[i].summary}\n`));
    return 0;
  }
  const rows = [];
  for (const [i, e] of entries.entries()) {
    let m: Milestones | null = null;
    let problem: string | undefined;
    if (e.done && e.config) {
      try {
        m = await storedMilestones(e);
      } catch (err) {
        problem = err instanceof Error ? err.message : String(err); // listed, not fatal: `grok cache verify` diagnoses
      }
    }
    const { summary, ...description } = described[i];
    rows.push({
      key: e.key, state: runState(e), sizeBytes: e.sizeBytes, finishedAt: e.finishedAt, summary, description, codeVersion: e.codeVersion, config: e.config,
      milestones: m && { tMem: m.tMem, tGen: m.tGen, tauGrok: m.tauGrok, horizon: m.horizon },
      ...(problem ? { problem } : {}),
    });
  }
  process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
  return 0;
}

/** Exit 1 while damage remains; --repair removes every damaged run and stray file it found (or throws). */
export async function cacheVerify(o: { repair?: boolean }): Promise<number> {
  const r = await store().verify({ repair: o.repair === true });
  process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
  return r.problems.length && !o.repair ? 1 : 0;
}

/** With --all the claim outcomes go too: an outcome whose runs were deleted would still be reported. */
export async function cacheGc(o: { all?: boolean; dryRun?: boolean }): Promise<number> {
  const r = await store().gc({ mode: o.all ? 'all' : 'unfinished', dryRun: o.dryRun === true });
  let outcomes: string[] = [];
  if (o.all) {
    const root = claimResultsRoot();
    outcomes = existsSync(root) ? readdirSync(root, { recursive: true }).map(String).filter((f) => f.endsWith('.json')).map((f) => join(root, f)) : [];
    if (!o.dryRun) await rm(root, { recursive: true, force: true });
  }
  process.stdout.write(`${JSON.stringify({ ...r, ...(o.all ? { removedOutcomes: outcomes } : {}) }, null, 2)}\n`);
  return 0;
}

/** The stored run a key or unique key prefix names. */
export async function findRun(keyOrPrefix: string): Promise<RunEntry> {
  if (!/^[0-9a-f]{1,16}$/.test(keyOrPrefix)) throw new UsageError(`run "${keyOrPrefix}" is invalid (a run key or its prefix: hex digits, as \`grok cache ls\` prints)`);
  const matches = (await store().list()).filter((e) => e.key.startsWith(keyOrPrefix));
  if (matches.length === 0) throw new UsageError(`run "${keyOrPrefix}": no stored run has this key (see \`grok cache ls\`)`);
  if (matches.length > 1) throw new UsageError(`run "${keyOrPrefix}" is ambiguous: ${matches.map((e) => e.key).join(', ')}`);
  return matches[0];
}
