import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import '../setup-backend.ts';
import { denseRun } from '../../src/config/schema.ts';
import { keyOf } from '../../src/runs/execute.ts';

/**
 * A run belongs to the backend that computed it: `GROK_BACKEND=cpu` must not be served a run that
 * wasm computed (their numbers differ in the last bits, measured below), so the backend is part of
 * the run key.
 */
const dir = mkdtempSync(join(tmpdir(), 'grok-backend-key-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const config = { data: { p: 7, fracTrain: 0.5, seed: 1 }, model: { dEmb: 8, dModel: 6 }, initSeed: 1, epochs: 20, evalEvery: 5, snapshotEvery: 10 };

function train(backend: string): Promise<{ key: string; cached: boolean; dir: string }> {
  const cfgPath = join(dir, 'config.json');
  writeFileSync(cfgPath, JSON.stringify(config));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/grok.js', 'train', '--config', cfgPath, '--json'], {
      env: { ...process.env, GROK_CACHE: join(dir, 'cache'), GROK_BACKEND: backend, GROK_QUIET: '1' },
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`grok train (${backend}) exited ${code}: ${err}`))));
  });
}

describe('the backend is part of the run key', () => {
  it('keys differ by backend and are deterministic', () => {
    const c = denseRun(config);
    const wasm = '@tensorflow/tfjs-backend-wasm@4.22.0 tfjs-core@4.22.0';
    const cpu = '@tensorflow/tfjs-backend-cpu@4.22.0 tfjs-core@4.22.0';
    expect(keyOf(c, wasm)).toBe(keyOf(c, wasm));
    expect(keyOf(c, wasm)).not.toBe(keyOf(c, cpu));
    // the default is the backend this process chose
    expect(keyOf(c)).toMatch(/^[0-9a-f]{16}$/);
  });

  it('GROK_BACKEND=cpu does not get a cache hit on a run wasm computed; each backend hits its own', async () => {
    const wasm = await train('wasm');
    const cpu = await train('cpu');
    expect(wasm.cached).toBe(false);
    expect(cpu.cached).toBe(false);
    expect(cpu.key).not.toBe(wasm.key);
    // why: the two backends' numbers differ (here in the 9th digit of the weight norms)
    expect(readFileSync(join(cpu.dir, 'metrics.json'), 'utf8')).not.toBe(readFileSync(join(wasm.dir, 'metrics.json'), 'utf8'));
    const again = await train('wasm');
    expect(again).toMatchObject({ key: wasm.key, cached: true });
  }, 60_000);
});
