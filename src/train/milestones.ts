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
}

export function firstExceeding(epochs: ArrayLike<number>, values: ArrayLike<number>, threshold = ACCURACY_THRESHOLD): number | null {
  for (let i = 0; i < values.length; i++) if (values[i] > threshold) return epochs[i];
  return null;
}

export function milestones(
  log: { trainAccEvery: ArrayLike<number>; epochs: ArrayLike<number>; testAcc: ArrayLike<number> },
  threshold = ACCURACY_THRESHOLD,
): Milestones {
  const trainEpochs = Array.from({ length: log.trainAccEvery.length }, (_, i) => i);
  const tMem = firstExceeding(trainEpochs, log.trainAccEvery, threshold);
  const tGen = firstExceeding(log.epochs, log.testAcc, threshold);
  const horizon = Math.max(log.trainAccEvery.length - 1, log.epochs.length ? log.epochs[log.epochs.length - 1] : 0);
  // t_mem = 0 would mean a network that is right before training; τ is then undefined, not ∞.
  const tauGrok = tMem !== null && tGen !== null && tMem > 0 ? tGen / tMem : null;
  return { tMem, tGen, tauGrok, horizon };
}
