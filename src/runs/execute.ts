import { currentBackend, initBackend, type BackendDecision } from '../backend/choose.ts';
import { environment, type Environment } from '../backend/info.ts';
import { defaultRun, parseRunConfig, resolve, type DenseRunConfig, type RunConfig, type RunConfigInput } from '../config/schema.ts';
import { derivations } from '../derive/index.ts';
import { announceEngine, engineFor, type EngineUse } from '../engines/choose.ts';
import type { Prepared } from '../derive/types.ts';
import { runCode } from './code-identity.ts';
import type { Layout } from '../models/layout.ts';
import { modelInit, models } from '../models/index.ts';
import { fromStateDict, MASK_PREFIX, toStateDict } from '../models/state-dict.ts';
import { assertMask, maskDensity, type LayerDensity } from '../prune/mask.ts';
import { canonicalJson, codeVersion, runKey } from '../store/hash.ts';
import { openRun, RunStore, type RunContext } from '../store/store.ts';
import { tasks } from '../tasks/index.ts';
import { canTrainInLanes, oneLane, trainLoop, type Progress, type ResumeState, type RunIO, type RunLog } from '../train/loop.ts';
import type { Split } from '../tasks/types.ts';
import { milestones, type Milestones } from '../train/milestones.ts';
import { stepsPerEpoch } from '../train/minibatch.ts';
import { checkedResume } from './resume-check.ts';

/**
 * One run = one directory in the store, keyed by its normalised config and the code version.
 * A derived run (a ticket) first gets its base run — from the store, or by training it — so a
 * dense run shared by several claims is trained once.
 */

/**
 * The code whose change must invalidate a stored run: the files the core and the run's task, model,
 * loss and derivation import (src/runs/code-identity.ts), so that adding or changing one component
 * does not retrain the runs of the others.
 */
export function codeVersionOf(config: RunConfig): string {
  return codeVersion(runCode(config));
}

export interface RunMeta {
  environment: Environment;
  /** What trained it: the native engine (addon source, OpenBLAS version and kernel) and/or the tfjs backend. */
  engine?: string;
  durationMs: number;
  startedAt: string;
  finishedAt: string;
  maskDensity?: LayerDensity[];
  keepFraction?: number;
  /** normMatched runs: the factor θ0 was scaled by. */
  normRatio?: number;
  resumedFromEpoch?: number;
  /** Trained as lane `lane` of a population of `size` runs (durationMs is then the population's). */
  population?: PopulationMeta;
}

export interface RunResult {
  key: string;
  config: RunConfig;
  log: RunLog;
  milestones: Milestones;
  meta: RunMeta;
  dir: string;
  /** true when this process found the run finished in the store. */
  cached: boolean;
  /** The backend id the run is keyed with (its key cannot be recomputed without it). */
  backend: string;
}

export interface RunOptions {
  store?: RunStore;
  label?: string;
  onProgress?: (label: string, p: Progress) => void;
  /** Interrupting a run loses at most this many epochs. */
  resumeEvery?: number;
  /** Test hook: stop after this epoch as if the process were killed. */
  stopAfterEpoch?: number;
  /** Train as a lane of this population when the run can (src/runs/population.ts). */
  population?: { group: PopulationGroup; index: number };
}

/** How a population member meets the others (src/runs/population.ts implements it). */
export interface PopulationGroup {
  /** Trains with the others once every member has joined or left; null: too late, train alone. */
  join(index: number, run: PreparedRun): Promise<{ log: RunLog | null; lanes?: PopulationMeta }> | null;
  /** This member trains alone or not at all (found in the store, locked elsewhere, not lane-capable, failed). */
  leave(index: number): void;
}

/** Recorded in meta.json of a run trained as a lane: an execution detail, not part of the run's key. */
export interface PopulationMeta {
  /** Runs trained together. */
  size: number;
  lane: number;
}

let defaultStore: RunStore | undefined;
export function getStore(): RunStore {
  defaultStore ??= new RunStore();
  return defaultStore;
}

/**
 * Which engine trains this run (src/engines/choose.ts), from its config alone: the native engine
 * where it has the model's kernels and the training is plain AdamW on θ ⊙ M, else tfjs.
 */
export function engineOf(config: RunConfig, tfjs: BackendDecision = currentBackend()): EngineUse {
  const { model, loss } = resolve(config);
  const ownStepper = !!config.derive && !!derivations.get(config.derive.method).ownStepper;
  return engineFor({ model, loss, training: ownStepper ? 'stepper' : 'dense' }, tfjs);
}

/** The run's store key: its normalised config, the code version and the engine (default: the one chosen for it). */
export function keyOf(config: RunConfig, backend: string = engineOf(config).id): string {
  return runKey(config, defaultRun(), codeVersionOf(config), backend);
}

export function layoutOf(config: DenseRunConfig): Layout {
  return resolve(config).layout;
}

const LOG_FIELDS = ['epochs', 'trainLoss', 'trainAcc', 'testLoss', 'testAcc', 'l1', 'l2', 'l1Mask', 'l2Mask', 'trainAccEvery'] as const;

/**
 * Accuracy is NaN where a task has no classes (regression: spec §1.6); JSON has no NaN, so
 * metrics.json stores it as null and reading turns it back. A log without NaN is stored as before.
 */
type StoredLog = Record<string, (number | null)[] | RunLog['diverged']>;

function logToJson(log: RunLog): StoredLog {
  const columns: StoredLog = Object.fromEntries(LOG_FIELDS.map((f) => [f, log[f].map((x) => (Number.isNaN(x) ? null : x))]));
  return log.diverged ? { ...columns, diverged: log.diverged } : columns;
}

function logFromJson(stored: StoredLog): RunLog {
  const log = Object.fromEntries(LOG_FIELDS.map((f) => [f, (stored[f] as (number | null)[]).map((x) => x ?? Number.NaN)])) as unknown as RunLog;
  if (stored.diverged) log.diverged = stored.diverged as RunLog['diverged'];
  return log;
}

/**
 * The resume file is ours alone (unlike the checkpoints): flat θ and the AdamW moments m, v in our
 * layout order and orientation, the log so far as float64, and the step count in the metadata.
 */
function encodeResume(s: ResumeState): { tensors: Record<string, Float32Array | Float64Array>; meta: { step: number } } {
  const tensors: Record<string, Float32Array | Float64Array> = { theta: s.theta, m: s.optim.m, v: s.optim.v };
  for (const f of LOG_FIELDS) tensors[`log.${f}`] = Float64Array.from(s.log[f]);
  return { tensors, meta: { step: s.optim.step } };
}

function decodeResume(tensors: Record<string, ArrayLike<number>>, meta: { step: number }): ResumeState {
  const log = Object.fromEntries(LOG_FIELDS.map((f) => [f, Array.from(tensors[`log.${f}`])])) as unknown as RunLog;
  return {
    theta: tensors.theta as Float32Array,
    optim: { m: tensors.m as Float32Array, v: tensors.v as Float32Array, step: meta.step },
    log,
  };
}

/**
 * Checkpoints hold the authors' state dict (src/models/state-dict.ts); the metadata says what the
 * file is without its run directory: the run's key, model and sizes, and the epoch or keep fraction.
 */
function checkpointMeta(key: string, layout: Layout, extra: Record<string, string | number>): Record<string, string | number> {
  return { run: key, model: layout.model, dims: canonicalJson(layout.dims), ...extra };
}

async function loadStateDict(run: { dir: string; config: RunConfig }, name: string, prefix: string): Promise<Float32Array> {
  const reader = openRun(run.dir);
  const rec = await reader.loadCheckpoint(name);
  return fromStateDict(resolve(run.config).layout, rec.tensors, rec.shapes, prefix, `checkpoint ${name} of ${run.dir}`);
}

/** θ after `epoch` updates (0 = θ0) of a finished run. */
export async function snapshot(run: { dir: string; config: RunConfig; log?: RunLog }, epoch: number | 'final'): Promise<Float32Array> {
  const e = epoch === 'final' ? run.config.epochs : epoch;
  const d = run.log?.diverged;
  if (d && e >= d.epoch && !openRun(run.dir).hasCheckpoint(String(e))) {
    throw new Error(`the run in ${run.dir} diverged at epoch ${d.epoch} (${d.reason}), so it has no snapshot at epoch ${e}; derive from an earlier epoch or fix its optimiser settings`);
  }
  return loadStateDict(run, String(e), '');
}

/** The fixed mask of a derived run (null for a dense run). */
export async function runMask(run: { dir: string; config: RunConfig }): Promise<Float32Array | null> {
  if (!openRun(run.dir).hasCheckpoint('mask')) return null;
  return loadStateDict(run, 'mask', MASK_PREFIX);
}

/** A run ready for its first (or resumed) step: data, its start, where its files go. */
export interface PreparedRun {
  config: RunConfig;
  label: string;
  resolved: ReturnType<typeof resolve>;
  split: Split;
  prepared: Prepared;
  io: RunIO;
  /** The resume file's step, 0 for a fresh run: a population's runs must share it. */
  resumeStep: number;
  /** Interrupting the run loses at most this many epochs. */
  resumeEvery: number;
  extra: Partial<RunMeta>;
  started: number;
  decision: BackendDecision;
  /** The engine that trains it (its id is in the run key). */
  engine: EngineUse;
  ctx: RunContext;
}

async function prepareRun(config: RunConfig, key: string, ctx: RunContext, opts: RunOptions, store: RunStore): Promise<PreparedRun> {
  const started = Date.now();
  const decision = await initBackend();
  const resolved = resolve(config);
  const { task, model, loss, shape, layout } = resolved;
  const { task: _name, ...dataFields } = config.data;
  const split = task.make(dataFields);

  // start: a fresh θ0, or what the derivation makes of its base run (a ticket, a control, …)
  let prepared: Prepared = { theta0: modelInit(model, layout, config.initSeed, config.model) };
  const extra: Partial<RunMeta> = {};
  const d = config.derive;
  if (d) {
    const base = await getRun(d.base, { ...opts, store, stopAfterEpoch: undefined, population: undefined, label: `${opts.label ?? 'run'} › base` });
    prepared = await derivations.get(d.method).prepare({
      derive: d, model, loss, layout, split, outputSize: shape.outputSize, optim: config.optim,
      baseSnapshot: (epoch) => snapshot(base, epoch),
    });
    if (typeof d.keepFraction === 'number') extra.keepFraction = d.keepFraction;
    Object.assign(extra, prepared.meta);
    if (prepared.mask) {
      // Synaptic-Flow #12: check the density now, not after the run
      assertMask(prepared.mask, layout.layers, prepared.allowEmptyLayers ?? false);
      extra.maskDensity = maskDensity(prepared.mask, layout.layers);
      const keep: Record<string, number> = typeof extra.keepFraction === 'number' ? { keepFraction: extra.keepFraction } : {};
      await ctx.saveCheckpoint('mask', toStateDict(layout, prepared.mask, MASK_PREFIX), checkpointMeta(key, layout, keep));
    }
  }

  // the resume state counts optimiser steps; a minibatch epoch takes several
  const perEpoch = config.batchSize > 0 ? stepsPerEpoch(split.train.n, config.batchSize) : 1;
  const resume = await checkedResume(ctx, { layout, ownStepper: !!prepared.stepper, epochs: config.epochs, perEpoch, logFields: LOG_FIELDS });
  const resumeStep = resume ? Number(resume.meta.step) : 0;
  if (resume) extra.resumedFromEpoch = resumeStep / perEpoch;
  return {
    config, label: opts.label ?? 'run', resolved, split, prepared, resumeStep, extra, started, decision, ctx, engine: engineOf(config, decision),
    resumeEvery: opts.resumeEvery ?? Math.max(config.evalEvery, Math.min(1000, config.snapshotEvery)),
    io: {
      loadResume: async () => (resume ? decodeResume(resume.tensors, { step: resumeStep }) : null),
      saveResume: async (s) => {
        const { tensors, meta } = encodeResume(s);
        await ctx.saveResume(tensors, meta);
      },
      saveSnapshot: (epoch, theta) => ctx.saveCheckpoint(String(epoch), toStateDict(layout, theta), checkpointMeta(key, layout, { epoch })),
    },
  };
}

/** The loop's fixed part for a prepared run (a population's runs share it). */
export function loopShape(run: PreparedRun) {
  const { model, loss, layout, shape } = run.resolved;
  const c = run.config;
  return {
    model, loss, layout, outputSize: shape.outputSize, epochs: c.epochs, evalEvery: c.evalEvery, snapshotEvery: c.snapshotEvery,
    ...(c.batchSize > 0 ? { minibatch: { size: c.batchSize, seed: c.initSeed } } : {}),
  };
}

/** Whether a prepared run can be a lane of a population (tfjs, dense stepper, full batch, a lane-capable model and loss). */
export function laneCapable(run: PreparedRun): boolean {
  return run.engine.engine.name === 'tfjs' && !run.prepared.stepper && run.config.batchSize === 0 && canTrainInLanes(run.resolved.model, run.resolved.loss);
}

function trainAlone(run: PreparedRun, opts: RunOptions): Promise<RunLog | null> {
  const { layout } = run.resolved;
  const { prepared } = run;
  const own = prepared.stepper;
  if (own && run.engine.engine.name !== 'tfjs') throw new Error(`${run.label}: its derivation has its own stepper, which only the tfjs engine runs; declare ownStepper in its registration`);
  return trainLoop(
    {
      ...loopShape(run), split: run.split, engine: run.engine.engine,
      training: own
        ? { kind: 'stepper', stepper: ([r]) => oneLane(own(r)) }
        : { kind: 'dense', optim: run.config.optim, lanes: [{ theta0: prepared.theta0, mask: prepared.mask ?? null }] },
    },
    {
      ...run.io, resumeEvery: run.resumeEvery, stopAfterEpoch: opts.stopAfterEpoch,
      onProgress: opts.onProgress ? (p) => opts.onProgress!(run.label, p) : undefined,
    },
  );
}

/** Writes a trained run's results; its checkpoints are already on disk. */
async function finishRun(run: PreparedRun, log: RunLog | null, stopAfterEpoch: number | undefined, lanes?: PopulationMeta): Promise<void> {
  if (!log) throw new RunInterrupted(stopAfterEpoch ?? -1);
  const meta: RunMeta = {
    environment: await environment(run.decision), engine: run.engine.id, durationMs: Date.now() - run.started, startedAt: new Date(run.started).toISOString(),
    finishedAt: new Date().toISOString(), ...run.extra, ...(lanes ? { population: lanes } : {}),
  };
  await run.ctx.writeJson('metrics.json', logToJson(log));
  await run.ctx.writeJson('meta.json', meta);
}

async function compute(config: RunConfig, key: string, ctx: RunContext, opts: RunOptions, store: RunStore): Promise<void> {
  const member = opts.population;
  let run: PreparedRun;
  try {
    run = await prepareRun(config, key, ctx, opts, store);
  } catch (err) {
    member?.group.leave(member.index);
    throw err;
  }
  const joined = member && laneCapable(run) ? member.group.join(member.index, run) : null;
  if (!joined) {
    member?.group.leave(member.index);
    return finishRun(run, await trainAlone(run, opts), opts.stopAfterEpoch);
  }
  const { log, lanes } = await joined;
  await finishRun(run, log, opts.stopAfterEpoch, lanes);
}

/** Thrown by the stopAfterEpoch test hook: the run stopped as if killed, its resume state on disk. */
export class RunInterrupted extends Error {
  constructor(readonly epoch: number) {
    super(`run stopped after epoch ${epoch} (test hook)`);
    this.name = 'RunInterrupted';
  }
}

export async function getRun(input: RunConfig | RunConfigInput, opts: RunOptions = {}): Promise<RunResult> {
  const config = parseRunConfig(input);
  const store = opts.store ?? getStore();
  const backend = engineOf(config, await initBackend()).id;
  announceEngine();
  const key = keyOf(config, backend);
  let computed = false;
  const result = await store.getOrCompute(
    key,
    config,
    async (ctx) => {
      computed = true;
      await compute(config, key, ctx, opts, store);
    },
    async (dir, run) => {
      const log = logFromJson(await run.readJson<StoredLog>('metrics.json'));
      const meta = await run.readJson<RunMeta>('meta.json');
      return { key, config, log, meta, dir, milestones: milestones(log, tasks.get(config.data.task).milestone), cached: false, backend };
    },
    {
      codeVersion: codeVersionOf(config), defaults: defaultRun(), backend,
      // waiting for another process (or another call here) to compute it: the population goes on without it
      onWait: opts.population ? () => opts.population!.group.leave(opts.population!.index) : undefined,
    },
  );
  // found in the store: nothing to join (a no-op for a member that joined)
  opts.population?.group.leave(opts.population.index);
  return { ...result, cached: !computed, backend };
}
