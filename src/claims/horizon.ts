import { denseRun, type RunConfig, type RunConfigInput } from '../config/schema.ts';
import type { RunResult } from '../runs/execute.ts';
import { tasks } from '../tasks/index.ts';
import type { RunLog } from '../train/loop.ts';
import { milestones } from '../train/milestones.ts';
import type { Statement } from './statements.ts';

/**
 * A run as it stood after `horizon` epochs. Full-batch training is deterministic and its first
 * `horizon` epochs do not depend on how long it goes on, so a longer stored run (the grokking
 * tickets claim 1 already trains) answers for a shorter one without training it again, with its
 * milestones censored at the shorter horizon exactly as that run's would be.
 */
export function atHorizon(run: RunResult, horizon: number): RunResult {
  if (!Number.isInteger(horizon) || horizon < 0) throw new Error(`atHorizon: horizon ${horizon} must be a non-negative integer`);
  if (horizon > run.config.epochs) {
    throw new Error(`atHorizon: the run ${run.key} trained ${run.config.epochs} epochs, fewer than the horizon ${horizon}`);
  }
  if (horizon === run.config.epochs) return run;
  // a run evaluates its last epoch whatever the cadence; a longer one only on the cadence
  if (horizon % run.config.evalEvery !== 0) {
    throw new Error(`atHorizon: horizon ${horizon} is not a multiple of the run's evalEvery ${run.config.evalEvery}, so a run of that length would have test metrics the longer run lacks`);
  }
  const n = run.log.epochs.findIndex((e) => e > horizon);
  const upTo = n === -1 ? run.log.epochs.length : n;
  const { diverged, trainAccEvery, ...columns } = run.log;
  const cut = Object.fromEntries(Object.entries(columns).map(([k, v]) => [k, (v as number[]).slice(0, upTo)])) as Omit<RunLog, 'diverged' | 'trainAccEvery'>;
  const log: RunLog = { ...cut, trainAccEvery: trainAccEvery.slice(0, horizon + 1), ...(diverged && diverged.epoch <= horizon ? { diverged } : {}) };
  return { ...run, config: { ...run.config, epochs: horizon }, log, milestones: milestones(log, tasks.get(run.config.data.task).milestone) };
}

/** The last evaluated value of a logged column at or before `epoch` (null if none was). */
export function loggedAt(run: RunResult, field: 'testAcc' | 'trainAcc' | 'testLoss' | 'trainLoss', epoch: number): number | null {
  let value: number | null = null;
  for (let i = 0; i < run.log.epochs.length && run.log.epochs[i] <= epoch; i++) value = run.log[field][i];
  return value;
}

/**
 * The horizon rule, one for every claim that needs a dense run that generalised (a base t_gen, a
 * grokking ticket), chosen before any paper-scale verdict: a seed whose dense run has not
 * generalised by the claim's horizon H is trained on, the same config, to the cap
 * EXTENSION_FACTOR·H. Its first H epochs are those of the run at H (training is deterministic;
 * `atHorizon` reads the longer run at H), so the extension is a new run that adds epochs and
 * changes nothing before them. A seed that generalises by the cap is used, its run the extended
 * one, and marked "extended" in the seed table and the choices; one that does not stays in the
 * claim as a censored pair (censored at the cap), never dropped, counted the way the claim counts
 * censoring: never in its statement's favour. A diverged run is not extended (it has no weights
 * to go on from).
 */
export const EXTENSION_FACTOR = 3;

export type DenseStatus = 'within' | 'extended' | 'censored';

export interface DenseSeeds {
  seeds: number[];
  /** Per seed: the run at H, or the extended one for a seed that did not generalise by H. */
  runs: RunResult[];
  /**
   * Per seed, the config of its run at H. An arm that does not depend on the dense run's training
   * (a mask scored at θ0) derives from it, so an extended seed shares that arm with the run at H
   * instead of training the same weights again under a new key.
   */
  atH: RunConfig[];
  status: DenseStatus[];
  /** H: the claim's horizon, the base config's epochs. */
  horizon: number;
  /** EXTENSION_FACTOR · H. */
  cap: number;
}

/** The dense runs of `seeds` under the horizon rule: all at H, then the ones that did not generalise to the cap. */
export async function denseRuns(
  runAll: (jobs: { config: RunConfig; label: string }[]) => Promise<RunResult[]>,
  base: (seed: number) => RunConfigInput,
  seeds: number[],
): Promise<DenseSeeds> {
  const configs = seeds.map((seed) => denseRun(base(seed)));
  const atH = await runAll(configs.map((config, i) => ({ config, label: `dense seed ${seeds[i]}` })));
  const horizon = atH[0]?.config.epochs ?? 0;
  const cap = EXTENSION_FACTOR * horizon;
  const late = seeds.map((_, i) => i).filter((i) => atH[i].milestones.tGen === null && !atH[i].milestones.diverged && !atH[i].log.diverged);
  const extended = await runAll(late.map((i) => ({ config: denseRun({ ...base(seeds[i]), epochs: cap }), label: `dense seed ${seeds[i]} extended to ${cap} epochs` })));
  const runs = [...atH];
  const status: DenseStatus[] = seeds.map(() => 'within');
  late.forEach((i, j) => {
    runs[i] = extended[j];
    status[i] = extended[j].milestones.tGen === null ? 'censored' : 'extended';
  });
  return { seeds, runs, atH: configs, status, horizon, cap };
}

/** The seed table's cell for a seed's dense run under the rule. */
export const denseStatusCell = (d: DenseSeeds, i: number): string =>
  d.status[i] === 'within' ? `within ${d.horizon}` : d.status[i] === 'extended' ? `extended to ${d.cap}` : `censored at ${d.cap}`;

const RULE_ITEM = 'horizon rule (chosen in advance, every claim)';

/** The choices entry that states the rule and what it did here. */
export function horizonRuleChoice(d: DenseSeeds): { item: string; choice: string } {
  const which = (s: DenseStatus) => d.seeds.filter((_, i) => d.status[i] === s);
  const ext = which('extended');
  const cens = which('censored');
  const did = `extended and used: ${ext.length ? ext.map((s) => `seed ${s} (t_gen ${d.runs[d.seeds.indexOf(s)].milestones.tGen})`).join(', ') : 'none'}; censored at the cap, kept as censored pairs: ${cens.length ? cens.map((s) => `seed ${s}`).join(', ') : 'none'}`;
  return {
    item: RULE_ITEM,
    choice: `a dense run that has not generalised by the horizon H = ${d.horizon} epochs is trained on (same config) to ${EXTENSION_FACTOR}H = ${d.cap}; used and marked extended if it generalises by then, else kept as a censored pair, never dropped. Here: ${did}`,
  };
}

/**
 * The choices entry of a claim that trains dense runs but needs none of them to have generalised
 * (no grokking ticket from its final checkpoint, no base t_gen): why the rule does not apply.
 * test/claim-api/horizon-rule.test.ts holds every claim that trains a dense run to either this or
 * `denseRuns`, so no claim skips the rule unsaid.
 */
export const horizonRuleExempt = (reason: string): { item: string; choice: string } => ({ item: RULE_ITEM, choice: `the horizon rule does not apply: ${reason}` });

/** The seeds whose dense run never generalised, even under the rule (censored at the cap, or diverged): the censored pairs. */
export const neverGeneralised = (d: DenseSeeds): number[] => d.seeds.filter((_, i) => d.runs[i].milestones.tGen === null);

/** Each censored seed and where its dense run stopped, in the rule's numbers. */
function censoredSeeds(d: DenseSeeds): string {
  return d.seeds.flatMap((s, i) => {
    const r = d.runs[i];
    if (r.milestones.tGen !== null) return [];
    const div = r.milestones.diverged ?? r.log.diverged;
    return [`seed ${s} (${div ? `diverged at epoch ${div.epoch}, not extended` : `censored at ${r.config.epochs}`})`];
  }).join(', ');
}

/**
 * Why a claim whose statement needs every dense run to have generalised cannot hold on censored
 * pairs: `so` says what the claim loses (its final checkpoint is no grokking ticket, …).
 */
export const neverGeneralisedReason = (d: DenseSeeds, so: string): string =>
  `the dense run never generalised on ${censoredSeeds(d)}: the horizon rule trains a dense run not generalised by H = ${d.horizon} epochs on to ${EXTENSION_FACTOR}H = ${d.cap}, and a censored pair counts against the claim, so ${so}`;

/** The statement "every dense run generalised", for a claim that decides statements: a censored pair fails it. */
export function denseGeneralisedStatement(d: DenseSeeds, name: string): Statement {
  const never = neverGeneralised(d);
  return {
    id: 'dense-runs-grok',
    name,
    state: never.length ? 'fails' : 'holds',
    value: d.seeds.length - never.length,
    detail: never.length
      ? `never generalised, even under the horizon rule (H = ${d.horizon}, cap ${d.cap}): ${censoredSeeds(d)}`
      : `dense t_gen ${d.runs.map((r, i) => `${r.milestones.tGen}${d.status[i] === 'extended' ? ' (extended)' : ''}`).join(', ')}`,
  };
}
