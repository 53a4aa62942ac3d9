import { z } from 'zod';
import { TASK_NAMES } from '../data/tasks.ts';
import { isPrime } from '../data/primes.ts';

/**
 * Every run config is validated here, before anything trains or touches the store: a bad value
 * fails at once with the field, the value given and what is allowed (Synaptic-Flow #12 found its
 * density mismatch only after the whole run).
 */

const int = (min: number) => z.number().int().min(min);

export const DataSchema = z.strictObject({
  task: z.enum(TASK_NAMES).default('add'),
  p: int(2).refine(isPrime, { message: 'must be a prime' }).default(67),
  fracTrain: z.number().gt(0).lt(1).default(0.4),
  /** The authors' pairs a ≤ b, diagonal included (2278 for p = 67; spec §1.1). */
  symmetric: z.boolean().default(true),
  /** Seeds the CPython-compatible split. */
  seed: int(0).default(0),
});

export const ModelSchema = z.strictObject({
  dEmb: int(1).default(500),
  dModel: int(1).default(48),
  weightScale: z.number().positive().default(1),
});

export const OptimSchema = z.strictObject({
  lr: z.number().positive().default(1e-3),
  beta1: z.number().min(0).lt(1).default(0.9),
  beta2: z.number().min(0).lt(1).default(0.98),
  eps: z.number().positive().default(1e-8),
  weightDecay: z.number().min(0).default(1),
});

const DenseFields = {
  data: DataSchema.default(DataSchema.parse({})),
  model: ModelSchema.default(ModelSchema.parse({})),
  optim: OptimSchema.default(OptimSchema.parse({})),
  /** Seeds θ0; the claims use the same value as data.seed. */
  initSeed: int(0).default(0),
  epochs: int(1).default(30_000),
  evalEvery: int(1).default(10),
  snapshotEvery: int(1).default(2000),
};

export const DenseRunSchema = z.strictObject(DenseFields);

/**
 * A run derived from a trained dense run (open_lth's "branch"): the grokking ticket and its
 * controls. All of them start from the base run's θ0 and train on its split.
 */
const keepFraction = z.number().gt(0).max(1);
const fromEpoch = z.union([z.literal('final'), int(0)]).default('final');

export { PAI_METHODS as PAI_SCORERS } from '../prune/scores.ts';
import { PAI_METHODS } from '../prune/scores.ts';

export const DeriveSchema = z.discriminatedUnion('method', [
  /** Grokking ticket: global magnitude mask of θ_fromEpoch, rewound to θ0 (spec §4). */
  z.strictObject({
    method: z.literal('magnitude'),
    base: DenseRunSchema,
    /** Which snapshot of the base run is pruned: 'final' or an epoch that was snapshotted. */
    fromEpoch,
    /** Fraction of weights KEPT (the authors' "sparsity"); pruning ratio k = 1 − keepFraction. */
    keepFraction,
    /** A sweep to extreme ratios may prune a whole layer; anywhere else that is an error. */
    allowEmptyLayers: z.boolean().default(false),
  }),
  /** Controlled dense model (spec §5): θ0 scaled so its L1 or L2 norm equals the ticket's. */
  z.strictObject({
    method: z.literal('normMatched'),
    base: DenseRunSchema,
    fromEpoch,
    keepFraction,
    norm: z.enum(['l1', 'l2']),
    /** 'paper': global norms ‖θ0⊙m‖/‖θ0‖; 'code': the authors' sum of per-layer norms (spec §12.6). */
    ratio: z.enum(['paper', 'code']).default('paper'),
  }),
  /** Pruning at initialisation (spec §6): a mask from PaI scores, rewound to θ0. */
  z.strictObject({
    method: z.literal('pai'),
    base: DenseRunSchema,
    scorer: z.enum(PAI_METHODS),
    /** 'init' scores θ0 (the paper, App. G); 'final' scores the trained weights (the authors' code default). */
    scoreAt: z.enum(['init', 'final']).default('init'),
    keepFraction,
    /** Seeds the random scorer. */
    scoreSeed: int(0).default(0),
  }),
  /** Edge-popup (spec §7): learn per-layer top-k scores on the frozen (or trained) θ_fromEpoch. */
  z.strictObject({
    method: z.literal('edgePopup'),
    base: DenseRunSchema,
    /** The memorising checkpoint θ_mem. */
    fromEpoch: int(0),
    keepFraction,
    /** false: "EP w/o WD" (weights frozen); true: "EP w/ WD" (weights and scores trained). */
    trainWeights: z.boolean(),
    scoreSeed: int(0).default(0),
  }),
  /** Plain continuation of the dense run from θ_fromEpoch (Table 1's "WD" arm). */
  z.strictObject({
    method: z.literal('continue'),
    base: DenseRunSchema,
    fromEpoch: int(0),
  }),
]);

export const RunSchema = z.strictObject({ ...DenseFields, derive: DeriveSchema.optional() });

export type DataConfig = z.output<typeof DataSchema>;
export type ModelConfig = z.output<typeof ModelSchema>;
export type OptimConfig = z.output<typeof OptimSchema>;
export type DenseRunConfig = z.output<typeof DenseRunSchema>;
export type DeriveConfig = z.output<typeof DeriveSchema>;
export type RunConfig = z.output<typeof RunSchema>;
export type RunConfigInput = z.input<typeof RunSchema>;

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

/** "data.p: 66 is invalid (must be a prime)" — the field, the value given and what is allowed. */
export function formatIssues(error: z.ZodError, input: unknown): string[] {
  return error.issues.map((issue) => {
    const field = issue.path.length ? issue.path.map(String).join('.') : '(config)';
    const given = valueAt(input, issue.path);
    const shown = given === undefined ? 'missing' : JSON.stringify(given);
    let allowed = issue.message;
    if (issue.code === 'invalid_value' && 'values' in issue) allowed = `allowed values: ${(issue.values as unknown[]).join(', ')}`;
    if (issue.code === 'unrecognized_keys') return `${field}: unknown field(s) ${issue.keys.join(', ')}`;
    return `${field}: ${shown} is invalid (${allowed})`;
  });
}

export function parseWith<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const r = schema.safeParse(input);
  if (!r.success) throw new ConfigError(formatIssues(r.error, input));
  const out = r.data as z.output<S>;
  checkDerivation(out);
  return out;
}

export const parseRunConfig = (input: unknown): RunConfig => parseWith(RunSchema, input);

/** A derived run trains the same network on the same split as its base. */
function checkDerivation(cfg: unknown): void {
  const c = cfg as Partial<RunConfig>;
  if (!c.derive) return;
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  const issues: string[] = [];
  if (!same(c.data, c.derive.base.data)) issues.push('data: must equal derive.base.data (a ticket is trained on its base run\'s split)');
  if (!same(c.model, c.derive.base.model)) issues.push('model: must equal derive.base.model');
  if (c.initSeed !== c.derive.base.initSeed) issues.push('initSeed: must equal derive.base.initSeed (tickets rewind to the base run\'s θ0)');
  const from = 'fromEpoch' in c.derive ? c.derive.fromEpoch : undefined;
  if (typeof from === 'number') {
    const b = c.derive.base;
    if (from > b.epochs || (from % b.snapshotEvery !== 0 && from !== b.epochs)) {
      issues.push(`derive.fromEpoch: ${from} is invalid (the base run snapshots 0, ${b.snapshotEvery}, 2·${b.snapshotEvery}, … and ${b.epochs}; or use 'final')`);
    }
  }
  if (issues.length) throw new ConfigError(issues);
}

export const DEFAULT_RUN: RunConfig = RunSchema.parse({});

/** The dense base run's config as a full RunConfig. */
export function denseRun(input: z.input<typeof DenseRunSchema>): RunConfig {
  return parseRunConfig(input);
}

/** Training settings a derived run may change (e.g. App. E trains tickets without weight decay). */
export interface DeriveOverrides {
  epochs?: number;
  optim?: Partial<OptimConfig>;
}

/** A run derived from `base` (a dense run): same split, θ0 and, unless overridden, training. */
type WithoutBase<T> = T extends unknown ? Omit<T, 'base'> : never;

export function derivedRun(base: RunConfig, derive: WithoutBase<z.input<typeof DeriveSchema>>, overrides: DeriveOverrides = {}): RunConfig {
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
