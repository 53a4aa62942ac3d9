import { chooseBackend, describeDecision, parseBackendChoice } from '../backend/choose.ts';
import { gpuMemory } from '../backend/gpu-memory.ts';
import { environment } from '../backend/info.ts';
import { describeEngine } from '../engines/choose.ts';
import { nativeStatus } from '../engines/native/index.ts';

/**
 * `--json` is what a claim shard records as its environment.json (see `grok report --merge`): the
 * backend, the device it really runs on, and the GPU nvidia-smi sees, if any.
 */
export async function info(o: { json?: boolean } = {}): Promise<number> {
  // nvidia-smi before TensorFlow starts: TensorFlow reserves device memory once it runs
  const gpu = gpuMemory();
  // chooseBackend, not initBackend: the backend line below is this command's output, and
  // initBackend would announce it a second time on stderr
  const d = await chooseBackend(parseBackendChoice(process.env.GROK_BACKEND));
  const env = await environment(d);
  const gpuLine = gpu ? `${gpu.name}, ${(gpu.totalBytes / 2 ** 30).toFixed(1)} GiB (${(gpu.freeBytes / 2 ** 30).toFixed(1)} GiB free; ${gpu.source})` : 'none found (nvidia-smi absent or failed)';
  const engine = describeEngine();
  if (o.json) {
    process.stdout.write(`${JSON.stringify({ ...env, gpu: gpuLine, describe: describeDecision(d), engine, native: nativeStatus() })}\n`);
    return 0;
  }
  process.stdout.write(`${engine}\n${describeDecision(d)}\ndevice: ${env.device}\ngpu: ${gpuLine}\nthreads: ${env.threads}\nnode: ${env.node} (${env.platform})\ncommit: ${env.commit}\n`);
  for (const [k, v] of Object.entries(env.versions)) process.stdout.write(`${k}: ${v}\n`);
  return 0;
}
