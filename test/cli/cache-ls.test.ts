import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { describeConfig, describeRuns } from '../../src/cli/describe-run.ts';
import { SCALES } from '../../src/config/scale.ts';
import { parseRunConfig, ticketRun } from '../../src/config/schema.ts';
import { getSetting, settingAt, type SettingRun } from '../../src/config/settings.ts';

/** `grok cache ls` tells every stored run apart: setting, derivation, keep, WD, horizon, and what else differs. */

const run = promisify(execFile);
const at = (name: string, scale: 'smoke' | 'ci' | 'paper' = 'ci') => settingAt(getSetting(name), SCALES[scale]) as SettingRun;

describe('run descriptions', () => {
  it('name the setting, derivation, keep, seed, split, WD and horizon; a task without a split has no frac', () => {
    const mlp = at('mlp-add');
    const dense = parseRunConfig(mlp.base(3));
    expect(describeConfig(dense).summary).toBe('mlp-add dense seed 3 frac 0.5 wd 1 15000 epochs');
    expect(describeConfig(mlp.ticket(dense, 0.4)).summary).toBe('mlp-add magnitude keep 0.4 seed 3 frac 0.5 wd 1 15000 epochs');
    // a ticket trained shorter than its base says both horizons
    const tf = at('transformer-add');
    expect(describeConfig(tf.ticket(parseRunConfig(tf.base(0)), 0.4)).summary).toBe('transformer-add magnitude keep 0.4 seed 0 frac 0.5 wd 1 2000 epochs (base 10000)');
    const parity = describeConfig(parseRunConfig(at('mlp-parity').base(0)));
    expect(parity).toMatchObject({ setting: 'mlp-parity', frac: null, weightDecay: 0.1, summary: 'mlp-parity dense seed 0 wd 0.1 150 epochs' });
    expect(parity.summary).not.toContain('undefined');
    // MNIST with the modular tasks' weight decay is not the mnist-mlp setting, and says its WD
    const mnistWd1 = parseRunConfig({ ...at('mnist-mlp', 'paper').base(0), optim: { weightDecay: 1 } });
    expect(describeConfig(mnistWd1)).toMatchObject({ setting: null, summary: 'mnist-mlp mnist dense seed 0 frac 0.1 wd 1 100000 epochs' });
    expect(describeConfig(parseRunConfig({ data: { p: 11 }, epochs: 10 })).summary).toBe('mlp add p 11 dense seed 0 frac 0.4 wd 1 10 epochs');
    expect(describeConfig(ticketRun(dense, { keepFraction: 0.3, fromEpoch: 2000 })).summary).toBe('mlp-add magnitude keep 0.3 from 2000 seed 3 frac 0.5 wd 1 15000 epochs');
  });

  it('runs whose words coincide are told apart by what differs, down to the backend of their keys', () => {
    const a = parseRunConfig({ data: { p: 11 }, epochs: 10 });
    const b = parseRunConfig({ data: { p: 11 }, epochs: 10, optim: { lr: 0.01 } });
    const files = [
      { config: a, backend: 'wasm', codeVersion: 'c1' },
      { config: b, backend: 'wasm', codeVersion: 'c1' },
      { config: a, backend: 'native', codeVersion: 'c1' },
      { config: parseRunConfig({ data: { p: 13 }, epochs: 10 }), backend: 'wasm', codeVersion: 'c1' },
    ];
    const summaries = describeRuns(files).map((d) => d.summary);
    expect(new Set(summaries).size).toBe(files.length);
    expect(summaries).toEqual([
      'mlp add p 11 dense seed 0 frac 0.4 wd 1 10 epochs [backend "wasm", optim.lr 0.001]',
      'mlp add p 11 dense seed 0 frac 0.4 wd 1 10 epochs [backend "wasm", optim.lr 0.01]',
      'mlp add p 11 dense seed 0 frac 0.4 wd 1 10 epochs [backend "native", optim.lr 0.001]',
      'mlp add p 13 dense seed 0 frac 0.4 wd 1 10 epochs', // unique already: nothing added
    ]);
  });

  it('grok cache ls and --json describe each stored run uniquely (runs differing in lr only, a parity run)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'grok-cache-ls-'));
    const env = { ...process.env, GROK_CACHE: join(dir, 'cache'), GROK_QUIET: '1' };
    const cli = (...args: string[]) => run(process.execPath, ['bin/grok.js', ...args], { env });
    const tiny = ['--p', '11', '--frac', '0.5', '--epochs', '10', '--eval-every', '5', '--snapshot-every', '10', '--json'];
    await cli('train', ...tiny);
    await cli('train', ...tiny, '--lr', '0.01');
    const parity = join(dir, 'parity.json');
    writeFileSync(parity, JSON.stringify({ data: { task: 'parity', n: 8, k: 3, nTrain: 40, nTest: 40 }, model: { name: 'relu-mlp', width: 8 }, epochs: 4, evalEvery: 2, snapshotEvery: 2 }));
    await cli('train', '--config', parity);
    const table = (await cli('cache', 'ls')).stdout.trim().split('\n').map((line) => line.split('  ').slice(3).join('  '));
    expect(table).toHaveLength(3);
    expect(new Set(table).size).toBe(3);
    expect(table).toEqual(expect.arrayContaining([
      'mlp add p 11 dense seed 0 frac 0.5 wd 1 10 epochs [optim.lr 0.001]',
      'mlp add p 11 dense seed 0 frac 0.5 wd 1 10 epochs [optim.lr 0.01]',
      'relu-mlp parity dense seed 0 wd 1 4 epochs',
    ]));
    const rows = JSON.parse((await cli('cache', 'ls', '--json')).stdout) as { summary: string; description: Record<string, unknown> }[];
    expect(rows.map((r) => r.summary).sort()).toEqual([...table].sort());
    expect(rows.find((r) => r.description.task === 'parity')!.description).toMatchObject({ setting: null, model: 'relu-mlp', derivation: 'dense', frac: null, weightDecay: 1, epochs: 4 });
  }, 60_000);
});
