import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TENSOR_EXT } from '../../src/store/safetensors.ts';

/**
 * A real `grok train` process is SIGKILLed at a random moment (fast-check picks it), then run
 * again: it resumes from its last resume checkpoint and must end bit-identical to a run that was
 * never interrupted.
 */
const config = { data: { p: 23, fracTrain: 0.5, seed: 3 }, model: { dEmb: 32, dModel: 16 }, initSeed: 3, epochs: 2000, evalEvery: 10, snapshotEvery: 200 };

function train(cache: string, cfgPath: string, killAfterMs?: number): Promise<{ code: number | null; signal: string | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn('node', ['bin/grok.js', 'train', '--config', cfgPath, '--json'], { env: { ...process.env, GROK_CACHE: cache, GROK_QUIET: '1' } });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const timer = killAfterMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, out });
    });
  });
}

describe('interruption', () => {
  it('a SIGKILLed training process resumes and ends bit-identical to an uninterrupted one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'grok-kill-'));
    const cfgPath = join(dir, 'config.json');
    writeFileSync(cfgPath, JSON.stringify(config));
    const refCache = join(dir, 'ref');
    const ref = await train(refCache, cfgPath);
    expect(ref.code).toBe(0);
    const { key } = JSON.parse(ref.out) as { key: string };
    const refMetrics = readFileSync(join(refCache, 'runs', key, 'metrics.json'));
    const refFinal = readFileSync(join(refCache, 'runs', key, 'checkpoints', `${config.epochs}${TENSOR_EXT}`));

    let i = 0;
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1500, max: 4500 }), async (killAfterMs) => {
        const cache = join(dir, `run-${i++}`);
        const killed = await train(cache, cfgPath, killAfterMs);
        const resumed = await train(cache, cfgPath);
        expect(resumed.code).toBe(0);
        expect(readFileSync(join(cache, 'runs', key, 'metrics.json')).equals(refMetrics)).toBe(true);
        expect(readFileSync(join(cache, 'runs', key, 'checkpoints', `${config.epochs}${TENSOR_EXT}`)).equals(refFinal)).toBe(true);
        return killed.signal === 'SIGKILL' || killed.code === 0;
      }),
      { numRuns: 2 },
    );
  }, 180_000);
});
