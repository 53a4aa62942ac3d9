import { describe, expect, it } from 'vitest';
import { EnvError } from '../../src/config/env-error.ts';
import { MAX_POPULATION, populationChoice, populationSize } from '../../src/config/population.ts';

const GiB = 2 ** 30;
const cpu = { device: 'CPU' as const, freeBytes: null, perRunBytes: 8e6, waiting: 10 };

describe('GROK_POPULATION', () => {
  it('auto by default, off, or a positive integer', () => {
    expect(populationChoice(undefined)).toEqual({ kind: 'auto' });
    expect(populationChoice('')).toEqual({ kind: 'auto' });
    expect(populationChoice('auto')).toEqual({ kind: 'auto' });
    expect(populationChoice('off')).toEqual({ kind: 'fixed', size: 1 });
    expect(populationChoice('5')).toEqual({ kind: 'fixed', size: 5 });
  });

  it.each(['0', '-2', '2.5', 'many', '1e9', '0x10', String(MAX_POPULATION + 1)])('%s is an error naming the variable and what is allowed, up to its limit', (v) => {
    expect(() => populationChoice(v)).toThrow(EnvError);
    expect(() => populationChoice(v)).toThrow(new RegExp(`^GROK_POPULATION: "${v}" is invalid; allowed: auto .*, off, or a positive integer up to ${MAX_POPULATION}$`));
    expect(populationChoice(String(MAX_POPULATION))).toEqual({ kind: 'fixed', size: MAX_POPULATION });
  });

  it('auto trains one run at a time on a CPU device, and sizes a GPU population from free memory, never above the runs waiting', () => {
    expect(populationSize({ kind: 'auto' }, cpu)).toBe(1);
    expect(populationSize({ kind: 'auto' }, { ...cpu, device: 'GPU', freeBytes: 100 * GiB })).toBe(10);
    expect(populationSize({ kind: 'auto' }, { ...cpu, device: 'GPU', freeBytes: 100 * GiB, waiting: 1000 })).toBe(1000);
    expect(populationSize({ kind: 'auto' }, { device: 'GPU', freeBytes: 1 * GiB, perRunBytes: 0.25 * GiB, waiting: 1000 })).toBe(3);
    // no memory figure (webgpu without nvidia-smi): a small fixed size
    expect(populationSize({ kind: 'auto' }, { ...cpu, device: 'GPU', waiting: 1000 })).toBe(8);
  });

  it('a fixed size is used on any device, capped by the runs waiting', () => {
    expect(populationSize({ kind: 'fixed', size: 4 }, cpu)).toBe(4);
    expect(populationSize({ kind: 'fixed', size: 40 }, cpu)).toBe(10);
    expect(populationSize({ kind: 'fixed', size: 1 }, { ...cpu, device: 'GPU', freeBytes: 100 * GiB })).toBe(1);
  });
});
