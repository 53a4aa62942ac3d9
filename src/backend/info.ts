import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { packageRoot } from '../util/paths.ts';
import { initBackend, type BackendDecision } from './choose.ts';

const PACKAGE_ROOT = packageRoot();

function version(pkg: string): string {
  try {
    // not require.resolve: packages with an "exports" map (vega) hide their package.json
    return (JSON.parse(readFileSync(resolve(PACKAGE_ROOT, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'not installed';
  }
}

/**
 * What a run's numbers depend on besides its config and our code: the backend's package and
 * version (native GPU and native CPU share the tfjs backend name "tensorflow" but not their
 * kernels) and tfjs-core's version. Part of every run key, so a run computed on one backend is
 * never served as the result of another (test/runs/backend-key.test.ts: wasm and cpu differ).
 * For TensorFlow also the device it really ran on: the GPU build falls back to the CPU when CUDA
 * does not load, and a run it computed there is not a GPU run.
 */
export function backendId(d: Pick<BackendDecision, 'module' | 'backend' | 'device'>): string {
  const device = d.backend === 'tensorflow' ? ` on ${d.device}` : '';
  return `${d.module}@${version(d.module)}${device} tfjs-core@${version('@tensorflow/tfjs-core')}`;
}

let commit: string | undefined;
/** The git commit of the harness (with "+dirty" when the work tree has changes), or "unknown". */
export function gitCommit(): string {
  if (commit) return commit;
  try {
    const head = execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { cwd: PACKAGE_ROOT, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: PACKAGE_ROOT, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
    commit = dirty ? `${head}+dirty` : head;
  } catch {
    commit = 'unknown';
  }
  return commit;
}

export interface Environment {
  backend: string;
  backendModule: string;
  backendNote: string;
  /** GPU or CPU, as the backend reported it (see choose.ts), with what the probe found. */
  device: string;
  deviceNote: string;
  threads: string;
  node: string;
  platform: string;
  commit: string;
  versions: Record<string, string>;
}

/** What every run and report records, so a result can be traced to the code and machine. */
export async function environment(decision?: BackendDecision): Promise<Environment> {
  const d = decision ?? (await initBackend());
  let threads = '1';
  if (d.backend === 'wasm') {
    const wasm = (await import('@tensorflow/tfjs-backend-wasm')) as { getThreadsCount?: () => number };
    threads = String(wasm.getThreadsCount?.() ?? 1);
  } else if (d.backend === 'tensorflow') {
    threads = 'native (TensorFlow intra-op pool)';
  }
  return {
    backend: tf.getBackend(),
    backendModule: d.module,
    backendNote: d.rejected.map((r) => `${r.module}: ${r.reason}`).join('; ') || 'first choice',
    device: d.device,
    deviceNote: d.deviceNote,
    threads,
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    commit: gitCommit(),
    versions: Object.fromEntries(
      ['@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-wasm', '@tensorflow/tfjs-backend-cpu', '@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu', 'vega', 'vega-lite', 'vitest'].map((p) => [p, version(p)]),
    ),
  };
}
