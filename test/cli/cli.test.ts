import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parseRunConfig } from '../../src/config/schema.ts';
import { tasks } from '../../src/tasks/index.ts';

const run = promisify(execFile);
const grok = (...args: string[]) =>
  run('node', ['bin/grok.js', ...args], { env: { ...process.env, GROK_QUIET: '1' } }).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );

describe('grok CLI', () => {
  it('dataset --json prints the authors\' split in split order (spec §1.1 test vector)', async () => {
    const r = await grok('dataset', '--task', 'add', '--p', '67', '--frac', '0.4', '--seed', '0', '--json');
    expect(r.code).toBe(0);
    const split = JSON.parse(r.stdout) as { train: [number, number][]; test: [number, number][] };
    expect(split.train.length).toBe(911);
    expect(split.test.slice(0, 3)).toEqual([[30, 64], [5, 51], [5, 32]]);
    const sha = createHash('sha256').update(split.train.map(([a, b]) => `${a},${b}`).join(';')).digest('hex');
    expect(sha.slice(0, 16)).toBe('3772f1f8ec2a328b');
  });

  it('dataset prints the pairs training uses: ordered pairs for a non-commutative task (p² of them)', async () => {
    const r = await grok('dataset', '--task', 'subtract', '--json');
    expect(r.code).toBe(0);
    const split = JSON.parse(r.stdout) as { train: [number, number][]; test: [number, number][] };
    expect(split.train.length + split.test.length).toBe(67 * 67);
    // the registered task's own split, as `grok train --task subtract` trains on it
    const config = parseRunConfig({ data: { task: 'subtract' } });
    const { task: _t, ...fields } = config.data;
    const made = tasks.get('subtract').make(fields);
    if (made.train.kind !== 'tokens') throw new Error('tokens expected');
    const [a, b] = made.train.tokens;
    expect(split.train).toEqual(Array.from(a!, (x, i) => [x, b![i]]));
    expect((await grok('dataset', '--task', 'subtract')).stdout).toMatch(/^train 1795 pairs, test 2694 pairs \(ordered pairs of subtract mod 67\)/);
    expect((await grok('dataset')).stdout).toMatch(/^train 911 pairs, test 1367 pairs \(pairs a ≤ b of add mod 67\)/);
  });

  it.each([
    [['dataset', '--p', '66'], /--p: 66 is invalid \(the modulus must be a prime\)/],
    [['dataset', '--task', 'nope'], /--task: "nope" is invalid \(allowed values: add, subtract/],
    [['dataset', '--p', '100003'], /^grok dataset: --p: 100003 is too large \(5000350006 pairs a ≤ b, over the 4194304 a split may hold: p ≤ 2887 for add\)\n$/],
    [['dataset', '--task', 'subtract', '--p', '2053'], /--p: 2053 is too large \(4214809 ordered pairs, over the 4194304 a split may hold: p ≤ 2039 for subtract on ordered pairs\)/],
    [['dataset', '--p', '0x43'], /option '--p <n>' argument '0x43' is invalid\. Allowed: a number in decimal notation/],
    [['dataset', '--frac', '1'], /--frac: 1 is invalid \(the fraction of pairs used for training, in \(0, 1\)\)/],
    [['train', '--keep', '0'], /--keep: 0 is invalid \(the fraction of weights KEPT, in \(0, 1\]/],
    [['train', '--p', '9'], /--p: 9 is invalid \(must be a prime\)/],
    [['cache', 'explode'], /unknown command 'explode'/],
    [['train', '--task', 'subtract', '--model', 'mlp'], /--model: "mlp" is invalid \(its output cannot depend on the order of the tokens/],
    [['train', '--model', 'resnet'], /--model: "resnet" is invalid \(allowed values: mlp, transformer/],
    [['train', '--task', 'subtract', '--asymmetric', '--p', '9'], /--p: 9 is invalid/],
    [['frobnicate'], /unknown command 'frobnicate'/],
    [['trian'], /unknown command 'trian'\n\(Did you mean train\?\)/],
  ])('grok %j exits non-zero naming the flag or field and the allowed values', async (args, message) => {
    const r = await grok(...args);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(message);
  });

  it('list prints every registered model, task, loss, derivation and setting', async () => {
    const r = await grok('list');
    expect(r.code).toBe(0);
    for (const name of ['mlp', 'transformer', 'subtract', 'x3xy', 'crossEntropy', 'mse', 'magnitude', 'edgePopup', 'mlp-add', 'transformer-add']) expect(r.stdout).toContain(name);
    const json = JSON.parse((await grok('list', '--json')).stdout) as { models: { name: string; defaults: Record<string, unknown> }[] };
    expect(json.models.find((m) => m.name === 'transformer')!.defaults).toEqual({ dModel: 128, dMlp: 128, dHead: 128, weightScale: 1 });
  });

  it.each([
    [['--model', 'transformer', '--task', 'add'], 'transformer add'],
    [['--task', 'subtract'], 'transformer subtract'], // a non-commutative task gets the order-aware model and ordered pairs
    [['--task', 'multiply'], 'mlp multiply'],
  ])('train %j trains the named setting', async (flags, what) => {
    const env = { ...process.env, GROK_CACHE: mkdtempSync(join(tmpdir(), 'grok-cli-setting-')), GROK_QUIET: '1' };
    const cli = (...args: string[]) => run('node', ['bin/grok.js', ...args], { env });
    const out = JSON.parse((await cli('train', ...flags, '--p', '11', '--frac', '0.5', '--epochs', '12', '--eval-every', '4', '--snapshot-every', '6', '--json')).stdout) as { key: string; horizon: number };
    expect(out.horizon).toBe(12);
    expect((await cli('cache', 'ls')).stdout).toMatch(new RegExp(`^${out.key}  done .*${what} p 11 dense seed 0 frac 0.5 wd 1 12 epochs$`, 'm'));
  }, 60_000);

  it('train, then cache ls / verify / gc on the store it wrote', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'grok-cli-cache-'));
    const cfg = join(dir, 'tiny.json');
    writeFileSync(cfg, JSON.stringify({ data: { p: 11, fracTrain: 0.5 }, model: { dEmb: 8, dModel: 6 }, epochs: 30, evalEvery: 5, snapshotEvery: 10 }));
    const env = { ...process.env, GROK_CACHE: join(dir, 'cache'), GROK_QUIET: '1' };
    const cli = (...args: string[]) => run('node', ['bin/grok.js', ...args], { env });
    const trained = JSON.parse((await cli('train', '--config', cfg, '--json')).stdout) as { key: string; cached: boolean };
    expect(trained.cached).toBe(false);
    expect((await cli('train', '--config', cfg, '--json')).stdout).toContain('"cached":true');
    expect((await cli('cache', 'ls')).stdout).toMatch(new RegExp(`^${trained.key}  done .* mlp add p 11 dense seed 0 frac 0.5 wd 1 30 epochs$`, 'm'));
    expect(JSON.parse((await cli('cache', 'verify')).stdout).problems).toEqual([]);
    // a dry run names what --all would remove and removes nothing
    const dry = JSON.parse((await cli('cache', 'gc', '--all', '--dry-run')).stdout) as { removed: { key: string }[] };
    expect(dry.removed.map((r) => r.key)).toEqual([trained.key]);
    expect((await cli('cache', 'ls')).stdout).toContain(trained.key);
    const gone = JSON.parse((await cli('cache', 'gc', '--all')).stdout) as { removed: { key: string }[] };
    expect(gone.removed.map((r) => r.key)).toEqual([trained.key]);
    expect((await cli('cache', 'ls')).stdout).not.toContain(trained.key);
  }, 60_000);

  it('rejects an unknown GROK_BACKEND', async () => {
    const r = await run('node', ['bin/grok.js', 'info'], { env: { ...process.env, GROK_BACKEND: 'cuda' } }).catch((e) => e);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/GROK_BACKEND: "cuda" is not a backend; allowed values: auto, native, tensorflow, gpu, wasm, cpu/);
  });
});
