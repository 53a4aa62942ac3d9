import { SCALES, type Scale, type ScaleName } from './scale.ts';
import type { OptimConfig, RunConfigInput } from './schema.ts';

/**
 * Named paper settings (task × model × loss × metric × hyperparameters): what a claim runs on.
 * A claim file lists the settings it covers; each (claim, setting) is its own test and verdict.
 * A setting says, per scale, how much it trains, or why that scale cannot decide it (with the
 * measured cost), in which case its claims are skipped there, never passed.
 */
export interface Setting {
  name: string;
  title: string;
  paperRef: string;
  task: string;
  model: string;
  /** Data, model and optimiser fields beyond the registered defaults (frac and seed come from the scale). */
  data?: Record<string, unknown>;
  modelFields?: Record<string, unknown>;
  optim?: Partial<OptimConfig>;
  /** Where the setting's scale differs from the suite's, or a reason it cannot be decided there. */
  scales?: Partial<Record<ScaleName, Partial<Scale> | { undecidable: string }>>;
  /** Why these hyperparameters (shown in the report's choices). */
  note?: string;
}

/** A setting at one scale: how much it trains and its dense base run of one seed. */
export interface SettingRun {
  setting: Setting;
  scale: Scale;
  base(seed: number): RunConfigInput;
}

const MLP_ADD: Setting = {
  name: 'mlp-add',
  title: 'MLP, a + b mod 67',
  paperRef: '§3, Fig. 1, 2a; App. B.1',
  task: 'add',
  model: 'mlp',
  data: { p: 67, symmetric: true },
};

export const SETTINGS: Setting[] = [MLP_ADD];

export function getSetting(name: string): Setting {
  const s = SETTINGS.find((x) => x.name === name);
  if (!s) throw new Error(`setting "${name}" is not defined; settings: ${SETTINGS.map((x) => x.name).join(', ')}`);
  return s;
}

/** The setting's own scale, or the reason it cannot be decided at this scale. */
export function settingAt(setting: Setting, scale: Scale): SettingRun | { undecidable: string } {
  const own = setting.scales?.[scale.name];
  if (own && 'undecidable' in own) return { undecidable: own.undecidable };
  const sc: Scale = { ...SCALES[scale.name], ...scale, ...(own ?? {}) };
  return {
    setting,
    scale: sc,
    base: (seed) => ({
      data: { task: setting.task, ...setting.data, fracTrain: sc.fracTrain, seed },
      model: { name: setting.model, ...setting.modelFields },
      ...(setting.optim ? { optim: setting.optim } : {}),
      initSeed: seed,
      epochs: sc.epochs,
      evalEvery: sc.evalEvery,
      snapshotEvery: sc.snapshotEvery,
    }),
  };
}

/** GROK_SETTINGS=mlp-add,transformer-add selects settings (default: all); an unknown name is an error. */
export function selectedSettings(env = process.env.GROK_SETTINGS): Set<string> | null {
  const v = (env ?? '').trim();
  if (!v) return null;
  const names = v.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = names.filter((n) => !SETTINGS.some((s) => s.name === n));
  if (unknown.length) throw new Error(`GROK_SETTINGS: ${unknown.map((n) => JSON.stringify(n)).join(', ')} ${unknown.length > 1 ? 'are not settings' : 'is not a setting'}; settings: ${SETTINGS.map((s) => s.name).join(', ')}`);
  return new Set(names);
}
