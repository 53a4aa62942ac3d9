import { describe, expect, it } from 'vitest';
import { chooseBackend, describeDecision, parseBackendChoice } from '../../src/backend/choose.ts';

const missing = (name: string) => Object.assign(new Error(`Cannot find package '${name}'`), { code: 'ERR_MODULE_NOT_FOUND' });

describe('backend chooser', () => {
  it('auto prefers the GPU build when it loads', async () => {
    const d = await chooseBackend('auto', async () => ({}), async () => true);
    expect(d.module).toBe('@tensorflow/tfjs-node-gpu');
    expect(d.backend).toBe('tensorflow');
  });

  it('auto falls through tensorflow → wasm and says why', async () => {
    const d = await chooseBackend('auto', async (m) => { if (m.includes('tfjs-node')) throw missing(m); return {}; }, async () => true);
    expect(d.backend).toBe('wasm');
    expect(d.rejected.map((r) => r.reason)).toEqual(['not installed', 'not installed']);
    expect(describeDecision(d)).toMatch(/not used: @tensorflow\/tfjs-node-gpu — not installed/);
  });

  it('auto falls back to cpu when wasm cannot initialise', async () => {
    const d = await chooseBackend('auto', async (m) => { if (m.includes('tfjs-node')) throw missing(m); return {}; }, async (b) => b === 'cpu');
    expect(d.backend).toBe('cpu');
    expect(d.rejected.at(-1)).toEqual({ module: '@tensorflow/tfjs-backend-wasm', reason: 'loaded but failed to initialise' });
  });

  it('uses the CPU native build when only it is installed', async () => {
    const d = await chooseBackend('tensorflow', async (m) => { if (m.endsWith('-gpu')) throw missing(m); return {}; }, async () => true);
    expect(d.module).toBe('@tensorflow/tfjs-node');
  });

  it('an explicit choice that cannot load is an error, not a silent fallback', async () => {
    await expect(chooseBackend('tensorflow', async (m) => { throw missing(m); }, async () => true)).rejects.toThrow(/GROK_BACKEND=tensorflow: no usable backend/);
  });

  it('rejects unknown GROK_BACKEND values naming the allowed ones', () => {
    expect(() => parseBackendChoice('cuda')).toThrow('GROK_BACKEND: "cuda" is not a backend; allowed values: auto, tensorflow, wasm, cpu');
    expect(parseBackendChoice(undefined)).toBe('auto');
  });
});
