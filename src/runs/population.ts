import { parseRunConfig, type RunConfig, type RunConfigInput } from '../config/schema.ts';
import { canonicalJson } from '../store/hash.ts';
import type { RunStore } from '../store/store.ts';
import { trainPopulation, type Progress, type RunIO, type RunLog } from '../train/loop.ts';
import { currentBackend } from '../backend/choose.ts';
import { backendId } from '../backend/info.ts';
import { denseLanes } from '../train/steppers/dense.ts';
import { getRun, keyOf, loopShape, type PopulationGroup, type PopulationMeta, type PreparedRun, type RunResult } from './execute.ts';

/**
 * Population training: runs of one shape (same model, data sizes, optimiser and schedule; seeds,
 * splits and masks may differ) trained together as one tensor program, each run a lane
 * (src/train/loop.ts). A population is how runs are executed, not what they are: every run keeps
 * its own key, lock, files, resume point and results, as if trained alone, and meta.json records
 * the population it was trained in.
 *
 * Members meet through the store: each asks for its run as usual, and the compute step of every
 * run not yet stored joins the group. The group trains once every member has joined or left: a
 * member leaves when it is found in the store, when another process (or another call here) is
 * computing it, or when it cannot be a lane (edge-popup's own stepper, minibatches, a model
 * without lanes); those train alone or not at all, and nobody waits for another process.
 */

export interface PopulationJob {
  config: RunConfig | RunConfigInput;
  label: string;
}

export interface PopulationOptions {
  /** Most runs per population. */
  size: number;
  store?: RunStore;
  onProgress?: (label: string, p: Progress) => void;
  /** Interrupting loses at most this many epochs (default: the run's). */
  resumeEvery?: number;
  /** Test hook: every run stops after this epoch as if the process were killed. */
  stopAfterEpoch?: number;
}

/** What must be equal for runs to share one program: everything but seeds, the split and the derivation. */
export function shapeSignature(c: RunConfig): string {
  const { seed: _seed, ...data } = c.data as Record<string, unknown>;
  return canonicalJson({ data, model: c.model, optim: c.optim, epochs: c.epochs, evalEvery: c.evalEvery, snapshotEvery: c.snapshotEvery, batchSize: c.batchSize });
}

/** Indices of `configs` in groups of one shape, at most `size` each, in first-seen order; full-batch runs only. */
export function populationGroups(configs: RunConfig[], size: number): number[][] {
  const bySig = new Map<string, number[]>();
  configs.forEach((c, i) => {
    const sig = c.batchSize === 0 ? shapeSignature(c) : `#${i}`;
    bySig.set(sig, [...(bySig.get(sig) ?? []), i]);
  });
  const groups: number[][] = [];
  for (const members of bySig.values()) for (let i = 0; i < members.length; i += size) groups.push(members.slice(i, i + size));
  return groups;
}

interface Member {
  run: PreparedRun;
  resolve(v: { log: RunLog | null; lanes?: PopulationMeta }): void;
  reject(err: unknown): void;
}

/** The meeting point of one group's members. */
export class Population implements PopulationGroup {
  private readonly members = new Map<number, Member>();
  private readonly gone = new Set<number>();
  private started = false;

  constructor(
    readonly size: number,
    private readonly opts: Pick<PopulationOptions, 'onProgress' | 'stopAfterEpoch'> = {},
  ) {}

  join(index: number, run: PreparedRun): Promise<{ log: RunLog | null; lanes?: PopulationMeta }> | null {
    if (this.started || this.gone.has(index)) return null;
    const p = new Promise<{ log: RunLog | null; lanes?: PopulationMeta }>((resolve, reject) => this.members.set(index, { run, resolve, reject }));
    this.maybeStart();
    return p;
  }

  leave(index: number): void {
    if (this.started || this.members.has(index) || this.gone.has(index)) return;
    this.gone.add(index);
    this.maybeStart();
  }

  private maybeStart(): void {
    if (this.started || this.members.size + this.gone.size < this.size) return;
    this.started = true;
    void this.train();
  }

  /** Members resumed from different steps cannot share a step: each step count trains as its own population. */
  private async train(): Promise<void> {
    const byStep = new Map<number, Member[]>();
    // lanes in the order of the group's jobs, whatever order their members joined in
    const members = [...this.members].sort(([a], [b]) => a - b).map(([, m]) => m);
    for (const m of members) byStep.set(m.run.resumeStep, [...(byStep.get(m.run.resumeStep) ?? []), m]);
    for (const members of byStep.values()) {
      try {
        const { logs, asLanes } = await this.trainTogether(members.map((m) => m.run));
        members.forEach((m, lane) => m.resolve({ log: logs[lane], lanes: asLanes ? { size: members.length, lane } : undefined }));
      } catch (err) {
        for (const m of members) m.reject(err);
      }
    }
  }

  /** Trains runs as one population into the given IO, without progress (the exactness probe). */
  static probe(runs: PreparedRun[], io: RunIO[]): Promise<(RunLog | null)[]> {
    return new Population(runs.length).run(runs, undefined, io);
  }

  /** The runs' logs, and whether they trained as lanes of one program. */
  private async trainTogether(runs: PreparedRun[]): Promise<{ logs: (RunLog | null)[]; asLanes: boolean }> {
    if (runs.length > 1 && !(await lanesExact(runs))) {
      const logs: (RunLog | null)[] = [];
      for (const r of runs) logs.push(...(await this.run([r], this.opts.stopAfterEpoch)));
      return { logs, asLanes: false };
    }
    return { logs: await this.run(runs, this.opts.stopAfterEpoch), asLanes: runs.length > 1 };
  }

  private run(runs: PreparedRun[], stopAfterEpoch: number | undefined, io?: RunIO[]): Promise<(RunLog | null)[]> {
    const first = runs[0];
    const onProgress = io ? undefined : this.opts.onProgress;
    // runs with the same data share one split object, so the loss keeps one copy of its targets
    const splits = new Map<string, PreparedRun['split']>();
    const shared = runs.map((r) => {
      const k = canonicalJson(r.config.data);
      if (!splits.has(k)) splits.set(k, r.split);
      return splits.get(k)!;
    });
    return trainPopulation(
      {
        ...loopShape(first), splits: shared,
        stepper: denseLanes({ layout: first.resolved.layout, optim: first.config.optim, lanes: runs.map((r) => ({ theta0: r.prepared.theta0, mask: r.prepared.mask ?? null })) }),
      },
      {
        lanes: io ?? runs.map((r) => r.io), resumeEvery: first.resumeEvery, stopAfterEpoch,
        onProgress: onProgress && ((lane, p) => onProgress(runs[lane].label, p)),
      },
    );
  }
}

/** Verdicts of `lanesExact` by backend and run shape, for this process. */
const exactness = new Map<string, Promise<boolean>>();

/**
 * Whether this backend's lanes compute exactly what the runs compute alone, at these runs' shapes:
 * two epochs (forward, backward, update, train and test evaluation) of the population against the
 * same runs alone, compared bit for bit. A batched kernel may sum in another order than the 2-D
 * one (measured: tfjs-wasm's batched matMul at the paper MLP's shapes, 0.5–6 % apart in loss after
 * 60 epochs), and then a run's results would depend on how it was executed, while its key does not.
 * Such a population trains its runs one at a time instead, and says so once.
 */
async function lanesExact(runs: PreparedRun[]): Promise<boolean> {
  // kernels may depend on the batch count and on whether targets broadcast (a shared split)
  const splits = new Set(runs.map((r) => canonicalJson(r.config.data))).size;
  const id = `${backendId(currentBackend())} ${shapeSignature(runs[0].config)} ${runs.length} lanes ${splits} splits`;
  let verdict = exactness.get(id);
  if (!verdict) {
    verdict = (async () => {
      const probe = runs.map((r) => ({ ...r, config: { ...r.config, epochs: 2, evalEvery: 1 }, resumeStep: 0 }));
      const memory = () => {
        const snaps = new Map<number, Float32Array>();
        const io: RunIO = { loadResume: async () => null, saveResume: async () => {}, saveSnapshot: async (e, t) => void snaps.set(e, t.slice()) };
        return { io, snaps };
      };
      const lanes = probe.map(memory);
      const together = await Population.probe(probe, lanes.map((l) => l.io));
      for (const [i, r] of probe.entries()) {
        const alone = memory();
        const [log] = await Population.probe([r], [alone.io]);
        const same = canonicalJson(log) === canonicalJson(together[i]) && [...alone.snaps].every(([e, t]) => equalBits(t, lanes[i].snaps.get(e)));
        if (!same) {
          if (process.env.GROK_QUIET !== '1') {
            process.stderr.write(`[grok] populations: on ${backendId(currentBackend())} a run computed as a lane differs in float32 rounding from the run alone, so these runs train one at a time\n`);
          }
          return false;
        }
      }
      return true;
    })();
    exactness.set(id, verdict);
  }
  return verdict;
}

const equalBits = (a: Float32Array, b: Float32Array | undefined): boolean =>
  !!b && a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

/**
 * Gets every job's run, training those not stored in populations of at most `size`. The bases
 * of derived runs come first (themselves in populations), so a group never waits on a member's base.
 */
export async function getPopulations(jobs: PopulationJob[], opts: PopulationOptions): Promise<RunResult[]> {
  const configs = jobs.map((j) => parseRunConfig(j.config));
  const bases = new Map<string, PopulationJob>();
  configs.forEach((c, i) => {
    if (c.derive) bases.set(keyOf(c.derive.base), { config: c.derive.base, label: `${jobs[i].label} › base` });
  });
  if (bases.size) await getPopulations([...bases.values()], opts);

  const results: RunResult[] = new Array(jobs.length);
  for (const group of populationGroups(configs, opts.size)) {
    const population = new Population(group.length, opts);
    const settled = await Promise.allSettled(
      group.map((i, index) =>
        getRun(configs[i], {
          label: jobs[i].label, store: opts.store, onProgress: opts.onProgress, resumeEvery: opts.resumeEvery, stopAfterEpoch: opts.stopAfterEpoch,
          population: { group: population, index },
        }).then((r) => (results[i] = r)),
      ),
    );
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;
  }
  return results;
}
