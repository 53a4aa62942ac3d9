import { derivedRun, type DeriveOverrides, type RunConfig } from '../config/schema.ts';
import { PAI_METHODS } from '../prune/scores.ts';

/**
 * The control arms several claims train from one dense run, built in one place: claims that read
 * the same arm ask for the same config, so they share its stored run.
 */
export interface Job { config: RunConfig; label: string }

/** Dense θ0 rescaled to the L1, then the L2, norm of the ticket at `keep` (§4.1; the paper's global-norm ratios). */
export const normMatchedJobs = (dense: RunConfig, keep: number, seed: number, overrides: DeriveOverrides = {}): Job[] =>
  (['l1', 'l2'] as const).map((norm) => ({
    config: derivedRun(dense, { method: 'normMatched', norm, ratio: 'paper', keepFraction: keep }, overrides),
    label: `dense ${norm.toUpperCase()}-matched seed ${seed}`,
  }));

/** The pruning-at-initialisation masks at `keep` in PAI_METHODS order, scored at θ0 with the seed as score seed (§4.2). */
export const paiJobs = (dense: RunConfig, keep: number, seed: number, overrides: DeriveOverrides = {}): Job[] =>
  PAI_METHODS.map((scorer) => ({
    config: derivedRun(dense, { method: 'pai', scorer, scoreAt: 'init', keepFraction: keep, scoreSeed: seed }, overrides),
    label: `${scorer} seed ${seed}`,
  }));
