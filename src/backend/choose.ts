import * as tf from '@tensorflow/tfjs-core';
import { BACKEND_CHOICES, parseBackendChoice, type BackendChoice } from './choice.ts';

/**
 * Picks the fastest tfjs backend that actually loads on this machine.
 *
 * Order: native TensorFlow (GPU, then CPU) → WebAssembly → plain JS cpu. The native packages are
 * optionalDependencies whose install downloads libtensorflow; on machines without that download
 * they are simply absent, so every branch must fail softly and say why.
 */
export { BACKEND_CHOICES, parseBackendChoice, type BackendChoice };

export interface Candidate {
  /** tfjs backend name registered by the module. */
  backend: 'tensorflow' | 'wasm' | 'cpu';
  /** npm module whose import registers the backend. */
  module: string;
  label: string;
}

const NODE_GPU: Candidate = { backend: 'tensorflow', module: '@tensorflow/tfjs-node-gpu', label: 'TensorFlow native (GPU build)' };

export const CANDIDATES: Record<Exclude<BackendChoice, 'auto' | 'native'>, Candidate[]> = {
  tensorflow: [NODE_GPU, { backend: 'tensorflow', module: '@tensorflow/tfjs-node', label: 'TensorFlow native (CPU)' }],
  gpu: [NODE_GPU],
  wasm: [{ backend: 'wasm', module: '@tensorflow/tfjs-backend-wasm', label: 'WebAssembly (XNNPACK, SIMD)' }],
  cpu: [{ backend: 'cpu', module: '@tensorflow/tfjs-backend-cpu', label: 'plain JavaScript (slow)' }],
};

export interface BackendDecision {
  backend: string;
  module: string;
  label: string;
  /** Where the kernels run, as the backend itself reports it (not as its package name promises). */
  device: DeviceKind;
  /** What the probe found (the GPU, or why TensorFlow runs on the CPU). */
  deviceNote: string;
  /** Why each better candidate was not used, in the order tried. */
  rejected: { module: string; reason: string }[];
}

export type DeviceKind = 'GPU' | 'CPU';
export interface DeviceReport { device: DeviceKind; note: string }
/** Asks the activated backend where it runs; throws when it computes wrong numbers. */
export type DeviceProbe = (c: Candidate) => Promise<DeviceReport>;

/**
 * tfjs-node-gpu 4.22 bundles libtensorflow 2.9.1, built against CUDA 11.2 and cuDNN 8.1. Where
 * those libraries cannot be loaded (e.g. a CUDA 12 machine: "Could not load dynamic library
 * 'libcudart.so.11.0'", tensorflow/tensorflow#74459, tensorflow/tfjs#8269), TensorFlow registers
 * no GPU device and quietly runs every op on the CPU.
 */
export const NO_GPU_NOTE =
  'TensorFlow runs on the CPU: @tensorflow/tfjs-node-gpu loaded but TensorFlow registered no GPU device. Its libtensorflow 2.9.1 needs CUDA 11.2 and cuDNN 8.1 ' +
  '(libcudart.so.11.0, libcublas.so.11, libcudnn.so.8) and an NVIDIA driver; TensorFlow\'s "Could not load dynamic library" lines above name what is missing. ' +
  'The container recipe .ci/gpu/Dockerfile provides them (see the README, "Backends and GPUs")';

/** A 2×2 product any backend must get exactly right: a backend that loads but computes garbage is rejected. */
function checkArithmetic(): void {
  const got = tf.tidy(() => tf.matMul(tf.tensor2d([1, 2, 3, 4], [2, 2]), tf.tensor2d([5, 6, 7, 8], [2, 2])).dataSync());
  const want = [19, 22, 43, 50];
  if (want.some((w, i) => got[i] !== w)) throw new Error(`its test product [[1,2],[3,4]]·[[5,6],[7,8]] gave [${Array.from(got).join(', ')}], not [${want.join(', ')}]`);
}

/**
 * The default probe. The tfjs-node backend object carries `isUsingGpuDevice`, which its binding
 * sets from TensorFlow's device list: true only when TensorFlow registered a GPU device, and then
 * every op is placed on it (tfjs-node binding/tfjs_backend.cc). The package name alone proves nothing.
 */
export const probeDevice: DeviceProbe = async (c) => {
  checkArithmetic();
  if (c.backend !== 'tensorflow') return { device: 'CPU', note: c.backend === 'wasm' ? 'WebAssembly on the CPU' : 'JavaScript on the CPU' };
  const b = tf.backend() as { isUsingGpuDevice?: unknown };
  if (b.isUsingGpuDevice === true) return { device: 'GPU', note: 'TensorFlow placed its ops on a GPU device (isUsingGpuDevice)' };
  return { device: 'CPU', note: c.module === NODE_GPU.module ? NO_GPU_NOTE : 'TensorFlow native on the CPU' };
};

export type ModuleLoader = (name: string) => Promise<unknown>;
/** Activates a registered tfjs backend; resolves false when it cannot initialise. */
export type BackendActivator = (backend: string) => Promise<boolean>;

const defaultLoader: ModuleLoader = (name) => import(name);
const defaultActivator: BackendActivator = async (name) => {
  const ok = await tf.setBackend(name);
  await tf.ready();
  return ok;
};

function candidatesFor(choice: BackendChoice): Candidate[] {
  if (choice === 'auto') return [...CANDIDATES.tensorflow, ...CANDIDATES.wasm, ...CANDIDATES.cpu];
  // the native engine's runs need tfjs only beside it (pruning scores, edge-popup): wasm, as a plain run gets
  if (choice === 'native') return [...CANDIDATES.wasm, ...CANDIDATES.cpu];
  return CANDIDATES[choice];
}

function shortReason(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  if (/Cannot find (module|package)/.test(msg) || /ERR_MODULE_NOT_FOUND/.test(msg)) return 'not installed';
  return msg.split('\n')[0].slice(0, 200);
}

/**
 * Tries candidates in order; an explicit choice that cannot load is an error (the user asked for
 * it), while `auto` falls through to the next candidate. Each activated candidate is probed for
 * where it really runs; `gpu` accepts only a GPU device.
 */
export async function chooseBackend(
  choice: BackendChoice,
  load: ModuleLoader = defaultLoader,
  activate: BackendActivator = defaultActivator,
  probe: DeviceProbe = probeDevice,
): Promise<BackendDecision> {
  const rejected: BackendDecision['rejected'] = [];
  for (const c of candidatesFor(choice)) {
    try {
      await load(c.module);
      if (!(await activate(c.backend))) {
        rejected.push({ module: c.module, reason: 'loaded but failed to initialise' });
        continue;
      }
      const d = await probe(c);
      if (choice === 'gpu' && d.device !== 'GPU') {
        rejected.push({ module: c.module, reason: d.note });
        continue;
      }
      return { backend: c.backend, module: c.module, label: c.label, device: d.device, deviceNote: d.note, rejected };
    } catch (err) {
      rejected.push({ module: c.module, reason: shortReason(err) });
    }
  }
  const tried = rejected.map((r) => `${r.module}: ${r.reason}`).join('; ');
  throw new Error(`GROK_BACKEND=${choice}: no usable backend (${tried})`);
}

export function describeDecision(d: BackendDecision): string {
  const why = d.rejected.length ? ` (not used: ${d.rejected.map((r) => `${r.module} — ${r.reason}`).join('; ')})` : '';
  // a GPU build on the CPU is said in so many words: the package name would suggest otherwise
  const device = d.backend === 'tensorflow' && d.device === 'CPU' && d.module === NODE_GPU.module ? `; ${d.deviceNote}` : `; device: ${d.device}`;
  return `backend: ${d.backend} via ${d.module}, ${d.label}${device}${why}`;
}

let active: Promise<BackendDecision> | undefined;
let decided: BackendDecision | undefined;

/** Initialises the backend once per process from GROK_BACKEND (default auto). */
export function initBackend(choice = parseBackendChoice(process.env.GROK_BACKEND)): Promise<BackendDecision> {
  active ??= chooseBackend(choice).then((d) => {
    if (process.env.GROK_QUIET !== '1') process.stderr.write(`[grok] ${describeDecision(d)}\n`);
    decided = d;
    return d;
  });
  return active;
}

/** The backend initBackend chose; an error before it has resolved (the caller must await it first). */
export function currentBackend(): BackendDecision {
  if (!decided) throw new Error('no tfjs backend chosen yet: await initBackend() first');
  return decided;
}
