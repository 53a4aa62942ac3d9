import type { RunResult } from '../runs/execute.ts';
import { tasks } from '../tasks/index.ts';
import type { RunLog } from '../train/loop.ts';
import { milestones } from '../train/milestones.ts';

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
