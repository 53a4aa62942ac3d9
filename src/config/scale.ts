import { EnvError } from './env-error.ts';

/**
 * Scales change how much is trained — epochs, seeds, split — never what a claim asserts.
 *
 * ci: the paper's network, optimiser and p, but frac_train 0.5 (the authors' own Jan-2024 and
 * edge-popup setting, spec §14) so the dense model groks in ~5–10k epochs (measured here: seed 1 by 6k, seed 0 by ~10k) instead of ~25k; that makes
 * five seeds of dense + ticket fit in CI's 2 cores. paper: frac 0.4, 30k epochs (spec §11).
 * smoke: a few dozen epochs on two seeds, to prove the whole pipeline on a new machine in about a
 * minute: every claim trains its tiny runs, computes its statistics and draws its figures, and its
 * verdict is "skipped" (nothing can be decided at that size).
 * quick: a first verdict for a new claim in minutes: the ci scale (its seeds, split and each
 * setting's own ci values) with every horizon cut to a fifth (QUICK_FRACTION). Its outcomes are
 * stored, reported and compared under their own name, so a quick verdict never passes for a ci one.
 */
export const SCALE_NAMES = ['smoke', 'quick', 'ci', 'paper'] as const;
export type ScaleName = (typeof SCALE_NAMES)[number];

export interface Scale {
  name: ScaleName;
  seeds: number[];
  epochs: number;
  fracTrain: number;
  evalEvery: number;
  snapshotEvery: number;
  /**
   * Horizon of control arms (norm-matched dense, PaI masks, WD-0 runs), which are compared with a
   * grokking ticket that generalises within a few hundred epochs: a control still censored at this
   * horizon is known to be slower than the ticket, which is all those claims assert.
   */
  controlEpochs: number;
  /**
   * Horizon of the grokking tickets where it is shorter than `epochs` (default: the same). A ticket
   * still censored there ranks worst, so a shorter horizon can only count against the ticket.
   */
  ticketEpochs?: number;
  /** Claims run their whole path (runs, statistics, figures) but decide nothing: verdict skipped. */
  pipelineOnly?: boolean;
}

/**
 * The training overrides of a scale's ticket runs: the scale's ticket horizon, stated even where it
 * is the dense runs' (then the config, and so the run key, is the one without it). Stated, because
 * a dense run extended past the horizon (src/claims/horizon.ts, the horizon rule) still gives a
 * ticket trained for the horizon every other seed's ticket trains for.
 */
export const ticketOverrides = (scale: Scale): { epochs: number } => ({ epochs: scale.ticketEpochs ?? scale.epochs });

/**
 * The share of each ci horizon the quick scale trains. Five seeds stay: with fewer, no one-sided
 * test over seeds can reach p ≤ 0.05 (Wilcoxon's and the binomial's smallest p at 4 seeds is 1/16).
 */
export const QUICK_FRACTION = 0.2;

/** A horizon cut to QUICK_FRACTION, never below one evaluation interval. */
const quickEpochs = (epochs: number, evalEvery: number): number => Math.max(evalEvery, Math.round(epochs * QUICK_FRACTION));

/**
 * The quick scale of a (setting's) ci scale: the same seeds, split and evaluation, every horizon
 * cut to QUICK_FRACTION, snapshots no further apart than its horizon.
 */
export function quickOf(ci: Scale): Scale {
  const epochs = quickEpochs(ci.epochs, ci.evalEvery);
  return {
    ...ci,
    name: 'quick',
    epochs,
    controlEpochs: quickEpochs(ci.controlEpochs, ci.evalEvery),
    ...(ci.ticketEpochs ? { ticketEpochs: quickEpochs(ci.ticketEpochs, ci.evalEvery) } : {}),
    snapshotEvery: Math.min(ci.snapshotEvery, epochs),
  };
}

const CI: Scale = { name: 'ci', seeds: [0, 1, 2, 3, 4], epochs: 15_000, fracTrain: 0.5, evalEvery: 10, snapshotEvery: 1000, controlEpochs: 3000 };

export const SCALES: Record<ScaleName, Scale> = {
  smoke: { name: 'smoke', seeds: [0, 1], epochs: 40, fracTrain: 0.5, evalEvery: 5, snapshotEvery: 20, controlEpochs: 20, pipelineOnly: true },
  quick: quickOf(CI),
  ci: CI,
  paper: { name: 'paper', seeds: [0, 1, 2, 3, 4], epochs: 30_000, fracTrain: 0.4, evalEvery: 10, snapshotEvery: 2000, controlEpochs: 30_000 },
};

export function parseScale(value: string | undefined): Scale {
  const v = (value ?? 'ci').trim() || 'ci';
  if (!(SCALE_NAMES as readonly string[]).includes(v)) {
    throw new EnvError(`GROK_SCALE: "${v}" is not a scale; allowed values: ${SCALE_NAMES.join(', ')}`);
  }
  return SCALES[v as ScaleName];
}

export const currentScale = (): Scale => parseScale(process.env.GROK_SCALE);
