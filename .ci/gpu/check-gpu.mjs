// The GPU workflow's first check (.github/workflows/claims-gpu.yml; docs/gpu.md): can a GPU kernel
// run on this device with this image's TensorFlow? A small matrix product on the GPU is compared
// with the same product computed here in float64. Exit 0 with one line when it matches; otherwise
// exit 1 with one line saying why, before hours of claims would run on the CPU or crash midway.
//   node .ci/gpu/check-gpu.mjs          (in the image, after npm ci: .ci/gpu/run.sh node .ci/gpu/check-gpu.mjs)
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * What the image (.ci/gpu/Dockerfile: CUDA 11.2, cuDNN 8.1, libtensorflow 2.9.1) supports: CUDA
 * 11.2 compiles for compute capability up to 8.6 (Ampere); Hopper (9.0: H100, H200) and later get
 * no kernels of their own, only a JIT of TensorFlow's PTX, after which upstream reports allocation
 * failures.
 */
export const IMAGE = 'CUDA 11.2, TensorFlow 2.9.1';
export const MAX_COMPUTE_CAPABILITY = 8.6;
export const SUPPORTED = `compute capability 3.5 to ${MAX_COMPUTE_CAPABILITY} (Kepler to Ampere); not Hopper (9.0: H100, H200) or later`;

/** The GPUs nvidia-smi lists, with their compute capability (null where the driver cannot say). */
export function listGpus(exec = (cmd, args) => execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })) {
  let out;
  try {
    out = exec('nvidia-smi', ['--query-gpu=name,compute_cap', '--format=csv,noheader']);
  } catch (err) {
    return { gpus: [], why: err.code === 'ENOENT' ? 'no nvidia-smi: no NVIDIA driver here' : `nvidia-smi failed (${String(err.stderr || err.message).trim().split('\n')[0]})` };
  }
  const gpus = out.trim().split('\n').filter(Boolean).map((line) => {
    const [name, cc] = line.split(',').map((s) => s.trim());
    const n = Number(cc);
    return { name, computeCapability: Number.isFinite(n) && n > 0 ? n : null };
  });
  return { gpus, why: gpus.length ? null : 'nvidia-smi lists no GPU' };
}

/** Deterministic entries in [-0.5, 0.5): the same matrices on every machine. */
const entries = (n, salt) => Float32Array.from({ length: n }, (_, i) => (((i + 1) * 7919 + salt * 104729) % 997) / 997 - 0.5);

/**
 * A [m, k]·[k, n] product computed by `tf` against float64 here: the largest difference relative to
 * the sum of absolute products of its entry (float32 accumulation, TF32 on Ampere, stay far below 1e-2).
 */
export function compareProduct(tf, m = 128, k = 96, n = 64) {
  const a = entries(m * k, 1);
  const b = entries(k * n, 2);
  const got = tf.tidy(() => tf.matMul(tf.tensor2d(a, [m, k]), tf.tensor2d(b, [k, n])).dataSync());
  let worst = 0;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let sum = 0;
      let scale = 0;
      for (let t = 0; t < k; t++) {
        sum += a[i * k + t] * b[t * n + j];
        scale += Math.abs(a[i * k + t] * b[t * n + j]);
      }
      const err = Math.abs(got[i * n + j] - sum) / scale;
      worst = Number.isNaN(err) ? Infinity : Math.max(worst, err);
    }
  }
  return { shape: `${m}×${k}·${k}×${n}`, maxRelativeError: worst, matches: worst <= 1e-2 };
}

/** The check, one line and an exit status; `load` returns tfjs-node-gpu or throws. */
export async function checkGpu({ gpus = listGpus(), load } = {}) {
  const fail = (why) => ({ ok: false, line: `gpu check: no GPU kernel can run here: ${why}. This image (${IMAGE}) supports ${SUPPORTED}; see docs/gpu.md` });
  if (gpus.why) return fail(`no GPU (${gpus.why})`);
  const names = gpus.gpus.map((g) => `${g.name} (compute capability ${g.computeCapability ?? 'unknown'})`).join(', ');
  const beyond = gpus.gpus.filter((g) => g.computeCapability !== null && g.computeCapability > MAX_COMPUTE_CAPABILITY);
  let tf;
  try {
    tf = await load();
  } catch (err) {
    return fail(`${names}: @tensorflow/tfjs-node-gpu does not load (${String(err.message).split('\n')[0]})`);
  }
  if (tf.backend().isUsingGpuDevice !== true) return fail(`${names}: TensorFlow registered no GPU device (its CUDA 11.2 and cuDNN 8.1 libraries did not load; TensorFlow's lines above say which)`);
  let r;
  try {
    r = compareProduct(tf);
  } catch (err) {
    return fail(`${names}: a ${'128×96·96×64'} product on the GPU failed (${String(err.message).split('\n')[0]})`);
  }
  if (!r.matches) return fail(`${names}: a ${r.shape} product on the GPU differs from the CPU's (max relative error ${r.maxRelativeError.toExponential(2)})`);
  const warn = beyond.length ? `; compute capability above ${MAX_COMPUTE_CAPABILITY} runs JIT-compiled PTX, unsupported by this image (docs/gpu.md)` : '';
  return { ok: true, line: `gpu check: ${names}: a ${r.shape} product on the GPU matches the CPU (max relative error ${r.maxRelativeError.toExponential(2)})${warn}` };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const require = createRequire(join(process.cwd(), 'package.json'));
  const r = await checkGpu({ load: async () => require('@tensorflow/tfjs-node-gpu') });
  (r.ok ? process.stdout : process.stderr).write(`${r.line}\n`);
  process.exit(r.ok ? 0 : 1);
}
