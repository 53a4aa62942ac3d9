import { describe, expect, it } from 'vitest';
import { nativeBackendLikely, workerCount } from '../../src/config/workers.ts';

describe('worker pool size', () => {
  it('GROK_WORKERS sets it for wasm and cpu, and a bad value is an error naming the variable', () => {
    expect(workerCount('3', false, 4)).toBe(3);
    expect(workerCount('', false)).toBeGreaterThanOrEqual(1);
    expect(() => workerCount('two', false)).toThrow(/GROK_WORKERS: "two" is invalid/);
    expect(() => workerCount('0', true)).toThrow(/GROK_WORKERS: "0" is invalid/);
  });

  it.each(['1e9', '5', '0x4', '2.0', ' 3'])('GROK_WORKERS=%j is refused on 4 cores, naming the limit', (v) => {
    expect(() => workerCount(v, false, 4)).toThrow(`GROK_WORKERS: "${v}" is invalid; allowed: a positive integer up to 4, this machine's cores (unset: the number of cores, at most 4)`);
    expect(workerCount('4', false, 4)).toBe(4);
  });

  it('one worker per process with a native TensorFlow backend, whatever GROK_WORKERS asks', () => {
    expect(workerCount('3', true, 4)).toBe(1);
    expect(workerCount(undefined, true)).toBe(1);
  });

  it('knows a native backend is coming before loading one', () => {
    const none = () => false;
    const gpuInstalled = (n: string) => n === '@tensorflow/tfjs-node-gpu';
    expect(nativeBackendLikely('tensorflow', none)).toBe(true);
    expect(nativeBackendLikely('gpu', none)).toBe(true);
    expect(nativeBackendLikely('wasm', gpuInstalled)).toBe(false);
    expect(nativeBackendLikely('cpu', gpuInstalled)).toBe(false);
    expect(nativeBackendLikely('auto', none)).toBe(false);
    expect(nativeBackendLikely('auto', gpuInstalled)).toBe(true);
    expect(nativeBackendLikely(undefined, (n) => n === '@tensorflow/tfjs-node')).toBe(true);
    // on this machine no native package is installed: auto keeps the pool
    expect(nativeBackendLikely('auto')).toBe(false);
  });
});
