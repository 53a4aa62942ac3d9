import { BACKEND_CHOICES } from '../backend/choice.ts';
import { SCALE_NAMES } from '../config/scale.ts';

/**
 * Every environment variable the harness reads, in one table: `grok --help` prints it, and
 * test/cli/env-vars.test.ts checks it against the variables src/ reads, so the help cannot drift.
 * Imports only light modules: the help must load no tfjs or vega.
 */
export interface EnvVar { name: string; what: string }

export const ENV_VARS: readonly EnvVar[] = [
  { name: 'GROK_BACKEND', what: `${BACKEND_CHOICES.join('|')}: who computes (native: the C engine or an error; gpu: tfjs-node-gpu on a GPU or an error; default auto)` },
  { name: 'GROK_SCALE', what: `${SCALE_NAMES.join('|')}: how much the claims and grok train --setting train (default ci)` },
  { name: 'GROK_SETTINGS', what: 'comma-separated setting names the claims run on (default all; see grok list)' },
  { name: 'GROK_WORKERS', what: 'parallel training workers (default: the cores, at most 4; 1 with a native TensorFlow backend)' },
  { name: 'GROK_POPULATION', what: 'auto|off|n: runs of one shape trained together (default auto: one on a CPU, from free memory on a GPU)' },
  { name: 'GROK_CACHE', what: 'the run store (default .grok-cache/)' },
  { name: 'GROK_RESULTS', what: 'where claim outcomes are written (default $GROK_CACHE/claims)' },
  { name: 'GROK_REPORTS', what: 'the report folder (default reports/)' },
  { name: 'GROK_CLAIMS_DIR', what: 'the claim files (default claims/)' },
  { name: 'GROK_DATA', what: 'folder holding external data sets (IMDb: $GROK_DATA/aclImdb)' },
  { name: 'GROK_QUIET', what: '1: no backend or engine line on stderr' },
  { name: 'GROK_MAX_MEMORY_GB', what: 'memory one run may use, in GiB (default: half the RAM with a native backend, 4 on wasm)' },
  { name: 'GROK_GPU_MEMORY_GB', what: 'GPU memory in GiB when nvidia-smi cannot tell (sizes populations)' },
  { name: 'GROK_NATIVE_BUILD', what: '0: npm ci does not build the native engine' },
  { name: 'GROK_NATIVE_ADDON', what: 'path of the native engine\'s addon (tests: a missing file forces the tfjs fallback)' },
  { name: 'OPENBLAS_CORETYPE', what: 'OpenBLAS kernel of the native engine (default: chosen from the CPU flags; .ci/run pins Haswell)' },
];

/** The help's "Environment:" section, one variable a line. */
export function environmentHelp(): string {
  const width = Math.max(...ENV_VARS.map((v) => v.name.length));
  return `Environment:\n${ENV_VARS.map((v) => `  ${v.name.padEnd(width)}  ${v.what}`).join('\n')}`;
}
