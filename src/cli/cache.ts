import { existsSync, readdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { claimResultsRoot } from '../claims/results.ts';
import type { RunConfig } from '../config/schema.ts';
import { openRun, RunStore, type RunEntry } from '../store/store.ts';
import { tasks } from '../tasks/index.ts';
import { milestones, type Milestones } from '../train/milestones.ts';
import type { RunLog } from '../train/loop.ts';
import { UsageError } from './errors.ts';

// the store alone, not runs/execute.ts: listing and cleaning need no training code (nor tfjs)
const store = () => new RunStore();

export const runState = (e: RunEntry): 'done' | 'running' | 'partial' => (e.done ? 'done' : e.locked ? 'running' : 'partial');

/** One line saying what a stored run is: "mlp add dense seed 0 frac 0.5 30 epochs". */
export function configSummary(config: unknown): string {
  const c = config as RunConfig | null;
  if (!c) return '?';
  const derive = c.derive ? `${c.derive.method}${'keepFraction' in c.derive ? ` keep ${c.derive.keepFraction}` : ''}` : 'dense';
  return `${c.model?.name ?? '?'} ${c.data?.task ?? '?'} ${derive} seed ${c.data?.seed} frac ${c.data?.fracTrain} ${c.epochs} epochs`;
}

/** A finished run's milestones, recomputed from its metrics with its task's threshold. */
async function storedMilestones(e: RunEntry): Promise<Milestones> {
  const c = e.config as RunConfig;
  const log = await openRun(e.dir).readJson<RunLog>('metrics.json');
  return milestones(log, tasks.get(c.data.task).milestone);
}

export async function cacheLs(o: { json?: boolean }): Promise<number> {
  const entries = await store().list();
  if (!o.json) {
    for (const e of entries) process.stdout.write(`${e.key}  ${runState(e)}  ${(e.sizeBytes / 1e6).toFixed(1)} MB  ${configSummary(e.config)}\n`);
    return 0;
  }
  const rows = [];
  for (const e of entries) {
    let m: Milestones | null = null;
    let problem: string | undefined;
    if (e.done && e.config) {
      try {
        m = await storedMilestones(e);
      } catch (err) {
        problem = err instanceof Error ? err.message : String(err); // listed, not fatal: `grok cache verify` diagnoses
      }
    }
    rows.push({
      key: e.key, state: runState(e), sizeBytes: e.sizeBytes, finishedAt: e.finishedAt, summary: configSummary(e.config), config: e.config,
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
