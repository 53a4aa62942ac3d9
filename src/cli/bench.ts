import * as tf from '@tensorflow/tfjs-core';
import { chooseBackend, parseBackendChoice } from '../backend/choose.ts';
import { environment } from '../backend/info.ts';
import { denseRun, resolve, type RunConfigInput } from '../config/schema.ts';
import { modelInit } from '../models/index.ts';
import { trainLoop, trainPopulation } from '../train/loop.ts';
import { denseLanes, denseStepper } from '../train/steppers/dense.ts';
import type { Command } from 'commander';
import { UsageError } from './errors.ts';
import { givenFlags, inFlagTerms } from './flags.ts';

/**
 * Multiply-adds of one factorised training step (forward, hand-written backward), see mlp.ts: the
 * matmuls only; Z and dPt are row lookups and a scatter-add (B·d_model additions each).
 */
export function stepMacs(p: number, dEmb: number, dModel: number, B: number): number {
  const weights = p * dEmb * dModel; // each of Pt, Qt, dW_E, dW_in, dW_out, dW_U
  const batch = B * p * dModel; // each of logits, dQt, dH
  return 6 * weights + 3 * batch;
}

export interface BenchResult {
  msPerStep: number;
  steps: number;
  warmup: number;
  backend: string;
  /** Modelled arithmetic of one step (the MLP's factorised step; null where no model exists). */
  flopsPerStep: number | null;
  gflops: number | null;
  setting: string;
  profile?: { kernelMsPerStep: number; kernelsPerStep: number; rows: KernelRow[] };
  population?: PopulationBench;
}

/**
 * ms per training step of a dense run (default: the paper MLP, p 67, frac 0.4: 911 train pairs,
 * full batch) with the real training loop, test evaluation switched off. Time = (run of
 * warmup+steps) − (run of warmup), so start-up, uploads and the final evaluation cancel out.
 */
export async function bench(steps = 1000, warmup = 100, input: RunConfigInput = { data: { task: 'add', p: 67, fracTrain: 0.4, seed: 0 } }, profileSteps = 0, population = 0): Promise<BenchResult> {
  if (!(Number.isInteger(steps) && steps >= 1 && Number.isInteger(warmup) && warmup >= 1)) throw new RangeError(`bench: steps (${steps}) and warmup (${warmup}) must be positive integers`);
  // not initBackend: the result names the backend, which initBackend would announce again on stderr
  const d = await chooseBackend(parseBackendChoice(process.env.GROK_BACKEND));
  const config = denseRun(input);
  const { task, model, loss, shape, layout } = resolve(config);
  const { task: _t, ...dataFields } = config.data;
  const split = task.make(dataFields);
  const theta0 = modelInit(model, layout, 0, config.model);
  const io = { loadResume: async () => null, saveResume: async () => {}, saveSnapshot: async () => {}, resumeEvery: 1e12 };
  const time = async (epochs: number) => {
    const t = performance.now();
    await trainLoop({
      model, loss, layout, split, outputSize: shape.outputSize, epochs, evalEvery: 1e12, snapshotEvery: 1e12,
      stepper: denseStepper({ layout, theta0, mask: null, optim: config.optim }),
    }, io);
    return performance.now() - t;
  };
  await time(warmup); // JIT and wasm warm-up
  const short = await time(warmup);
  const long = await time(warmup + steps);
  const msPerStep = (long - short) / steps;
  const profile = profileSteps > 0 ? await kernelProfile(async () => { await time(profileSteps); }, profileSteps) : undefined;
  let pop: PopulationBench | undefined;
  if (population > 0) {
    // n runs of this shape from n seeds on the shared split; θ after `epochs` steps of each lane
    const thetas = Array.from({ length: population }, (_, i) => modelInit(model, layout, i, config.model));
    const lanes = async (epochs: number, which: number[]) => {
      const finals: Float32Array[] = [];
      const t = performance.now();
      await trainPopulation({
        model, loss, layout, splits: which.map(() => split), outputSize: shape.outputSize, epochs, evalEvery: 1e12, snapshotEvery: 1e12,
        stepper: denseLanes({ layout, optim: config.optim, lanes: which.map((i) => ({ theta0: thetas[i], mask: null })) }),
      }, { lanes: which.map((_, k) => ({ ...io, saveSnapshot: async (e: number, th: Float32Array) => { if (e === epochs) finals[k] = th; } })), resumeEvery: 1e12 });
      return { ms: performance.now() - t, finals };
    };
    const all = thetas.map((_, i) => i);
    const together = await lanes(2, all);
    const alone = await Promise.all(all.map((i) => lanes(2, [i])));
    const exact = all.every((i) => together.finals[i].every((v, k) => Object.is(v, alone[i].finals[0][k])));
    await lanes(warmup, all);
    const popSteps = Math.max(10, Math.round(steps / population));
    const msPerPopulationStep = ((await lanes(warmup + popSteps, all)).ms - (await lanes(warmup, all)).ms) / popSteps;
    pop = { n: population, msPerPopulationStep, msPerRunStep: msPerPopulationStep / population, aloneMsPerStep: msPerStep, exact };
  }
  const dims = layout.dims;
  const flopsPerStep = model.name === 'mlp' ? 2 * stepMacs(dims.p, dims.dEmb, dims.dModel, split.train.n) : null;
  const sizes = Object.entries(dims).map(([k, v]) => `${k} ${v}`).join(', ');
  return {
    msPerStep, steps, warmup, backend: `${d.backend} (${(await environment(d)).threads} thread(s))`, flopsPerStep,
    gflops: flopsPerStep === null ? null : flopsPerStep / (msPerStep * 1e6),
    setting: `${model.name} on ${task.name}: ${sizes}, ${split.train.n} train examples, full batch, AdamW`,
    ...(profile ? { profile } : {}),
    ...(pop ? { population: pop } : {}),
  };
}

/** The real training step of n runs as one population (src/runs/population.ts) against one run alone. */
export interface PopulationBench {
  n: number;
  msPerPopulationStep: number;
  /** The population's step divided by n: what one run's step costs in the population. */
  msPerRunStep: number;
  /** One run alone (the bench's msPerStep). */
  aloneMsPerStep: number;
  /** Whether every lane's θ after 2 steps is bit-identical to its run alone (else the executor trains them one at a time). */
  exact: boolean;
}

/** One row of the per-op profile: a kernel at one set of input shapes. */
export interface KernelRow { kernel: string; shapes: string; msPerStep: number; callsPerStep: number; share: number }

/**
 * Where a step's time goes: every kernel tfjs ran during `steps` steps, grouped by kernel and input
 * shapes, as ms per step (the backend's own kernel timer: wall time per kernel on wasm and cpu).
 * The rows sum to the kernel time; what the step costs beyond it is JavaScript around the kernels.
 * The profiled run ends with one evaluation of the final model, spread over the steps: profile a few
 * hundred steps and it is noise.
 */
export async function kernelProfile(run: () => Promise<void>, steps: number): Promise<{ kernelMsPerStep: number; kernelsPerStep: number; rows: KernelRow[] }> {
  const info = await tf.profile(async () => { await run(); });
  const groups = new Map<string, { kernel: string; shapes: string; ms: number; calls: number }>();
  for (const k of info.kernels) {
    const shapes = k.inputShapes.map((s) => `[${s.join(',')}]`).join('×');
    const key = `${k.name} ${shapes}`;
    const g = groups.get(key) ?? { kernel: k.name, shapes, ms: 0, calls: 0 };
    g.ms += typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    g.calls += 1;
    groups.set(key, g);
  }
  const total = [...groups.values()].reduce((a, g) => a + g.ms, 0);
  const rows = [...groups.values()].sort((a, b) => b.ms - a.ms).map((g) => ({ kernel: g.kernel, shapes: g.shapes, msPerStep: g.ms / steps, callsPerStep: g.calls / steps, share: total > 0 ? g.ms / total : 0 }));
  return { kernelMsPerStep: total / steps, kernelsPerStep: info.kernels.length / steps, rows };
}

export interface BenchOptions { steps?: number; warmup: number; model?: string; task: string; frac: number; json?: boolean; profile?: number; population?: number; setting?: string; vsTorch?: boolean; rounds: number }

export async function benchCommand(o: BenchOptions, cmd: Command): Promise<number> {
  const given = givenFlags(cmd);
  const tfjsOnly = ['model', 'task', 'frac', 'profile', 'population', 'warmup'].some((f) => given.includes(f));
  if (!tfjsOnly) {
    const { BENCH_SETTINGS, benchEngines, formatEngineBench } = await import('./bench-engines.ts');
    const setting = o.setting ?? 'mlp-add';
    if (!(BENCH_SETTINGS as readonly string[]).includes(setting)) throw new UsageError(`grok bench: --setting: "${setting}" is not a benchmarked setting; allowed: ${BENCH_SETTINGS.join(', ')}`);
    const r = await benchEngines({ setting, rounds: o.rounds, steps: o.steps ?? null, vsTorch: !!o.vsTorch });
    process.stdout.write(o.json ? `${JSON.stringify(r)}\n` : formatEngineBench(r));
    return 0;
  }
  if (o.setting || o.vsTorch) throw new UsageError('grok bench: --setting and --vs-torch compare engines; they do not combine with --model, --task, --frac, --profile, --population or --warmup (the tfjs-only measurement)');
  const input = { data: { task: o.task, p: 67, fracTrain: o.frac, seed: 0 }, model: o.model === undefined ? undefined : { name: o.model } };
  await inFlagTerms(givenFlags(cmd), () => denseRun(input)); // a bad --frac or --model, named as such, before the backend loads
  const r = await bench(o.steps ?? 1000, o.warmup, input, o.profile ?? 0, o.population ?? 0);
  if (o.json) process.stdout.write(`${JSON.stringify(r)}\n`);
  else {
    process.stdout.write(`${r.setting}\nbackend: ${r.backend}\n${r.msPerStep.toFixed(3)} ms/step over ${r.steps} steps (after ${r.warmup} warm-up)\n`);
    if (r.flopsPerStep !== null && r.gflops !== null) process.stdout.write(`modelled ${(r.flopsPerStep / 1e6).toFixed(1)} MFLOP/step → ${r.gflops.toFixed(2)} GFLOP/s\n`);
    if (r.profile) {
      const p = r.profile;
      process.stdout.write(`\nper-op profile: ${p.kernelMsPerStep.toFixed(3)} ms/step in ${p.kernelsPerStep.toFixed(0)} kernels (${o.profile} steps; timing adds overhead)\n`);
      process.stdout.write(`${'ms/step'.padStart(8)} ${'share'.padStart(6)} ${'calls'.padStart(5)}  kernel [input shapes]\n`);
      for (const row of p.rows.slice(0, 20)) process.stdout.write(`${row.msPerStep.toFixed(3).padStart(8)} ${(100 * row.share).toFixed(1).padStart(5)}% ${row.callsPerStep.toFixed(0).padStart(5)}  ${row.kernel} ${row.shapes}\n`);
      if (p.rows.length > 20) process.stdout.write(`(${p.rows.length - 20} more rows: --json lists all)\n`);
    }
    if (r.population) {
      const q = r.population;
      process.stdout.write(`\npopulation of ${q.n} (the real step, n seeds as lanes of one program): ${q.msPerPopulationStep.toFixed(3)} ms per population step = ${q.msPerRunStep.toFixed(3)} ms per run-step, against ${q.aloneMsPerStep.toFixed(3)} alone: ${q.msPerRunStep < q.aloneMsPerStep ? 'a population pays on this backend' : 'a population does not pay on this backend'}\n`);
      process.stdout.write(`  lanes bit-identical to the runs alone after 2 steps: ${q.exact ? 'yes' : 'no (the executor trains such runs one at a time)'}\n`);
    }
  }
  return 0;
}
