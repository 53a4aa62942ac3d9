import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { SETTINGS } from '../../src/config/settings.ts';

/** `grok train --setting NAME` trains a named setting's config; a task's defaults never silently replace its setting's. */

const run = promisify(execFile);
const tmp = mkdtempSync(join(tmpdir(), 'grok-train-setting-'));
const cli = (args: string[], env: Record<string, string> = {}) =>
  run(process.execPath, ['bin/grok.js', ...args], { env: { ...process.env, GROK_QUIET: '1', GROK_SCALE: 'ci', GROK_CACHE: join(tmp, 'cache'), ...env } }).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );
interface Row { key: string; config: { data: Record<string, unknown>; model: Record<string, unknown>; optim: Record<string, number>; batchSize: number; epochs: number; derive?: Record<string, unknown> }; description: { setting: string | null } }
const stored = async (key: string) => (JSON.parse((await cli(['cache', 'ls', '--json'])).stdout) as Row[]).find((r) => r.key === key)!;

describe('grok train --setting', () => {
  it.each([
    [['train', '--setting', 'mnist'], `grok train: --setting: "mnist" is not a setting; settings: ${SETTINGS.map((s) => s.name).join(', ')}\n`],
    // the modular tasks' weight decay is not MNIST's: refused, naming the setting and the difference
    [['train', '--task', 'mnist'], 'grok train: --task mnist: the defaults differ from setting mnist-mlp\'s hyperparameters (--wd 0.1, not 1); train it with --setting mnist-mlp (other flags override it), or give every field with --config\n'],
    [['train', '--task', 'parity', '--lr', '0.01'], 'grok train: --task parity: the defaults differ from setting mlp-parity\'s hyperparameters (--wd 0.1, not 1; batchSize 32, not 0); train it with --setting mlp-parity (other flags override it), or give every field with --config\n'],
    [['train', '--setting', 'mnist-mlp', '--task', 'add'], /^error: option '--task <name>' cannot be used with option '--setting <name>'/],
    [['train', '--setting', 'mlp-add', '--config', 'x.json'], /cannot be used with option '--config <file>'/],
  ])('grok %j is refused in the user\'s terms and writes nothing', async (args, message) => {
    const r = await cli(args);
    expect(r.code).toBe(2);
    if (typeof message === 'string') expect(r.stderr).toBe(message);
    else expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
    expect(existsSync(join(tmp, 'cache'))).toBe(false);
  });

  it('trains the setting\'s data, model, optimiser and batch size; the flags given override their fields', async () => {
    const r = await cli(['train', '--setting', 'mlp-parity', '--seed', '2', '--wd', '0.2', '--epochs', '2', '--eval-every', '1', '--snapshot-every', '2', '--json']);
    expect(r.stderr).not.toContain('[grok]'); // ci trains it: no note
    const row = await stored((JSON.parse(r.stdout) as { key: string }).key);
    expect(row.description.setting).toBeNull(); // WD 0.2 is no longer the setting's
    expect(row.config).toMatchObject({
      data: { task: 'parity', n: 40, k: 3, nTrain: 1000, nTest: 1000, seed: 2 },
      model: { name: 'relu-mlp', width: 128 },
      optim: { lr: 0.01, weightDecay: 0.2 },
      batchSize: 32, epochs: 2,
    });
  }, 60_000);

  it('a modular setting trains its scale\'s split (ci: frac 0.5, not the default 0.4) and keeps its fields no flag gave', async () => {
    const r = await cli(['train', '--setting', 'transformer-subtract', '--p', '5', '--epochs', '2', '--eval-every', '1', '--snapshot-every', '2', '--json'], { GROK_SCALE: 'paper' });
    expect(r.code).toBe(0);
    const row = await stored((JSON.parse(r.stdout) as { key: string }).key);
    expect(row.config).toMatchObject({ data: { task: 'subtract', p: 5, fracTrain: 0.4, symmetric: false }, model: { name: 'transformer' } });
    const ci = await cli(['train', '--setting', 'mlp-add', '--p', '5', '--epochs', '2', '--eval-every', '1', '--snapshot-every', '2', '--json']);
    expect((await stored((JSON.parse(ci.stdout) as { key: string }).key)).config).toMatchObject({ data: { task: 'add', p: 5, fracTrain: 0.5, symmetric: true } });
  }, 60_000);

  it('a setting the scale does not train (MNIST at ci) says whose horizon it uses, and is the same run as its flags spelled out', async () => {
    const r = await cli(['train', '--setting', 'mnist-mlp', '--epochs', '2', '--eval-every', '2', '--snapshot-every', '2', '--json']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^\[grok\] --setting mnist-mlp: not trained at ci scale; its paper-scale horizon, 100000 epochs \(--epochs overrides\)\n/);
    const viaSetting = JSON.parse(r.stdout) as { key: string; cached: boolean };
    const spelled = JSON.parse((await cli(['train', '--task', 'mnist', '--wd', '0.1', '--epochs', '2', '--eval-every', '2', '--snapshot-every', '2', '--json'])).stdout) as { key: string; cached: boolean };
    expect(spelled).toMatchObject({ key: viaSetting.key, cached: true });
    expect((await stored(viaSetting.key)).description.setting).toBe('mnist-mlp');
  }, 120_000);

  it('with --keep, the setting\'s grokking ticket of that run', async () => {
    const r = await cli(['train', '--setting', 'mlp-parity', '--keep', '0.5', '--json'], { GROK_SCALE: 'smoke' });
    expect(r.code).toBe(0);
    const row = await stored((JSON.parse(r.stdout) as { key: string }).key);
    expect(row.description.setting).toBe('mlp-parity');
    expect(row.config.derive).toMatchObject({ method: 'magnitude', keepFraction: 0.5, fromEpoch: 'final', base: { batchSize: 32, epochs: 8 } });
  }, 60_000);
});
