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

export const CANDIDATES: Record<Exclude<BackendChoice, 'auto'>, Candidate[]> = {
  tensorflow: [
    { backend: 'tensorflow', module: '@tensorflow/tfjs-node-gpu', label: 'TensorFlow native (GPU)' },
    { backend: 'tensorflow', module: '@tensorflow/tfjs-node', label: 'TensorFlow native (CPU)' },
  ],
  wasm: [{ backend: 'wasm', module: '@tensorflow/tfjs-backend-wasm', label: 'WebAssembly (XNNPACK, SIMD)' }],
  cpu: [{ backend: 'cpu', module: '@tensorflow/tfjs-backend-cpu', label: 'plain JavaScript (slow)' }],
};

export interface BackendDecision {
  backend: string;
  module: string;
  label: string;
  /** Why each better candidate was not used, in the order tried. */
  rejected: { module: string; reason: string }[];
}

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
  return CANDIDATES[choice];
}

function shortReason(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  if (/Cannot find (module|package)/.test(msg) || /ERR_MODULE_NOT_FOUND/.test(msg)) return 'not installed';
  return msg.split('\n')[0].slice(0, 200);
}

/**
 * Tries candidates in order; an explicit choice that cannot load is an error (the user asked for
 * it), while `auto` falls through to the next candidate.
 */
export async function chooseBackend(
  choice: BackendChoice,
  load: ModuleLoader = defaultLoader,
  activate: BackendActivator = defaultActivator,
): Promise<BackendDecision> {
  const rejected: BackendDecision['rejected'] = [];
  for (const c of candidatesFor(choice)) {
    try {
      await load(c.module);
      if (await activate(c.backend)) return { backend: c.backend, module: c.module, label: c.label, rejected };
      rejected.push({ module: c.module, reason: 'loaded but failed to initialise' });
    } catch (err) {
      rejected.push({ module: c.module, reason: shortReason(err) });
    }
  }
  const tried = rejected.map((r) => `${r.module}: ${r.reason}`).join('; ');
  throw new Error(`GROK_BACKEND=${choice}: no usable backend (${tried})`);
}

export function describeDecision(d: BackendDecision): string {
  const why = d.rejected.length ? ` (not used: ${d.rejected.map((r) => `${r.module} — ${r.reason}`).join('; ')})` : '';
  return `backend: ${d.backend} via ${d.module}, ${d.label}${why}`;
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
