import { SCALES, type Scale } from '../config/scale.ts';
import { parseRunConfig, type RunConfig, type RunConfigInput } from '../config/schema.ts';
import { getSetting, settingAt, SETTINGS, type Setting } from '../config/settings.ts';
import { UsageError } from './errors.ts';
import { FLAG_FIELDS } from './flags.ts';

/** `grok train --setting NAME`: a named setting (src/config/settings.ts) as one run's config. */

export function settingNamed(name: string): Setting {
  if (!SETTINGS.some((s) => s.name === name)) throw new UsageError(`--setting: "${name}" is not a setting; settings: ${SETTINGS.map((s) => s.name).join(', ')}`);
  return getSetting(name);
}

export interface SettingBase {
  base: (seed: number) => RunConfigInput;
  scale: Scale;
  /** Why the horizon is not the asked scale's (the setting is not trained there), or null. */
  note: string | null;
}

/**
 * The setting's dense run at `scale`. A scale the claims cannot decide it at (MNIST at ci: too
 * long) still trains it when asked: at its paper-scale horizon, or where no scale decides it, at
 * the asked scale's. Data that is not installed is refused with what to install.
 */
export function settingBase(setting: Setting, scale: Scale): SettingBase {
  const missing = setting.unavailable?.();
  if (missing) throw new UsageError(`--setting ${setting.name}: ${missing}`);
  const here = settingAt(setting, scale);
  if (!('undecidable' in here)) return { base: here.base, scale: here.scale, note: null };
  const paper = scale.name === 'paper' ? here : settingAt(setting, SCALES.paper);
  if (!('undecidable' in paper)) {
    return { base: paper.base, scale: paper.scale, note: `not trained at ${scale.name} scale; its paper-scale horizon, ${paper.scale.epochs} epochs (--epochs overrides)` };
  }
  const plain = settingAt({ ...setting, scales: {}, unavailable: undefined }, scale) as Exclude<ReturnType<typeof settingAt>, { undecidable: string }>;
  return { base: plain.base, scale: plain.scale, note: `no scale decides it; the ${scale.name} scale's horizon, ${plain.scale.epochs} epochs (--epochs overrides)` };
}

type Json = Record<string, unknown>;
function leaves(v: unknown, path: string, out: Map<string, unknown>): Map<string, unknown> {
  if (typeof v === 'object' && v !== null && !Array.isArray(v)) for (const [k, x] of Object.entries(v as Json)) leaves(x, path ? `${path}.${k}` : k, out);
  else out.set(path, v);
  return out;
}

/**
 * Where `config` differs from the setting's run (`settingInput`) in data, model, optimiser or batch
 * size, as "--wd 0.1, not 1" (a field no flag sets by its path). Not compared: the fields the
 * given flags set, the seed, and the split fraction where the scale sets it.
 */
export function differingFields(config: RunConfig, setting: Setting, settingInput: RunConfigInput, given: readonly string[]): string[] {
  const theirs = parseRunConfig(settingInput);
  const pick = (c: RunConfig) => leaves({ data: c.data, model: c.model, optim: c.optim, batchSize: c.batchSize }, '', new Map());
  const flagOf = new Map(Object.entries(FLAG_FIELDS).flatMap(([flag, fields]) => fields.map((f) => [f, flag] as const)));
  // the split fraction is the scale's unless the setting fixes it (MNIST's 1000 images)
  const scales = setting.data && 'fracTrain' in setting.data ? [] : ['data.fracTrain'];
  const skip = new Set(['data.seed', ...scales, ...given.flatMap((f) => FLAG_FIELDS[f] ?? [])]);
  const ours = pick(config);
  const out: string[] = [];
  for (const [path, want] of pick(theirs)) {
    const have = ours.get(path);
    if (skip.has(path) || Object.is(have, want)) continue;
    const flag = flagOf.get(path);
    out.push(`${flag ? `--${flag}` : path} ${JSON.stringify(want)}, not ${JSON.stringify(have ?? null)}`);
  }
  return out;
}
