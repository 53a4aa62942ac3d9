import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import '../setup-backend.ts';
import { currentBackend } from '../../src/backend/choose.ts';
import { parseRunConfig } from '../../src/config/schema.ts';
import { loadNative, nativeStatus } from '../../src/engines/native/index.ts';
import { engineOf, keyOf } from '../../src/runs/execute.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const grok = (args: string[], env: Record<string, string>) =>
  spawnSync(process.execPath, [join(ROOT, 'bin', 'grok.js'), ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 120_000 });

describe('engine choice', () => {
  it('a missing addon is named with what to install, not thrown', () => {
    const s = loadNative('/nonexistent/grok_native.node');
    expect(s.ok).toBe(false);
    expect(s.reason).toMatch(/apt-get install build-essential libopenblas-dev/);
  });

  it('without the addon a run trains on tfjs-wasm, saying so in one line, and its key says wasm', () => {
    const cache = mkdtempSync(join(tmpdir(), 'grok-engine-'));
    const r = grok(['train', '--p', '11', '--epochs', '3', '--json'], { GROK_NATIVE_ADDON: '/nonexistent/grok_native.node', GROK_CACHE: cache, GROK_QUIET: '' });
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stderr.split('\n').filter((l) => /native engine is unavailable/.test(l));
    expect(lines).toHaveLength(1);
    const [run] = readdirSync(join(cache, 'runs')).filter((d) => /^[0-9a-f]{16}$/.test(d));
    const meta = JSON.parse(readFileSync(join(cache, 'runs', run, 'meta.json'), 'utf8'));
    expect(meta.engine).toMatch(/^@tensorflow\/tfjs-backend-wasm@/);
  });

  it('GROK_BACKEND=native without the addon is an error naming the fix, and trains nothing', () => {
    const cache = mkdtempSync(join(tmpdir(), 'grok-engine-'));
    const r = grok(['train', '--p', '11', '--epochs', '3'], { GROK_NATIVE_ADDON: '/nonexistent/grok_native.node', GROK_CACHE: cache, GROK_BACKEND: 'native' });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/GROK_BACKEND=native: the native engine does not load: .*apt-get install/);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it.skipIf(!nativeStatus().ok)('with the addon, the MLP trains natively and edge-popup (its own stepper) on tfjs; the keys differ by engine', () => {
    const dense = parseRunConfig({ data: { p: 11 }, epochs: 3 });
    expect(engineOf(dense).engine.name).toBe('native');
    expect(engineOf(dense).id).toMatch(/^native@[0-9a-f]{12} OpenBLAS [\d.]+ \S+ \+ @tensorflow\/tfjs-backend-wasm@/);
    const ep = parseRunConfig({ data: { p: 11 }, epochs: 3, derive: { method: 'edgePopup', base: dense, fromEpoch: 3, keepFraction: 0.5, trainWeights: false } });
    expect(engineOf(ep).engine.name).toBe('tfjs');
    expect(keyOf(dense)).not.toBe(keyOf(dense, engineOf(dense, currentBackend()).id.split(' + ')[1]));
  });
});

describe.skipIf(!nativeStatus().ok)('native kernel identity', () => {
  it("a model's native id hashes the shared C, its kernel and its own line of kernels.ts: one per model, and kernels.ts is no core code", async () => {
    const { kernelHash, ADAPTERS } = await import('../../src/engines/native/index.ts');
    const { runCode } = await import('../../src/runs/code-identity.ts');
    const models = Object.keys(ADAPTERS);
    expect(new Set(models.map((m) => kernelHash(m))).size).toBe(models.length);
    expect(runCode(parseRunConfig({ data: { p: 11 }, epochs: 3 }))).not.toContain('src/engines/native/kernels.ts');
  });
});
