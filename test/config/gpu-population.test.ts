import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { estimateMemory } from '../../src/config/bounds.ts';
import { gpuPopulationSize, PopulationSizeError } from '../../src/config/gpu-population.ts';
import { parseRunConfig } from '../../src/config/schema.ts';
import { parseNvidiaSmi, gpuMemory } from '../../src/backend/gpu-memory.ts';

const GiB = 2 ** 30;
const MiB = 2 ** 20;

describe('GPU population size from device memory', () => {
  it('fills the device minus headroom and shared data, capped by max', () => {
    expect(gpuPopulationSize({ deviceBytes: 16 * GiB, perRunBytes: 1 * GiB })).toBe(12); // 25 % headroom
    expect(gpuPopulationSize({ deviceBytes: 16 * GiB, perRunBytes: 1 * GiB, headroom: 0 })).toBe(16);
    expect(gpuPopulationSize({ deviceBytes: 16 * GiB, perRunBytes: 1 * GiB, sharedBytes: 2 * GiB })).toBe(10);
    expect(gpuPopulationSize({ deviceBytes: 16 * GiB, perRunBytes: 1 * GiB, max: 5 })).toBe(5);
  });

  it('the paper MLP (bounds.ts estimate) on an H200: every run of a claim fits in one population', () => {
    const perRun = estimateMemory(parseRunConfig({}))!.bytes; // p 67, frac 0.4: ~8 MiB
    const n = gpuPopulationSize({ deviceBytes: 139 * GiB, perRunBytes: perRun });
    expect(n).toBeGreaterThan(10_000);
    expect(gpuPopulationSize({ deviceBytes: 139 * GiB, perRunBytes: perRun, max: 35 })).toBe(35);
  });

  it('never exceeds the budget and is at least one (property)', () => {
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 2 ** 40 }), fc.integer({ min: 1, max: 2 ** 34 }), fc.double({ min: 0, max: 0.9, noNaN: true }),
      (device, perRun, headroom) => {
        let n: number;
        try {
          n = gpuPopulationSize({ deviceBytes: device, perRunBytes: perRun, headroom });
        } catch (e) {
          expect(e).toBeInstanceOf(PopulationSizeError);
          expect(perRun).toBeGreaterThan(device * (1 - headroom));
          return;
        }
        expect(n).toBeGreaterThanOrEqual(1);
        expect(n * perRun).toBeLessThanOrEqual(device * (1 - headroom));
        expect((n + 1) * perRun).toBeGreaterThan(device * (1 - headroom));
      },
    ));
  });

  it('a run that does not fit is an error with the numbers; bad input names the field', () => {
    expect(() => gpuPopulationSize({ deviceBytes: 8 * GiB, perRunBytes: 7 * GiB })).toThrow(/one run needs about 7\.00 GiB but the GPU has 8\.00 GiB free, 6\.00 GiB after keeping 25 %/);
    expect(() => gpuPopulationSize({ deviceBytes: NaN, perRunBytes: 1 })).toThrow(/deviceBytes: NaN is invalid/);
    expect(() => gpuPopulationSize({ deviceBytes: 1, perRunBytes: 0 })).toThrow(/perRunBytes: 0 is invalid/);
    expect(() => gpuPopulationSize({ deviceBytes: 1, perRunBytes: 1, headroom: 1 })).toThrow(/headroom: 1 is invalid/);
    expect(() => gpuPopulationSize({ deviceBytes: 1, perRunBytes: 1, max: 0 })).toThrow(/max: 0 is invalid/);
  });
});

describe('GPU memory probe', () => {
  it('reads the first GPU nvidia-smi lists; free = total − used', () => {
    expect(parseNvidiaSmi('NVIDIA H200, 143771, 571\nNVIDIA H200, 143771, 0\n')).toEqual({ name: 'NVIDIA H200', totalBytes: 143771 * MiB, freeBytes: (143771 - 571) * MiB, source: 'nvidia-smi' });
    expect(gpuMemory({}, () => 'Tesla V100-SXM2-16GB, 16160, 0\n')!.freeBytes).toBe(16160 * MiB);
    expect(() => parseNvidiaSmi('NVIDIA H200, [N/A], 0')).toThrow(/nvidia-smi printed "NVIDIA H200, \[N\/A\], 0"/);
  });

  it('no driver means no GPU (null); GROK_GPU_MEMORY_GB overrides and is checked', () => {
    expect(gpuMemory({}, () => { throw new Error('spawn nvidia-smi ENOENT'); })).toBeNull();
    expect(gpuMemory({ GROK_GPU_MEMORY_GB: '24' }, () => { throw new Error('not called'); })!.freeBytes).toBe(24 * GiB);
    expect(() => gpuMemory({ GROK_GPU_MEMORY_GB: 'big' })).toThrow(/GROK_GPU_MEMORY_GB: "big" is invalid/);
  });
});
