import { initBackend } from '../backend/choose.ts';
import { environment, type Environment } from '../backend/info.ts';
import { DEFAULT_RUN, parseRunConfig, type RunConfig, type RunConfigInput } from '../config/schema.ts';
import { makeDataset } from '../data/split.ts';
import { initTheta } from '../model/init.ts';
import { mlpLayout, type Layout } from '../model/layout.ts';
import { normRatios, scaleTheta } from '../analysis/norm-match.ts';
import { makeTokenBatch } from '../model/mlp.ts';
import { magnitudeMask } from '../prune/magnitude.ts';
import { assertMask, globalMask, maskDensity, type LayerDensity } from '../prune/mask.ts';
import { paiScores } from '../prune/scores.ts';
import { codeVersion, runKey } from '../store/hash.ts';
import { openRun, RunStore, type RunContext } from '../store/store.ts';
import { milestones, type Milestones } from '../train/milestones.ts';
import { initScores, trainEdgePopup } from '../train/edge-popup.ts';
import { train, type Progress, type ResumeState, type RunLog, type TrainIO } from '../train/train.ts';

/**
 * One run = one directory in the store, keyed by its normalised config and the code version.
 * A derived run (a ticket) first gets its base run — from the store, or by training it — so a
 * dense run shared by several claims is trained once.
 */

/**
 * The code whose change must invalidate a stored run (a bug fix must never reuse stale results):
 * what every run executes, plus the module of its derivation method, so that a change to one
 * method does not retrain every other run.
 */
export const TRAINING_CODE = [
  'src/data', 'src/model', 'src/optim', 'src/train/train.ts', 'src/train/norms.ts', 'src/train/milestones.ts',
  'src/prune/mask.ts', 'src/prune/magnitude.ts', 'src/runs/execute.ts', 'src/config/schema.ts',
];
const METHOD_CODE: Record<string, string[]> = {
  magnitude: [],
  continue: [],
  normMatched: ['src/analysis/norm-match.ts'],
  pai: ['src/prune/random.ts', 'src/prune/snip.ts', 'src/prune/grasp.ts', 'src/prune/synflow.ts', 'src/prune/scores.ts'],
  edgePopup: ['src/train/edge-popup.ts'],
};

export function codeVersionOf(config: RunConfig): string {
  return codeVersion([...TRAINING_CODE, ...(config.derive ? METHOD_CODE[config.derive.method] : [])]);
}

export interface RunMeta {
  environment: Environment;
  durationMs: number;
  startedAt: string;
  finishedAt: string;
  maskDensity?: LayerDensity[];
  keepFraction?: number;
  /** normMatched runs: the factor θ0 was scaled by. */
  normRatio?: number;
  resumedFromEpoch?: number;
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
}

export interface RunOptions {
  store?: RunStore;
  label?: string;
  onProgress?: (label: string, p: Progress) => void;
  /** Interrupting a run loses at most this many epochs. */
  resumeEvery?: number;
  /** Test hook: stop after this epoch as if the process were killed. */
  stopAfterEpoch?: number;
}

let defaultStore: RunStore | undefined;
export function getStore(): RunStore {
  defaultStore ??= new RunStore();
  return defaultStore;
}

export function keyOf(config: RunConfig): string {
  return runKey(config, DEFAULT_RUN, codeVersionOf(config));
}

export function layoutOf(config: RunConfig): Layout {
  return mlpLayout({ p: config.data.p, dEmb: config.model.dEmb, dModel: config.model.dModel });
}

const LOG_FIELDS = ['epochs', 'trainLoss', 'trainAcc', 'testLoss', 'testAcc', 'l1', 'l2', 'l1Mask', 'l2Mask', 'trainAccEvery'] as const;

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

/** θ after `epoch` updates (0 = θ0) of a finished run. */
export async function snapshot(run: { dir: string; config: RunConfig }, epoch: number | 'final'): Promise<Float32Array> {
  const e = epoch === 'final' ? run.config.epochs : epoch;
  const rec = await openRun(run.dir).loadCheckpoint(String(e));
  return rec.tensors.theta as Float32Array;
}

/** The fixed mask of a derived run (null for a dense run). */
export async function runMask(run: { dir: string; config: RunConfig }): Promise<Float32Array | null> {
  const reader = openRun(run.dir);
  if (!reader.hasCheckpoint('mask')) return null;
  return (await reader.loadCheckpoint('mask')).tensors.mask as Float32Array;
}

async function compute(config: RunConfig, ctx: RunContext, opts: RunOptions, store: RunStore): Promise<void> {
  const started = Date.now();
  const decision = await initBackend();
  const layout = layoutOf(config);
  const data = makeDataset(config.data);

  let theta0 = initTheta(layout, config.initSeed, config.model.weightScale);
  let runMask: Float32Array | null = null;
  const extra: Partial<RunMeta> = {};
  if (config.derive) {
    const d = config.derive;
    const base = await getRun(d.base, { ...opts, store, stopAfterEpoch: undefined, label: `${opts.label ?? 'run'} › base` });
    theta0 = await snapshot(base, 0); // rewind to the base run's exact θ0
    if ('keepFraction' in d) extra.keepFraction = d.keepFraction;
    if (d.method === 'magnitude') {
      runMask = magnitudeMask(await snapshot(base, d.fromEpoch), d.keepFraction);
    } else if (d.method === 'continue' || d.method === 'edgePopup') {
      theta0 = await snapshot(base, d.fromEpoch); // θ_mem, not rewound
    } else if (d.method === 'normMatched') {
      const ticketMask = magnitudeMask(await snapshot(base, d.fromEpoch), d.keepFraction);
      const r = normRatios(layout, theta0, ticketMask);
      const ratio = d.norm === 'l1' ? (d.ratio === 'paper' ? r.r1Global : r.r1Code) : d.ratio === 'paper' ? r.r2Global : r.r2Code;
      theta0 = scaleTheta(theta0, ratio);
      extra.normRatio = ratio;
    } else {
      const scored = d.scoreAt === 'init' ? theta0 : await snapshot(base, 'final');
      const batch = makeTokenBatch(data.trainA, data.trainB, data.trainY, data.p);
      try {
        runMask = globalMask(paiScores(d.scorer, layout, scored, batch, d.scoreSeed), d.keepFraction);
      } finally {
        batch.dispose();
      }
    }
    if (runMask) {
      // Synaptic-Flow #12: check the density now, not after the run
      assertMask(runMask, layout.layers, d.method === 'magnitude' && d.allowEmptyLayers);
      extra.maskDensity = maskDensity(runMask, layout.layers);
      await ctx.saveCheckpoint('mask', { mask: runMask }, { keepFraction: extra.keepFraction });
    }
  }

  const resume = await ctx.loadResume();
  if (resume) extra.resumedFromEpoch = (resume.meta as { step: number }).step;
  const common = { layout, data, optim: config.optim, epochs: config.epochs, evalEvery: config.evalEvery, snapshotEvery: config.snapshotEvery };
  const d = config.derive;
  const trainer = d?.method === 'edgePopup'
    ? (io: TrainIO) => trainEdgePopup({ ...common, thetaMem: theta0, scores0: initScores(layout, d.scoreSeed), keepFraction: d.keepFraction, trainWeights: d.trainWeights }, io)
    : (io: TrainIO) => train({ ...common, theta0, mask: runMask }, io);
  const log = await trainer(
    {
      resumeEvery: opts.resumeEvery ?? Math.max(config.evalEvery, Math.min(1000, config.snapshotEvery)),
      stopAfterEpoch: opts.stopAfterEpoch,
      loadResume: async () => (resume ? decodeResume(resume.tensors as Record<string, ArrayLike<number>>, resume.meta as { step: number }) : null),
      saveResume: async (s) => {
        const { tensors, meta } = encodeResume(s);
        await ctx.saveResume(tensors, meta);
      },
      saveSnapshot: (epoch, theta) => ctx.saveCheckpoint(String(epoch), { theta }, { epoch }),
      onProgress: opts.onProgress ? (p) => opts.onProgress!(opts.label ?? 'run', p) : undefined,
    },
  );
  if (!log) throw new RunInterrupted(opts.stopAfterEpoch ?? -1);
  const meta: RunMeta = { environment: await environment(decision), durationMs: Date.now() - started, startedAt: new Date(started).toISOString(), finishedAt: new Date().toISOString(), ...extra };
  await ctx.writeJson('metrics.json', log);
  await ctx.writeJson('meta.json', meta);
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
  const key = keyOf(config);
  let computed = false;
  const result = await store.getOrCompute(
    key,
    config,
    async (ctx) => {
      computed = true;
      await compute(config, ctx, opts, store);
    },
    async (dir, run) => {
      const log = await run.readJson<RunLog>('metrics.json');
      const meta = await run.readJson<RunMeta>('meta.json');
      return { key, config, log, meta, dir, milestones: milestones(log), cached: false };
    },
    { codeVersion: codeVersionOf(config), defaults: DEFAULT_RUN },
  );
  return { ...result, cached: !computed };
}
