import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import '../setup-backend.ts';
import { denseRun, resolve } from '../../src/config/schema.ts';
import { getRun } from '../../src/runs/execute.ts';
import { RunStore } from '../../src/store/store.ts';
import { TENSOR_EXT } from '../../src/store/safetensors.ts';
import type { TokenExamples } from '../../src/tasks/types.ts';

/**
 * The same run trained by us and by PyTorch (the authors' framework) from our θ0 and split, read
 * from our run's checkpoint file: t_mem must be equal and the train-loss curves must agree to
 * float32 noise. Needs a Python with torch (Debian's python3-torch; .ci/run installs it).
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

const EPOCHS = 300;

describe('cross-framework: our trainer against PyTorch', () => {
  it.skipIf(!torch.python)(`the paper MLP trained from the same θ0 and split memorises at the same epoch with the same loss curve${torch.python ? '' : ` (skipped: ${torch.why})`}`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'grok-torch-'));
    // memorises at epoch ~31 (measured), so the comparison covers memorisation and 270 epochs after
    const config = denseRun({ data: { task: 'add', p: 23, fracTrain: 0.5, seed: 0 }, initSeed: 0, epochs: EPOCHS, evalEvery: 1, snapshotEvery: EPOCHS });
    const ours = await getRun(config, { store: new RunStore({ root: join(dir, 'cache') }) });
    const { task } = resolve(config);
    const { task: _t, ...fields } = config.data;
    const train = task.make(fields).train as TokenExamples;
    const spec = {
      theta0: join(ours.dir, 'checkpoints', `0${TENSOR_EXT}`),
      p: config.data.p, dEmb: config.model.dEmb, dModel: config.model.dModel, epochs: EPOCHS, optim: config.optim,
      train: { a: Array.from(train.tokens[0]), b: Array.from(train.tokens[1]), y: Array.from(train.labels!) },
    };
    const specPath = join(dir, 'spec.json');
    writeFileSync(specPath, JSON.stringify(spec));
    const theirs = JSON.parse(await run(torch.python!, [join(import.meta.dirname, 'train_torch.py'), specPath])) as {
      missingKeys: string[]; unexpectedKeys: string[]; trainLoss: number[]; trainAcc: number[]; tMem: number | null; epochFromFile: string;
    };

    // our θ0 file is the authors' state dict: only their (all-ones) mask buffers are not in it
    expect(theirs.unexpectedKeys).toEqual([]);
    expect(theirs.missingKeys.sort()).toEqual(['embed.weight_mask', 'inproj.weight_mask', 'outproj.weight_mask', 'unembed.weight_mask']);
    expect(theirs.epochFromFile).toBe('0');

    const loss = ours.log.epochs.filter((e) => e < EPOCHS).map((e, i) => ({ e, ours: ours.log.trainLoss[i], theirs: theirs.trainLoss[e] }));
    const rel = loss.map((l) => Math.abs(l.ours - l.theirs) / l.theirs);
    const worst = rel.reduce((w, r, i) => (r > rel[w] ? i : w), 0);
    console.log(`PyTorch comparison (${torch.why}): t_mem ours ${ours.milestones.tMem}, torch ${theirs.tMem}; ` +
      `train loss ${loss[0].ours} vs ${loss[0].theirs} at epoch 0, max relative difference ${rel[worst].toExponential(2)} at epoch ${loss[worst].e}`);
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
    const n = spec.train.y.length;
    const flips = ours.log.trainAccEvery.slice(0, EPOCHS).map((a, e) => Math.round(Math.abs(a - theirs.trainAcc[e]) * n));
    expect(Math.max(...flips)).toBeLessThanOrEqual(1);
  }, 120_000);
});
