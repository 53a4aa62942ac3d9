import type { Milestone } from '../tasks/types.ts';

/**
 * t_mem, t_gen and τ_grok (paper §3.1, spec §3.7): the first logged epoch at which train (test)
 * accuracy exceeds P = 95 %, and their ratio. `null` means "never reached within the horizon":
 * a censored value that statistics must rank as the worst outcome, never drop.
 */
export const ACCURACY_THRESHOLD = 0.95;

export interface Milestones {
  tMem: number | null;
  tGen: number | null;
  tauGrok: number | null;
  /** The last epoch that was logged: a censored milestone is known to be > horizon. */
  horizon: number;
  /**
   * Present when training diverged at this epoch (see Divergence in loop.ts): the run never
   * generalises, so tGen and tauGrok are null (censored at the horizon, the last finite epoch).
   */
  diverged?: { epoch: number };
}

export function firstExceeding(epochs: ArrayLike<number>, values: ArrayLike<number>, threshold = ACCURACY_THRESHOLD): number | null {
  for (let i = 0; i < values.length; i++) if (values[i] > threshold) return epochs[i];
  return null;
}

function firstBelow(epochs: ArrayLike<number>, values: ArrayLike<number>, threshold: number): number | null {
  for (let i = 0; i < values.length; i++) if (values[i] < threshold) return epochs[i];
  return null;
}

/**
 * Accuracy milestones use train accuracy of every epoch and test accuracy of every evaluation; a
 * loss milestone (regression, where accuracy is undefined) uses the evaluated losses.
 */
export function milestones(
  log: { trainAccEvery: ArrayLike<number>; epochs: ArrayLike<number>; testAcc: ArrayLike<number>; trainLoss?: ArrayLike<number>; testLoss?: ArrayLike<number>; diverged?: { epoch: number } },
  milestone: number | Milestone = ACCURACY_THRESHOLD,
): Milestones {
  const m: Milestone = typeof milestone === 'number' ? { metric: 'accuracy', threshold: milestone } : milestone;
  const trainEpochs = Array.from({ length: log.trainAccEvery.length }, (_, i) => i);
  const byLoss = m.metric === 'loss';
  if (byLoss && !(log.trainLoss && log.testLoss)) throw new Error('milestones: a loss milestone needs the logged train and test losses');
  const tMem = byLoss ? firstBelow(log.epochs, log.trainLoss!, m.threshold) : firstExceeding(trainEpochs, log.trainAccEvery, m.threshold);
  const tGen = byLoss ? firstBelow(log.epochs, log.testLoss!, m.threshold) : firstExceeding(log.epochs, log.testAcc, m.threshold);
  const horizon = Math.max(log.trainAccEvery.length - 1, log.epochs.length ? log.epochs[log.epochs.length - 1] : 0);
  // t_mem = 0 would mean a network that is right before training; τ is then undefined, not ∞.
  const tauGrok = tMem !== null && tGen !== null && tMem > 0 ? tGen / tMem : null;
  // a test accuracy reached before diverging does not make a run that ends in NaN a generalising one
  if (log.diverged) return { tMem, tGen: null, tauGrok: null, horizon, diverged: { epoch: log.diverged.epoch } };
  return { tMem, tGen, tauGrok, horizon };
}
