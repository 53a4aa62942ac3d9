import { z } from 'zod';
import { derivations } from '../derive/index.ts';
import { losses } from '../losses/index.ts';
import type { Layout } from '../models/layout.ts';
import { models } from '../models/index.ts';
import type { ModelDef } from '../models/types.ts';
import type { LossDef } from '../losses/types.ts';
import { tasks } from '../tasks/index.ts';
import type { TaskDef, TaskShape } from '../tasks/types.ts';
import { checkBounds } from './bounds.ts';

/**
 * Every run config is validated here, before anything trains or touches the store: a bad value
 * fails at once with the field, the value given and what is allowed (Synaptic-Flow #12 found its
 * density mismatch only after the whole run).
 *
 * The data, model and derive groups are unions built from the registries (tasks, models,
 * derivations): `data.task`, `model.name` and `derive.method` pick the member, whose own schema
 * gives the fields and defaults. A component registered later (a test's toy model) joins the
 * unions the next time a config is parsed.
 */

const int = (min: number) => z.number().int().min(min);

const OptimSchema = z.strictObject({
  lr: z.number().positive().default(1e-3),
  beta1: z.number().min(0).lt(1).default(0.9),
  beta2: z.number().min(0).lt(1).default(0.98),
  eps: z.number().positive().default(1e-8),
  weightDecay: z.number().min(0).default(1),
});

const DEFAULT_TASK = 'add';

/** The data group: `task` and that task's fields. Every task has `seed` (its split or sample seed). */
export type DataConfig = { task: string; seed: number; p?: number; fracTrain?: number; symmetric?: boolean } & Record<string, unknown>;
/** The model group: `name` and that model's fields. */
export type ModelConfig = { name: string; weightScale?: number } & Record<string, unknown>;
export type OptimConfig = z.output<typeof OptimSchema>;

export interface DenseRunConfig {
  data: DataConfig;
  model: ModelConfig;
  optim: OptimConfig;
  /** Seeds θ0; the claims use the same value as data.seed. */
  initSeed: number;
  epochs: number;
  evalEvery: number;
  snapshotEvery: number;
  /**
   * Examples per optimiser step, in an order seeded by initSeed (src/train/minibatch.ts); 0 (the
   * default, which keeps every existing run key) = full batch, one step per epoch, as the paper.
   */
  batchSize: number;
}

/** A run derived from a dense base run; `method` names a registered derivation. */
export type DeriveConfig = { method: string; base: DenseRunConfig; keepFraction?: number; fromEpoch?: number | 'final' } & Record<string, unknown>;
export interface RunConfig extends DenseRunConfig {
  derive?: DeriveConfig;
}

type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> | T[K] : T[K] };
export type RunConfigInput = DeepPartial<Omit<RunConfig, 'derive'>> & { derive?: Record<string, unknown> };

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** A field given as `undefined` (an unset CLI flag) is a field not given, not an unknown one. */
const defined = (v: unknown): unknown => (isObject(v) ? Object.fromEntries(Object.entries(v).filter(([, x]) => x !== undefined)) : v);

/** Fills the discriminators: the task defaults to add, the model to the task's default model. */
function withDiscriminators(input: unknown): unknown {
  if (!isObject(input)) return input;
  // `grok train --task polynomial` passes p, fracTrain and symmetric unset: not fields of that task
  input = { ...input, ...(input.data === undefined ? {} : { data: defined(input.data) }), ...(input.model === undefined ? {} : { model: defined(input.model) }) };
  if (!isObject(input)) return input;
  const data = input.data === undefined ? {} : input.data;
  if (!isObject(data)) return input;
  const task = data.task ?? DEFAULT_TASK;
  const model = input.model === undefined ? {} : defined(input.model);
  if (!isObject(model)) return { ...input, data: { ...data, task } };
  const name = model.name ?? (typeof task === 'string' && tasks.has(task) ? tasks.get(task).defaultModel : 'mlp');
  return { ...input, data: { ...data, task }, model: { ...model, name } };
}

function unionOf(key: string, members: { name: string; schema: z.ZodObject<any> }[]) {
  const options = members.map((m) => m.schema.extend({ [key]: z.literal(m.name) }));
  return options.length === 1 ? options[0] : z.discriminatedUnion(key, options as [z.ZodObject<any>, z.ZodObject<any>, ...z.ZodObject<any>[]]);
}

interface Schemas {
  version: string;
  dense: z.ZodType<DenseRunConfig>;
  run: z.ZodType<RunConfig>;
}
let built: Schemas | undefined;

/** The run schemas from the registries as they are now (rebuilt after a registration). */
function schemas(): Schemas {
  const version = [tasks.version, models.version, derivations.version].join('.');
  if (built?.version === version) return built;
  const denseFields = {
    data: unionOf('task', tasks.all()),
    model: unionOf('name', models.all()),
    optim: OptimSchema.default(OptimSchema.parse({})),
    initSeed: int(0).default(0),
    epochs: int(1).default(30_000),
    evalEvery: int(1).default(10),
    snapshotEvery: int(1).default(2000),
    batchSize: int(0).default(0),
  };
  const dense = z.preprocess(withDiscriminators, z.strictObject(denseFields));
  const derive = unionOf(
    'method',
    derivations.all().map((d) => ({ name: d.name, schema: z.strictObject({ base: dense, ...d.fields }) })),
  );
  const run = z.preprocess(withDiscriminators, z.strictObject({ ...denseFields, derive: derive.optional() }));
  built = { version, dense: dense as unknown as z.ZodType<DenseRunConfig>, run: run as unknown as z.ZodType<RunConfig> };
  return built;
}

export class ConfigError extends Error {
  constructor(readonly issues: string[]) {
    super(`invalid config:\n  ${issues.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

function valueAt(input: unknown, path: PropertyKey[]): unknown {
  let v: unknown = input;
  for (const k of path) v = v && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[k] : undefined;
  return v;
}

const DISCRIMINATORS: Record<string, () => string[]> = { task: () => tasks.names(), name: () => models.names(), method: () => derivations.names() };

/** "data.p: 66 is invalid (must be a prime)" — the field, the value given and what is allowed. */
function formatIssues(error: z.ZodError, input: unknown): string[] {
  return error.issues.map((issue) => {
    const field = issue.path.length ? issue.path.map(String).join('.') : '(config)';
    const given = valueAt(input, issue.path);
    const shown = given === undefined ? 'missing' : JSON.stringify(given);
    let allowed = issue.message;
    if (issue.code === 'invalid_value' && 'values' in issue) allowed = `allowed values: ${(issue.values as unknown[]).join(', ')}`;
    if (issue.code === 'unrecognized_keys') return `${field}: unknown field(s) ${issue.keys.join(', ')}`;
    if (issue.code === 'invalid_union') {
      // an unknown task / model / method: say which are registered
      const last = String(issue.path.at(-1) ?? '');
      const disc = 'discriminator' in issue ? String((issue as { discriminator?: string }).discriminator) : undefined;
      const key = disc ?? (last in DISCRIMINATORS ? last : undefined);
      if (key && DISCRIMINATORS[key]) {
        const at = [...issue.path, ...(disc && last !== disc ? [disc] : [])];
        const v = valueAt(input, at);
        return `${at.map(String).join('.')}: ${v === undefined ? 'missing' : JSON.stringify(v)} is invalid (allowed values: ${DISCRIMINATORS[key]().join(', ')})`;
      }
    }
    return `${field}: ${shown} is invalid (${allowed})`;
  });
}

/** The registered components a config names, and the layout they make. */
export interface Resolved {
  task: TaskDef;
  model: ModelDef;
  loss: LossDef;
  shape: TaskShape;
  layout: Layout;
}

export function resolve(c: DenseRunConfig): Resolved {
  const task = tasks.get(c.data.task);
  const model = models.get(c.model.name);
  const loss = losses.get(task.loss);
  const { task: _t, ...dataFields } = c.data;
  const { name: _n, ...modelFields } = c.model;
  const shape = task.shape(dataFields);
  return { task, model, loss, shape, layout: model.layout(modelFields, shape) };
}

/** Cross-group checks: the model can take the task's input, and the task's own rules. */
function checkSetting(c: DenseRunConfig, where = ''): string[] {
  const task = tasks.get(c.data.task);
  const model = models.get(c.model.name);
  const { task: _t, ...dataFields } = c.data;
  const issues = (task.check?.(dataFields) ?? []).map((s) => where + s);
  const shape = task.shape(dataFields);
  if (!model.accepts.includes(shape.inputKind)) {
    issues.push(`${where}model.name: ${JSON.stringify(model.name)} is invalid (it takes ${model.accepts.join(' or ')} inputs; task ${task.name} gives ${shape.inputKind}; use --model ${task.defaultModel})`);
  } else if (shape.commutative === false && !model.orderAware) {
    issues.push(`${where}model.name: ${JSON.stringify(model.name)} is invalid (its output cannot depend on the order of the tokens, so it cannot learn ${task.name}, which is not commutative; use --model ${task.defaultModel})`);
  }
  if (issues.length) return issues;
  try {
    resolve(c);
  } catch (err) {
    issues.push(`${where}model: ${err instanceof Error ? err.message : String(err)}`);
    return issues;
  }
  return checkBounds(c, where);
}

function parseWith<T>(schema: z.ZodType<T>, input: unknown): T {
  const r = schema.safeParse(input);
  if (!r.success) throw new ConfigError(formatIssues(r.error, input));
  const out = r.data;
  const issues = checkSetting(out as unknown as DenseRunConfig);
  const derive = (out as RunConfig).derive;
  if (derive) issues.push(...checkSetting(derive.base, 'derive.base.'), ...checkDerivation(out as RunConfig));
  if (issues.length) throw new ConfigError(issues);
  return out;
}

export const parseRunConfig = (input: unknown): RunConfig => parseWith(schemas().run, input);

/** A derived run trains the same network on the same split as its base. */
function checkDerivation(c: RunConfig): string[] {
  const d = c.derive!;
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  const issues: string[] = [];
  if (!same(c.data, d.base.data)) issues.push('data: must equal derive.base.data (a ticket is trained on its base run\'s split)');
  if (!same(c.model, d.base.model)) issues.push('model: must equal derive.base.model');
  if (c.initSeed !== d.base.initSeed) issues.push('initSeed: must equal derive.base.initSeed (tickets rewind to the base run\'s θ0)');
  const from = d.fromEpoch;
  if (typeof from === 'number') {
    const b = d.base;
    if (from > b.epochs || (from % b.snapshotEvery !== 0 && from !== b.epochs)) {
      issues.push(`derive.fromEpoch: ${from} is invalid (the base run snapshots 0, ${b.snapshotEvery}, 2·${b.snapshotEvery}, … and ${b.epochs}; or use 'final')`);
    }
  }
  return issues;
}

let defaults: { version: string; run: RunConfig } | undefined;

/** The default run: the paper MLP on modular addition (the defaults of every group). */
export function defaultRun(): RunConfig {
  const s = schemas();
  if (defaults?.version !== s.version) defaults = { version: s.version, run: s.run.parse({}) };
  return structuredClone(defaults.run);
}

/** The dense base run's config as a full RunConfig. */
export function denseRun(input: RunConfigInput): RunConfig {
  return parseRunConfig(input);
}

/** Training settings a derived run may change (e.g. App. E trains tickets without weight decay). */
export interface DeriveOverrides {
  epochs?: number;
  optim?: Partial<OptimConfig>;
}

/** A run derived from `base` (a dense run): same split, θ0 and, unless overridden, training. */
export function derivedRun(base: RunConfig, derive: { method: string } & Record<string, unknown>, overrides: DeriveOverrides = {}): RunConfig {
  const { derive: _ignored, ...dense } = base;
  return parseRunConfig({
    ...dense,
    epochs: overrides.epochs ?? dense.epochs,
    optim: { ...dense.optim, ...overrides.optim },
    derive: { ...derive, base: dense },
  });
}

/** The grokking ticket of a dense run: magnitude mask of its final (or given) snapshot. */
export function ticketRun(base: RunConfig, opts: { keepFraction: number; fromEpoch?: number | 'final'; allowEmptyLayers?: boolean }, overrides: DeriveOverrides = {}): RunConfig {
  return derivedRun(base, { method: 'magnitude', fromEpoch: opts.fromEpoch ?? 'final', keepFraction: opts.keepFraction, allowEmptyLayers: opts.allowEmptyLayers }, overrides);
}
