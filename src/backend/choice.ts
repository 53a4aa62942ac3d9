import { EnvError } from '../config/env-error.ts';

/**
 * GROK_BACKEND, parsed apart from choose.ts (which loads tfjs) so a bad value can be rejected
 * before any work by commands that never load a backend. `gpu` is tfjs-node-gpu on a GPU device
 * or an error: a GPU runner whose CUDA libraries do not load must fail, not train on its CPU.
 * `native` is the native engine (src/engines/native) or an error; `auto` uses it when it loads.
 * Either way the tfjs part (derivations' scores, edge-popup, models without native kernels) runs on
 * the best tfjs backend that loads.
 */
export const BACKEND_CHOICES = ['auto', 'native', 'tensorflow', 'gpu', 'wasm', 'cpu'] as const;
export type BackendChoice = (typeof BACKEND_CHOICES)[number];

export function parseBackendChoice(value: string | undefined): BackendChoice {
  const v = (value ?? 'auto').trim() || 'auto';
  if (!(BACKEND_CHOICES as readonly string[]).includes(v)) {
    throw new EnvError(`GROK_BACKEND: "${v}" is not a backend; allowed values: ${BACKEND_CHOICES.join(', ')}`);
  }
  return v as BackendChoice;
}
