import { execFileSync } from 'node:child_process';

/**
 * The GPU's name and memory, for sizing populations (src/config/gpu-population.ts) and for the
 * environment a shard records. tfjs-node exposes no device memory (its binding reports only
 * whether a GPU device is in use), so this asks `nvidia-smi`, which ships with the NVIDIA driver
 * and is mounted into containers by the NVIDIA container toolkit. Ask before TensorFlow starts:
 * by default TensorFlow reserves most of the device for itself (TF_FORCE_GPU_ALLOW_GROWTH=true,
 * set in .ci/gpu/Dockerfile, makes it allocate as it goes).
 */

export interface GpuMemory {
  name: string;
  totalBytes: number;
  freeBytes: number;
  /** Where the numbers came from. */
  source: string;
}

export type Exec = (cmd: string, args: string[]) => string;

const MiB = 2 ** 20;
const GiB = 2 ** 30;

const defaultExec: Exec = (cmd, args) => execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 10_000 });

/** The first visible GPU as nvidia-smi lists it (the device TensorFlow uses as GPU:0), or null. */
export function gpuMemory(env: NodeJS.ProcessEnv = process.env, exec: Exec = defaultExec): GpuMemory | null {
  const set = env.GROK_GPU_MEMORY_GB;
  if (set !== undefined && set.trim() !== '') {
    const gb = Number(set);
    if (!(gb > 0)) throw new Error(`GROK_GPU_MEMORY_GB: "${set}" is invalid (a positive number of GiB)`);
    return { name: 'set by GROK_GPU_MEMORY_GB', totalBytes: gb * GiB, freeBytes: gb * GiB, source: 'GROK_GPU_MEMORY_GB' };
  }
  let out: string;
  try {
    out = exec('nvidia-smi', ['--query-gpu=name,memory.total,memory.used', '--format=csv,noheader,nounits']);
  } catch {
    return null; // no driver, or no GPU: the caller says what that means
  }
  return parseNvidiaSmi(out);
}

/** One line per GPU: "NVIDIA H200, 143771, 0" (MiB). */
export function parseNvidiaSmi(out: string): GpuMemory | null {
  const line = out.split('\n').map((l) => l.trim()).find(Boolean);
  if (!line) return null;
  const parts = line.split(',').map((p) => p.trim());
  const used = Number(parts.at(-1));
  const total = Number(parts.at(-2));
  const name = parts.slice(0, -2).join(', ');
  if (!name || !Number.isFinite(total) || !Number.isFinite(used) || total <= 0 || used < 0) {
    throw new Error(`nvidia-smi printed "${line}", not "name, memory.total, memory.used" in MiB`);
  }
  return { name, totalBytes: total * MiB, freeBytes: Math.max(0, total - used) * MiB, source: 'nvidia-smi' };
}
