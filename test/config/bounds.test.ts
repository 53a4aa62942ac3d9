import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkBounds, estimateMemory, memoryLimit } from '../../src/config/bounds.ts';
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
