import { constants as bufferConstants } from 'node:buffer';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkBounds, estimateMemory, maxEpochs, memoryLimit } from '../../src/config/bounds.ts';
import { aclImdbReviewCount } from '../../src/data/aclimdb.ts';
import { imdbSplit, ImdbSchema } from '../../src/tasks/imdb.ts';
import { tasks } from '../../src/tasks/index.ts';
import { ConfigError, denseRun, parseRunConfig } from '../../src/config/schema.ts';
import { getRun } from '../../src/runs/execute.ts';
import { RunStore } from '../../src/store/store.ts';

const GiB = 2 ** 30;
const fourGiB = { bytes: 4 * GiB, why: 'test' };

describe('size bounds (before anything is built or written)', () => {
  it('refuses a modulus whose data cannot fit, naming data.p, the estimate and the limit', () => {
    const err = (() => {
      try {
        parseRunConfig({ data: { p: 100003 } });
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(/data\.p: 100003 is too large \(training would need about [\d,.]+ GiB of memory: .* the limit is/);
  });

  it('names model.dEmb for a huge embedding, data.p for p = 1009 (the issue’s 7.8 GB run)', () => {
    const dEmb = { ...denseRun({}), model: { ...denseRun({}).model, dEmb: 1_000_000_000 } };
    expect(checkBounds(dEmb, '', fourGiB)).toEqual([expect.stringMatching(/^model\.dEmb: 1000000000 is too large/)]);
    const p1009 = { ...denseRun({}), data: { ...denseRun({}).data, p: 1009 } };
    expect(checkBounds(p1009, '', fourGiB)).toEqual([expect.stringMatching(/^data\.p: 1009 is too large \(training would need about 8\.\d+ GiB/)]);
    expect(checkBounds(p1009, '', { bytes: 16 * GiB, why: 'a big machine' })).toEqual([]);
  });

  it('lets every default and claim-sized run through with room to spare', () => {
    for (const input of [{}, { model: { name: 'transformer' } }, { data: { task: 'subtract' } }]) {
      expect(estimateMemory(parseRunConfig(input))!.bytes).toBeLessThan(64 * 2 ** 20);
    }
  });

  it.each([
    [{ p: 5, fracTrain: 0.01 }, /data\.fracTrain: 0\.01 is invalid \(it leaves the training set empty: 0 training and 15 test examples/],
    [{ p: 7, fracTrain: 0.02, symmetric: false }, /data\.fracTrain: 0\.02 is invalid \(it leaves the training set empty: 0 training and 49 test examples/],
  ])('refuses an empty training set: %j', (data, message) => {
    expect(() => parseRunConfig({ data })).toThrow(message);
  });

  it('refuses a horizon whose log metrics.json cannot hold, naming the limit for its evalEvery', () => {
    const max = maxEpochs(10);
    // the bound: one train accuracy per epoch, 9 columns per evaluation, ≤ 24 characters each, one V8 string
    expect(24 * (max + 1 + 9 * (max / 10 + 2))).toBeLessThanOrEqual(bufferConstants.MAX_STRING_LENGTH);
    expect(maxEpochs(1)).toBeLessThan(max);
    expect(() => parseRunConfig({ epochs: 1e12 })).toThrow(`epochs: 1000000000000 is too large (at most ${max} with evalEvery 10: metrics.json keeps a train accuracy per epoch and 9 columns per evaluation in one string of at most ${bufferConstants.MAX_STRING_LENGTH} characters)`);
    expect(() => parseRunConfig({ epochs: max + 1 })).toThrow(/epochs: \d+ is too large/);
    expect(() => parseRunConfig({ epochs: max, evalEvery: 10, snapshotEvery: max })).not.toThrow();
    // the paper's longest horizon (MNIST, 100 000 epochs, test metrics every 100) is far inside it
    expect(maxEpochs(100)).toBeGreaterThan(100 * 100_000);
  });

  it('refuses IMDb\'s LSTM at the paper\'s sizes before any review is read (a full batch is ~500 GiB)', () => {
    expect(() => parseRunConfig({ data: { task: 'imdb', dataDir: '/nonexistent' } })).toThrow(
      /data\.task: "imdb" with model "lstm" at these sizes is too large \(training would need about \d+ GiB of memory: \d+ parameters, 37500 training and 12500 test examples/,
    );
    // the sizes it checks are the split's: the published count, cut as imdbSplit cuts it
    const reviews = Array.from({ length: aclImdbReviewCount() }, (_, i) => ({ path: `${i}`, text: 'a b', label: (i % 2) as 0 | 1 }));
    const cfg = ImdbSchema.parse({ vocab: 2, maxLen: 2 });
    const split = imdbSplit(reviews, cfg);
    expect(tasks.get('imdb').size!(cfg)).toEqual({ train: split.train.n, test: split.test.n });
  });

  it('writes nothing to the store for a refused run; a bad GROK_MAX_MEMORY_GB is an error', async () => {
    const root = mkdtempSync(join(tmpdir(), 'grok-bounds-'));
    await expect(getRun({ data: { p: 100003 } }, { store: new RunStore({ root }) })).rejects.toBeInstanceOf(ConfigError);
    await expect(getRun({ data: { p: 7, fracTrain: 0.01 } }, { store: new RunStore({ root }) })).rejects.toBeInstanceOf(ConfigError);
    expect(existsSync(join(root, 'runs')) ? readdirSync(join(root, 'runs')) : []).toEqual([]);
    expect(() => memoryLimit({ GROK_MAX_MEMORY_GB: 'lots' })).toThrow(/GROK_MAX_MEMORY_GB: "lots" is invalid/);
    expect(memoryLimit({ GROK_MAX_MEMORY_GB: '64' }).bytes).toBe(64 * GiB);
    expect(memoryLimit({}).bytes).toBeLessThanOrEqual(4 * GiB);
  });
});
