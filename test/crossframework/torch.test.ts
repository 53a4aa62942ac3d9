import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import '../setup-backend.ts';
import { denseRun, resolve, type RunConfig } from '../../src/config/schema.ts';
import { nativeWanted } from '../../src/engines/choose.ts';
import { engineOf, getRun, type RunResult } from '../../src/runs/execute.ts';
import { RunStore } from '../../src/store/store.ts';
import { TENSOR_EXT } from '../../src/store/safetensors.ts';
import type { TokenExamples } from '../../src/tasks/types.ts';

/**
 * The same run trained by us and by PyTorch (the authors' framework) from our θ0 and split, read
 * from our run's checkpoint file: t_mem must be equal and the train-loss curves must agree to
 * float32 noise. Our run trains on the engine the harness picks (the native engine when its addon
 * loads, as by default), and the test checks that it did. Needs a Python with torch (Debian's
 * python3-torch; .ci/run installs it).
 */

function findTorch(): { python: string | null; why: string } {
  const tried: string[] = [];
  for (const python of ['python3', '/usr/bin/python3']) {
    const r = spawnSync(python, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8', timeout: 60_000 });
    if (r.status === 0) return { python, why: `${python}: torch ${r.stdout.trim()}` };
    tried.push(`${python}: ${r.error ? r.error.message : (r.stderr.trim().split('\n').at(-1) ?? `exit ${r.status}`)}`);
  }
  return { python: null, why: `no Python with torch (${tried.join('; ')}); install Debian's python3-torch` };
}

const torch = findTorch();
if (!torch.python) console.warn(`skipping the PyTorch comparison: ${torch.why}`);

function run(cmd: string, args: string[]): Promise<string> {
  return new Promise((ok, fail) => {
    const child = spawn(cmd, args);
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', fail);
    child.on('exit', (code) => (code === 0 ? ok(out) : fail(new Error(`${cmd} ${args.join(' ')} exited ${code}:\n${err}`))));
  });
}

interface Theirs {
  missingKeys: string[];
  unexpectedKeys: string[];
  trainLoss: number[];
  trainAcc: number[];
  tMem: number | null;
  epochFromFile: string;
}

interface Compared {
  ours: RunResult;
  theirs: Theirs;
  /** |ours − theirs| / theirs of the train loss, per epoch, and the epoch where it is largest. */
  rel: number[];
  worst: number;
  /** Per epoch, how many training examples one side classifies right and the other not (net). */
  flips: number[];
}

/** Trains `config` with us (in a fresh store) and with train_torch.py from our θ0 file and split. */
async function trainBoth(config: RunConfig): Promise<Compared> {
  const epochs = config.epochs;
  const dir = mkdtempSync(join(tmpdir(), 'grok-torch-'));
  const ours = await getRun(config, { store: new RunStore({ root: join(dir, 'cache') }) });
  const { task } = resolve(config);
  const { task: _t, ...fields } = config.data;
  const train = task.make(fields).train as TokenExamples;
  const spec = {
    theta0: join(ours.dir, 'checkpoints', `0${TENSOR_EXT}`),
    p: config.data.p, model: config.model, epochs, optim: config.optim,
    train: { a: Array.from(train.tokens[0]), b: Array.from(train.tokens[1]), y: Array.from(train.labels!) },
  };
  const specPath = join(dir, 'spec.json');
  writeFileSync(specPath, JSON.stringify(spec));
  const theirs = JSON.parse(await run(torch.python!, [join(import.meta.dirname, 'train_torch.py'), specPath])) as Theirs;
  const oursLoss = ours.log.epochs.map((e, i) => ({ e, loss: ours.log.trainLoss[i] })).filter(({ e }) => e < epochs);
  expect(oursLoss.map(({ e }) => e)).toEqual([...Array(epochs).keys()]); // evalEvery 1: every epoch logged
  const rel = oursLoss.map(({ e, loss }) => Math.abs(loss - theirs.trainLoss[e]) / theirs.trainLoss[e]);
  const worst = rel.reduce((w, r, i) => (r > rel[w] ? i : w), 0);
  const n = spec.train.y.length;
  const flips = ours.log.trainAccEvery.slice(0, epochs).map((a, e) => Math.round(Math.abs(a - theirs.trainAcc[e]) * n));
  return { ours, theirs, rel, worst, flips };
}

/**
 * Our run trained on the engine the harness picks for its config, the native engine whenever it
 * loads (GROK_BACKEND auto, the default): a model that silently fell back to tfjs would compare
 * tfjs with torch and leave the native kernel unchecked. Returns the engine for the log line.
 */
function expectEngine(ours: RunResult): string {
  expect(ours.cached).toBe(false);
  expect(ours.backend).toBe(engineOf(ours.config).id);
  expect(ours.meta.engine).toBe(ours.backend);
  if (nativeWanted()) expect(ours.backend).toMatch(/^native@/);
  return ours.backend;
}

function summary(name: string, engine: string, c: Compared): string {
  const { ours, theirs, rel, worst } = c;
  return `PyTorch comparison, ${name} (${torch.why}; ours on ${engine}): t_mem ours ${ours.milestones.tMem}, torch ${theirs.tMem}; ` +
    `train loss ${ours.log.trainLoss[0]} vs ${theirs.trainLoss[0]} at epoch 0, max relative difference ${rel[worst].toExponential(2)} at epoch ${worst}, ` +
    `at most ${Math.max(...c.flips)} train example(s) classified differently`;
}

const skipped = torch.python ? '' : ` (skipped: ${torch.why})`;

describe('cross-framework: our trainer against PyTorch', () => {
  it.skipIf(!torch.python)(`the paper MLP trained from the same θ0 and split memorises at the same epoch with the same loss curve${skipped}`, async () => {
    const EPOCHS = 300;
    // memorises at epoch ~31 (measured), so the comparison covers memorisation and 270 epochs after
    const config = denseRun({ data: { task: 'add', p: 23, fracTrain: 0.5, seed: 0 }, initSeed: 0, epochs: EPOCHS, evalEvery: 1, snapshotEvery: EPOCHS });
    const c = await trainBoth(config);
    const { ours, theirs, rel, worst } = c;
    console.log(summary('MLP', expectEngine(ours), c));

    // our θ0 file is the authors' state dict: only their (all-ones) mask buffers are not in it
    expect(theirs.unexpectedKeys).toEqual([]);
    expect(theirs.missingKeys.sort()).toEqual(['embed.weight_mask', 'inproj.weight_mask', 'outproj.weight_mask', 'unembed.weight_mask']);
    expect(theirs.epochFromFile).toBe('0');

    expect(ours.milestones.tMem).not.toBeNull();
    expect(theirs.tMem).toBe(ours.milestones.tMem);
    // same θ0: the first loss differs only by our float32 log-sum-exp against their float64 (8e-8 measured)
    expect(rel[0]).toBeLessThan(1e-6);
    // Measured over 300 epochs (p 23 and 29, three seeds): ours vs torch float32 at most 1.8–2.8e-4,
    // while torch float32 vs torch float64 alone differs by 2.1e-4–1.2e-3 on the same runs. The
    // bound is that float32 noise with a margin. It catches real differences (measured, seed 0):
    // lr 1 % higher, ε 1e-6, β2 0.99 or weight decay 0.9 cross it within 9–28 epochs (max 1.4e-2 to
    // 0.65), while t_mem stays 31 in all four: the loss curve, not t_mem, is the sharp check.
    expect(rel[worst]).toBeLessThan(2e-3);
    // per-epoch train accuracy: identical in every measured run; one example may flip on a near-tie
    expect(Math.max(...c.flips)).toBeLessThanOrEqual(1);
  }, 120_000);

  it.skipIf(!torch.python)(`the authors' 1-layer transformer trained from the same θ0 and ordered-pair split memorises at the same epoch with the same loss curve${skipped}`, async () => {
    const EPOCHS = 300;
    // subtract (not commutative, so ordered pairs: 211 of 529 train) at d_model = d_mlp = d_head = 64
    // memorises at epoch 103–113 (8 seeds measured; seed 0: 106), gaining 2–5 examples an epoch
    // through 95 %, and reaches loss ~0.007 by 300. At d_model 32 (d_mlp 32 or 64) memorisation is
    // slower (epoch 180–290) and creeps through 95 % one example an epoch, so a one-example float32
    // near-tie moved t_mem by 1–3 epochs even between torch float32 and float64: too fragile for t_mem equality.
    const config = denseRun({
      data: { task: 'subtract', p: 23, fracTrain: 0.4, symmetric: false, seed: 0 },
      model: { name: 'transformer', dModel: 64, dMlp: 64, dHead: 64 },
      initSeed: 0, epochs: EPOCHS, evalEvery: 1, snapshotEvery: EPOCHS,
    });
    const c = await trainBoth(config);
    const { ours, theirs, rel, worst } = c;
    console.log(summary('transformer', expectEngine(ours), c));

    // every parameter loaded under the authors' name and shape (a wrong shape fails load_state_dict);
    // only their buffers are not in our file: the all-ones pruning masks and the causal mask
    expect(theirs.unexpectedKeys).toEqual([]);
    expect(theirs.missingKeys.sort()).toEqual([
      'blocks.0.attn.mask', 'blocks.0.attn.weight_maskK', 'blocks.0.attn.weight_maskO', 'blocks.0.attn.weight_maskQ', 'blocks.0.attn.weight_maskV',
      'blocks.0.mlp.weight_mask_in', 'blocks.0.mlp.weight_mask_out', 'embed.weight_mask', 'unembed.weight_mask',
    ]);
    expect(theirs.epochFromFile).toBe('0');

    expect(ours.milestones.tMem).not.toBeNull();
    expect(ours.milestones.tMem).toBeLessThan(EPOCHS - 100); // memorisation and 100+ epochs after it are compared
    expect(theirs.tMem).toBe(ours.milestones.tMem);
    // same θ0 and data: the first loss differs by float32 rounding of the logits alone (≤ 4e-9 measured)
    expect(rel[0]).toBeLessThan(1e-6);
    // The loss gap is float32 noise that grows over epochs. Until a near-tie is decided differently
    // it stays at rounding level: over the first 50 epochs ours vs torch float32 ≤ 3.5e-7 and torch
    // float32 vs float64 ≤ 2.4e-6 (8 seeds). Then a ReLU pre-activation that is 0 within float32
    // rounding (seed 7, update 44: |u| = 1.2e-7 of its terms' scale) takes opposite signs in two
    // implementations, and the gap grows ~1.5× an epoch until it saturates: over 300 epochs ours vs
    // torch float32 2.4e-4–9.2e-3, torch float32 vs float64 alone 1.5e-3–1.1e-2 (same 8 seeds). Each
    // bound is that noise with a margin; a real difference crosses them (measured, seed 0): lr 1 %
    // higher, ε 1e-6, β2 0.99 and weight decay 0.9 exceed the first within 1–10 epochs (9e-4 to 7e-3
    // by epoch 50), all but ε (7.8e-3) the second (6.4e-2 to 0.47), and flip 4–11 examples, while
    // t_mem moves by 0–3 epochs: the loss curve, not t_mem, is the sharp check.
    expect(Math.max(...rel.slice(0, 50))).toBeLessThan(1e-5);
    expect(rel[worst]).toBeLessThan(2e-2);
    // per-epoch train accuracy: identical through memorisation; after a near-tie has grown, up to 2
    // examples differed (ours vs torch float32 and torch float32 vs float64, 8 seeds)
    expect(Math.max(...c.flips)).toBeLessThanOrEqual(2);
  }, 120_000);
});
