import { SETTINGS, type Setting } from '../config/settings.ts';
import type { RunConfig } from '../config/schema.ts';

/**
 * What a stored run is, in words `grok cache ls` prints and `grok plot` puts under its title: the
 * setting it belongs to (or its model and task), the derivation and keep fraction, seed, split,
 * weight decay and horizon. Runs whose words would coincide are told apart by the fields that
 * differ between them (`describeRuns`), down to the backend and code version in their run keys.
 */
export interface RunDescription {
  /** The named setting (src/config/settings.ts) whose hyperparameters the run has, or null. */
  setting: string | null;
  task: string | null; model: string | null;
  /** 'dense', or the derivation's method (magnitude = the grokking ticket). */
  derivation: string;
  keep: number | null; fromEpoch: number | 'final' | null;
  seed: number | null;
  /** The split's training fraction; null for a task without one (generated data: parity, polynomial). */
  frac: number | null;
  weightDecay: number | null; lr: number | null;
  /** Epochs this run trains; a derived run's base may have trained longer (baseEpochs). */
  epochs: number | null; baseEpochs: number | null;
  summary: string;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const num = (v: unknown): number | null => (typeof v === 'number' ? v : null);

/** Every field the setting fixes has the value the setting gives it. */
function hasSetting(c: RunConfig, s: Setting): boolean {
  const fits = (given: Json | undefined, actual: unknown) => !given || (isObject(actual) && Object.entries(given).every(([k, v]) => actual[k] === v));
  return c.data?.task === s.task && c.model?.name === s.model && fits(s.data, c.data) && fits(s.modelFields, c.model)
    && fits(s.optim as Json | undefined, c.optim) && (c.batchSize ?? 0) === (s.batchSize ?? 0);
}

/** One run's description, from the `config` of its config.json (null: unreadable). */
export function describeConfig(config: unknown): RunDescription {
  const c = (isObject(config) ? config : {}) as unknown as RunConfig;
  const data = (isObject(c.data) ? c.data : {}) as Json;
  const d = isObject(c.derive) ? (c.derive as unknown as Json) : null;
  const setting = SETTINGS.find((s) => hasSetting(c, s))?.name ?? null;
  const desc: Omit<RunDescription, 'summary'> = {
    setting,
    task: typeof data.task === 'string' ? data.task : null,
    model: typeof c.model?.name === 'string' ? c.model.name : null,
    derivation: d ? String(d.method) : 'dense',
    keep: d ? num(d.keepFraction) : null,
    fromEpoch: d && (typeof d.fromEpoch === 'number' || d.fromEpoch === 'final') ? d.fromEpoch : null,
    seed: num(data.seed),
    frac: num(data.fracTrain),
    weightDecay: num(c.optim?.weightDecay), lr: num(c.optim?.lr),
    epochs: num(c.epochs),
    baseEpochs: d && isObject(d.base) ? num(d.base.epochs) : null,
  };
  if (!isObject(config)) return { ...desc, summary: '?' };
  // a run outside the settings says its model, task and modulus (the settings fix theirs)
  const what = setting ?? [desc.model ?? '?', desc.task ?? '?', ...(typeof data.p === 'number' ? [`p ${data.p}`] : [])].join(' ');
  const parts = [
    what,
    desc.derivation,
    ...(desc.keep !== null ? [`keep ${desc.keep}`] : []),
    ...(desc.fromEpoch !== null && desc.fromEpoch !== 'final' ? [`from ${desc.fromEpoch}`] : []),
    `seed ${desc.seed ?? '?'}`,
    ...(desc.frac !== null ? [`frac ${desc.frac}`] : []),
    `wd ${desc.weightDecay ?? '?'}`,
    `${desc.epochs ?? '?'} epochs`,
    ...(desc.baseEpochs !== null && desc.baseEpochs !== desc.epochs ? [`(base ${desc.baseEpochs})`] : []),
  ];
  return { ...desc, summary: parts.join(' ') };
}

/** Leaf values of a JSON value by dotted path. */
function leaves(v: unknown, path = '', out = new Map<string, string>()): Map<string, string> {
  if (isObject(v)) for (const [k, x] of Object.entries(v)) leaves(x, path ? `${path}.${k}` : k, out);
  else out.set(path, JSON.stringify(v));
  return out;
}

/**
 * Descriptions of several stored runs, each config.json's `{ config, backend, codeVersion }`: where
 * two summaries coincide, each gets the fields in which it differs from the others that share its
 * summary, so no two runs read alike (runs with equal files would have one key).
 */
export function describeRuns(files: readonly unknown[]): RunDescription[] {
  const out = files.map((f) => describeConfig(isObject(f) ? f.config : null));
  const groups = new Map<string, number[]>();
  out.forEach((d, i) => groups.set(d.summary, [...(groups.get(d.summary) ?? []), i]));
  for (const members of groups.values()) {
    if (members.length < 2) continue;
    // the fields a run key hashes: the config's own (by their config paths), the backend and code version
    const flat = members.map((i) => {
      const f = isObject(files[i]) ? (files[i] as Json) : {};
      return leaves({ ...(isObject(f.config) ? f.config : {}), backend: f.backend, codeVersion: f.codeVersion });
    });
    const paths = [...new Set(flat.flatMap((m) => [...m.keys()]))].filter((p) => new Set(flat.map((m) => m.get(p))).size > 1).sort();
    members.forEach((i, j) => {
      const differs = paths.map((p) => `${p} ${flat[j].get(p) ?? 'unset'}`);
      if (differs.length) out[i] = { ...out[i], summary: `${out[i].summary} [${differs.join(', ')}]` };
    });
  }
  return out;
}
