import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Layout } from '../../models/layout.ts';
import type { Examples } from '../../tasks/types.ts';
import type { ResumeState } from '../../train/loop.ts';
import { weightNorms } from '../../train/norms.ts';
import type { Engine, Evaluated, Session, SessionSpec } from '../types.ts';

/**
 * The native engine: an N-API addon (addon/*.c, built by `npm ci` through scripts/build-native.mjs
 * with node-gyp against Debian's node headers and OpenBLAS) that keeps a run's θ, mask, AdamW
 * moments and data in native memory and does a whole step in one call. Models it has kernels for
 * are listed in ADAPTERS (each maps the TypeScript layout's sizes to the C model's dims, in the
 * order addon/<model>.c reads them); anything else, and edge-popup's stepper, runs on tfjs.
 */

const HERE = dirname(fileURLToPath(import.meta.url));
// GROK_NATIVE_ADDON points elsewhere only in tests (a missing file: the fallback to tfjs)
const ADDON = process.env.GROK_NATIVE_ADDON || join(HERE, 'build', 'Release', 'grok_native.node');

interface Addon {
  open(spec: unknown): object;
  forward(s: object, set: 0 | 1, withLoss: boolean): Float64Array;
  update(s: object): void;
  stepOn(s: object, idx: Int32Array): void;
  state(s: object): { theta: Float32Array; m: Float32Array; v: Float32Array; step: number };
  theta(s: object): Float32Array;
  output(s: object, set: 0 | 1): Float32Array;
  gradient(s: object): Float32Array;
  close(s: object): void;
  info(): { corename: string; config: string; threads: number };
}

/**
 * Per model: the C file with its kernel (its hash is in the run key of that model's runs only, so a
 * new kernel retrains nothing else) and its sizes in the C constructor's order. A new native model
 * is a C file and a line here (and in addon/registry.c and binding.gyp).
 */
export const ADAPTERS: Record<string, { source: string; dims(layout: Layout): number[] }> = {
  'mnist-mlp': { source: 'dense_chain.c', dims: (l) => [l.dims.dIn, l.dims.dModel, l.dims.classes] },
  'poly-mlp': { source: 'dense_chain.c', dims: (l) => [l.dims.d, l.dims.dModel, l.dims.dEmb, l.dims.out] },
  'relu-mlp': { source: 'dense_chain.c', dims: (l) => [l.dims.n, l.dims.width, l.dims.out] },
  mlp: { source: 'mlp.c', dims: (l) => [l.dims.p, l.dims.dEmb, l.dims.dModel] },
  transformer: { source: 'transformer.c', dims: (l) => [l.dims.p, l.dims.dModel, l.dims.dMlp, l.dims.dHead] },
  lstm: { source: 'lstm.c', dims: (l) => [l.dims.vocab, l.dims.positions, l.dims.dEmb, l.dims.dHidden, l.dims.outputs] },
};

const LOSSES: Record<string, number> = { crossEntropy: 0, mse: 1, binaryCrossEntropy: 2 };

export interface NativeStatus {
  ok: boolean;
  /** Why it did not load (missing build, missing OpenBLAS, …). */
  reason?: string;
  /** OpenBLAS's version line and the kernel it chose for this CPU. */
  openblas?: string;
  corename?: string;
}

let addon: Addon | undefined;
let status: NativeStatus | undefined;

/**
 * What a model's native results depend on in our C: the shared core (the N-API glue, losses, AdamW,
 * products), the model's own kernel and the compiler flags. The lists a new model is added to
 * (registry.c, binding.gyp's sources) are left out, as src/models/index.ts is for the TypeScript.
 */
const SHARED_C = ['engine.h', 'core.c', 'addon.c'];
const hashes = new Map<string, string>();
export function kernelHash(model: string): string {
  let h = hashes.get(model);
  if (!h) {
    const sha = createHash('sha256');
    for (const f of [...SHARED_C, ADAPTERS[model].source]) sha.update(f).update('\0').update(readFileSync(join(HERE, 'addon', f))).update('\0');
    const gyp = JSON.parse(readFileSync(join(HERE, 'binding.gyp'), 'utf8')) as { targets: { cflags: string[]; libraries: string[]; defines: string[] }[] };
    const { cflags, libraries, defines } = gyp.targets[0];
    sha.update(JSON.stringify({ cflags, libraries, defines }));
    hashes.set(model, (h = sha.digest('hex').slice(0, 12)));
  }
  return h;
}

/**
 * OpenBLAS's kernel, chosen by us rather than by its CPU detection: a fixed choice per CPU feature
 * set (part of every run key), and the AVX-512 kernel where the CPU has it, which OpenBLAS 0.3.21
 * does not pick on AMD Zen 4/5 (it falls back to Haswell's AVX2 kernel; measured on this machine's
 * EPYC: the transformer's forward 0.50 → 0.33 ms, backward 1.04 → 0.69 ms). OPENBLAS_CORETYPE set
 * by the user wins. Read by OpenBLAS when the library loads, i.e. with the addon, below.
 */
export function chooseCoretype(cpuFlags: string): string | null {
  const has = (f: string) => new RegExp(`\\b${f}\\b`).test(cpuFlags);
  if (['avx512f', 'avx512bw', 'avx512dq', 'avx512vl', 'avx512cd'].every(has)) return 'SKYLAKEX';
  if (['avx2', 'fma'].every(has)) return 'HASWELL';
  return null;
}

function cpuFlags(): string {
  try {
    return /^flags\s*:(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? '';
  } catch {
    return '';
  }
}

/** Loads the addon once per process (each worker thread loads its own instance). */
export function nativeStatus(): NativeStatus {
  if (!status) {
    const core = process.env.OPENBLAS_CORETYPE ? null : chooseCoretype(cpuFlags());
    if (core) process.env.OPENBLAS_CORETYPE = core;
    status = loadNative(ADDON);
  }
  return status;
}

/** Tries to load the addon at `path`; why not, in the words of what to install. */
export function loadNative(path: string): NativeStatus {
  let status: NativeStatus;
  try {
    addon = createRequire(import.meta.url)(path) as Addon;
    const i = addon.info();
    const version = /OpenBLAS [\d.]+/.exec(i.config)?.[0] ?? i.config;
    if (i.threads !== 1) throw new Error(`OpenBLAS runs ${i.threads} threads, not 1`);
    status = { ok: true, openblas: version, corename: i.corename };
  } catch (err) {
    const msg = err instanceof Error ? err.message.split('\n')[0] : String(err);
    const reason = /Cannot find module|no such file/i.test(msg)
      ? 'the addon is not built (needs a C compiler and Debian\'s libopenblas-dev: apt-get install build-essential libopenblas-dev, then npm ci)'
      : /libopenblas/.test(msg) ? `OpenBLAS does not load (apt-get install libopenblas0): ${msg}` : msg;
    status = { ok: false, reason };
  }
  return status;
}

/**
 * The part of a model's run key that says what computed it natively: our kernel's hash (a changed
 * kernel never reuses the old kernel's results), OpenBLAS's version and the kernel it ran.
 */
export function nativeId(model: string): string {
  const s = nativeStatus();
  if (!s.ok) throw new Error(`native engine: ${s.reason}`);
  return `native@${kernelHash(model)} ${s.openblas} ${s.corename}`;
}

function loadedAddon(): Addon {
  const s = nativeStatus();
  if (!s.ok || !addon) throw new Error(`native engine: ${s.reason}`);
  return addon;
}

/** An example set as the addon takes it: tokens position-major, vectors row-major, labels or targets. */
function nativeSet(ex: Examples, outputSize: number, loss: string) {
  if (ex.kind === 'tokens') {
    const tok = new Int32Array(ex.n * ex.tokens.length);
    ex.tokens.forEach((col, j) => tok.set(col, j * ex.n));
    let targets: Float32Array | null = null;
    if (loss === 'mse') {
      targets = new Float32Array(ex.n * outputSize);
      for (let i = 0; i < ex.n; i++) targets[i * outputSize + ex.labels[i]] = 1;
    }
    return { n: ex.n, positions: ex.tokens.length, tok, dim: 0, x: null, labels: ex.labels, targets };
  }
  return { n: ex.n, positions: 0, tok: null, dim: ex.dim, x: ex.x, labels: ex.labels ?? null, targets: ex.targets };
}

function refuses({ model, loss, training, lanes }: Parameters<Engine['refuses']>[0]): string | null {
  if (!nativeStatus().ok) return nativeStatus().reason!;
  if (!ADAPTERS[model.name]) return `no native kernel for model ${model.name}`;
  if (!(loss.name in LOSSES)) return `no native kernel for loss ${loss.name}`;
  if (training !== 'dense') return 'a derivation with its own stepper (edge-popup) trains on tfjs';
  if (lanes !== 1) return 'the native engine trains one run per session (populations pay only on a GPU)';
  return null;
}

function openAddon(a: Addon, spec: SessionSpec, r: ResumeState | null): object {
  const { model, loss, layout, outputSize, splits, training } = spec;
  if (training.kind !== 'dense') throw new Error('native engine: dense training only');
  const lane = training.lanes[0];
  return a.open({
    model: model.name, dims: Int32Array.from(ADAPTERS[model.name].dims(layout)), loss: LOSSES[loss.name],
    theta: r?.theta ?? lane.theta0, mask: lane.mask, m: r?.optim.m ?? null, v: r?.optim.v ?? null, step: r?.optim.step ?? 0,
    optim: training.optim,
    train: nativeSet(splits[0].train, outputSize, loss.name), test: nativeSet(splits[0].test, outputSize, loss.name),
  });
}

function open(spec: SessionSpec, resumed: (ResumeState | null)[]): Session {
  const { model, loss, layout, outputSize, splits, training } = spec;
  const why = refuses({ model, loss, training: training.kind, lanes: splits.length });
  if (why || training.kind !== 'dense') throw new Error(`native engine: ${why}`);
  const a = loadedAddon();
  const r = resumed[0];
  const mask = training.lanes[0].mask;
  const s = openAddon(a, spec, r);
  const metrics = (m: Float64Array): Evaluated[] => [{ loss: m[0], acc: m[1], finite: m[2] === 1 }];
  let step = r?.optim.step ?? 0;
  return {
    get step() {
      return step;
    },
    forwardTrain: (withLoss) => metrics(a.forward(s, 0, withLoss)),
    update() {
      a.update(s);
      step++;
    },
    evaluate: (set) => metrics(a.forward(s, set === 'train' ? 0 : 1, true)),
    norms: () => [weightNorms(layout, a.theta(s), mask)],
    stepOn(idx) {
      a.stepOn(s, idx);
      step++;
    },
    snapshot: () => a.theta(s),
    resumeState(_lane, log) {
      const st = a.state(s);
      return { theta: st.theta, optim: { m: st.m, v: st.v, step: st.step }, log };
    },
    dispose: () => a.close(s),
  };
}

export const nativeEngine: Engine = { name: 'native', refuses, open };

/**
 * The output on the training set and ∂L/∂θ_eff (masked) at θ0 of a one-lane dense spec, without
 * stepping: what test/engines/native-fidelity.test.ts compares with the tfjs engine.
 */
export function nativeGradient(spec: SessionSpec): { out: Float32Array; grad: Float32Array } {
  const a = loadedAddon();
  const s = openAddon(a, spec, null);
  try {
    const grad = a.gradient(s);
    return { out: a.output(s, 0), grad };
  } finally {
    a.close(s);
  }
}
