import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { CANDIDATES, chooseBackend, describeDecision, NO_GPU_NOTE, parseBackendChoice, probeDevice, type DeviceProbe } from '../../src/backend/choose.ts';
import { backendId } from '../../src/backend/info.ts';
// a real backend (wasm here) for the default probe: the injected loaders below register none
import '../setup-backend.ts';

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
    expect(() => parseBackendChoice('cuda')).toThrow('GROK_BACKEND: "cuda" is not a backend; allowed values: auto, native, tensorflow, gpu, wasm, cpu');
    expect(parseBackendChoice(undefined)).toBe('auto');
  });
});

describe('the chooser confirms where TensorFlow really runs', () => {
  const loads = async () => ({});
  const activates = async () => true;
  const onCpu: DeviceProbe = async (c) => ({ device: 'CPU', note: c.module.endsWith('-gpu') ? NO_GPU_NOTE : 'cpu' });
  const onGpu: DeviceProbe = async () => ({ device: 'GPU', note: 'TensorFlow placed its ops on a GPU device' });

  it('a GPU build that registered no GPU device is named as running on the CPU, with the CUDA it needs', async () => {
    const d = await chooseBackend('auto', loads, activates, onCpu);
    expect(d).toMatchObject({ module: '@tensorflow/tfjs-node-gpu', device: 'CPU' });
    expect(describeDecision(d)).toMatch(/TensorFlow runs on the CPU: .*CUDA 11\.2 and cuDNN 8\.1/);
  });

  it('GROK_BACKEND=gpu accepts only a GPU device: on the CPU it is an error, not a silent fallback', async () => {
    await expect(chooseBackend('gpu', loads, activates, onCpu)).rejects.toThrow(/GROK_BACKEND=gpu: no usable backend \(@tensorflow\/tfjs-node-gpu: TensorFlow runs on the CPU/);
    const d = await chooseBackend('gpu', loads, activates, onGpu);
    expect(d).toMatchObject({ module: '@tensorflow/tfjs-node-gpu', device: 'GPU' });
    expect(describeDecision(d)).toMatch(/device: GPU/);
    expect(parseBackendChoice('gpu')).toBe('gpu');
  });

  it('a backend that loads but computes wrong numbers is passed over', async () => {
    const probe: DeviceProbe = async (c) => {
      if (c.backend === 'tensorflow') throw new Error('its test product gave [0, 0, 0, 0]');
      return { device: 'CPU', note: 'wasm' };
    };
    const d = await chooseBackend('auto', loads, activates, probe);
    expect(d.backend).toBe('wasm');
    expect(d.rejected[0]).toEqual({ module: '@tensorflow/tfjs-node-gpu', reason: 'its test product gave [0, 0, 0, 0]' });
  });

  it('the default probe reads the backend\'s own isUsingGpuDevice and checks its arithmetic', async () => {
    const gpuBuild = CANDIDATES.gpu[0]!;
    // this process runs wasm: it has no isUsingGpuDevice, as a tfjs-node backend without a GPU device
    expect(await probeDevice(gpuBuild)).toEqual({ device: 'CPU', note: NO_GPU_NOTE });
    const b = tf.backend() as unknown as { isUsingGpuDevice?: boolean };
    b.isUsingGpuDevice = true;
    try {
      expect((await probeDevice(gpuBuild)).device).toBe('GPU');
    } finally {
      delete b.isUsingGpuDevice;
    }
    expect((await probeDevice(CANDIDATES.wasm[0]!)).device).toBe('CPU');
  });

  it('the run key tells a GPU build on the GPU from the same build on the CPU; other backends keep their ids', () => {
    const gpu = backendId({ backend: 'tensorflow', module: '@tensorflow/tfjs-node-gpu', device: 'GPU' });
    const cpu = backendId({ backend: 'tensorflow', module: '@tensorflow/tfjs-node-gpu', device: 'CPU' });
    expect(gpu).not.toBe(cpu);
    expect(gpu).toMatch(/^@tensorflow\/tfjs-node-gpu@not installed on GPU tfjs-core@4\./);
    // unchanged for wasm, so the runs already stored keep their keys
    expect(backendId({ backend: 'wasm', module: '@tensorflow/tfjs-backend-wasm', device: 'CPU' })).toMatch(/^@tensorflow\/tfjs-backend-wasm@4\.22\.\d+ tfjs-core@4\.22\.\d+$/);
  });
});
