import { constants as bufferConstants } from 'node:buffer';
import { totalmem } from 'node:os';
import type { Layout } from '../models/layout.ts';
import { models } from '../models/index.ts';
import { tasks } from '../tasks/index.ts';
import type { DenseRunConfig } from './schema.ts';

/**
 * Size bounds a run must meet before anything is built or written: non-empty train and test sets
 * (a mean over no examples is NaN) and a memory estimate under a limit, so that `--p 100003` or a
 * huge `dEmb` is refused naming the field instead of dying in V8 or wasm with an out-of-memory
 * error or "Invalid typed array length".
 *
 * The estimate (bytes) for full-batch training, from the resolved layout and the task's sizes:
 *   parameters   10 float32 copies of θ (θ, masked θ, gradient, AdamW m and v, the next θ, the
 *                mask, and the flat copies a snapshot, the resume state and the norms take)
 *   data         per example, the loss targets (cross-entropy keeps one-hot Y and 1 − Y: 2 floats
 *                per class) and one int per input position, for train and test together
 *   activations  the model's `bytesPerExample` (its largest rows alive at once in a step; default
 *                8 floats per output) for the larger of the two sets (they are not evaluated at
 *                the same time)
 * It is an estimate, not a measurement: p = 1009 (MLP, frac 0.4) estimates 8.7 GiB where the issue
 * measured 7.8 GB before the process died; the default p = 67 MLP estimates 8 MiB.
 *
 * The limit: half of this machine's memory, and at most 4 GiB, the address space of the
 * WebAssembly backend (wasm32) every run may fall back on. GROK_MAX_MEMORY_GB overrides it (e.g.
 * for the native TensorFlow backend on a large machine).
 */

const GiB = 2 ** 30;
const WASM_LIMIT = 4 * GiB;
const PARAM_COPIES = 10;

export interface MemoryLimit {
  bytes: number;
  /** How the limit was set, for the message. */
  why: string;
}

export function memoryLimit(env: NodeJS.ProcessEnv = process.env): MemoryLimit {
  const set = env.GROK_MAX_MEMORY_GB;
  if (set !== undefined && set.trim() !== '') {
    const gb = Number(set);
    if (!(gb > 0)) throw new Error(`GROK_MAX_MEMORY_GB: "${set}" is invalid (a positive number of GiB)`);
    return { bytes: gb * GiB, why: 'GROK_MAX_MEMORY_GB' };
  }
  const half = totalmem() / 2;
  return half < WASM_LIMIT
    ? { bytes: half, why: `half of this machine's ${gib(totalmem())}; GROK_MAX_MEMORY_GB overrides` }
    : { bytes: WASM_LIMIT, why: 'the WebAssembly backend\'s 4 GiB address space; GROK_MAX_MEMORY_GB overrides for a native backend' };
}

export interface MemoryEstimate {
  bytes: number;
  params: number;
  train: number;
  test: number;
}

function gib(bytes: number): string {
  const g = bytes / GiB;
  return `${g >= 100 ? Math.round(g).toLocaleString('en-US') : g.toPrecision(g >= 1 ? 3 : 2)} GiB`;
}

/** null when the task cannot say its sizes without building its data (no `size`). */
export function estimateMemory(c: DenseRunConfig): MemoryEstimate | null {
  const task = tasks.get(c.data.task);
  const model = models.get(c.model.name);
  const { task: _t, ...dataFields } = c.data;
  const { name: _n, ...modelFields } = c.model;
  const sizes = task.size?.(dataFields);
  if (!sizes) return null;
  const shape = task.shape(dataFields);
  const layout: Layout = model.layout(modelFields, shape);
  const perExampleData = 4 * (2 * shape.outputSize + (shape.positions ?? 1) + (shape.inputDim ?? 0));
  const perExampleAct = model.bytesPerExample?.(layout) ?? 4 * 8 * shape.outputSize;
  const bytes =
    4 * PARAM_COPIES * layout.size +
    (sizes.train + sizes.test) * perExampleData +
    Math.max(sizes.train, sizes.test) * perExampleAct;
  return { bytes, params: layout.size, ...sizes };
}

/** The integer size fields of the data and model groups set above their default. */
function enlargedFields(c: DenseRunConfig): { group: 'data' | 'model'; field: string; dflt: number }[] {
  const out: { group: 'data' | 'model'; field: string; dflt: number }[] = [];
  const groups = [
    ['data', c.data, tasks.get(c.data.task).schema.parse({})],
    ['model', c.model, models.get(c.model.name).schema.parse({})],
  ] as const;
  for (const [group, fields, defaults] of groups) {
    for (const [field, v] of Object.entries(fields)) {
      const d = (defaults as Record<string, unknown>)[field];
      if (field === 'seed' || typeof v !== 'number' || typeof d !== 'number' || !Number.isInteger(v) || v <= d) continue;
      out.push({ group, field, dflt: d });
    }
  }
  return out;
}

/** The field whose value, put back to its default, lowers the estimate most: the one to make smaller. */
function culprit(c: DenseRunConfig, bytes: number): string {
  let best: { name: string; saved: number } | null = null;
  for (const f of enlargedFields(c)) {
    const smaller = structuredClone(c);
    (smaller[f.group] as Record<string, unknown>)[f.field] = f.dflt;
    let e: MemoryEstimate | null;
    try {
      e = estimateMemory(smaller);
    } catch {
      continue; // the default does not fit with the other fields (e.g. a transformer's dHead)
    }
    if (e && bytes - e.bytes > (best?.saved ?? 0)) best = { name: `${f.group}.${f.field}`, saved: bytes - e.bytes };
  }
  return best?.name ?? '(config)';
}

/**
 * The longest horizon metrics.json can hold. It keeps one train accuracy per epoch and, every
 * evalEvery epochs, the epoch, train and test loss and accuracy and the four norms (RunLog,
 * src/train/loop.ts), each at most ~24 characters as JSON ("-0.12345678901234567e-10,"), and it is
 * written as one string, whose length V8 bounds (buffer.constants.MAX_STRING_LENGTH). Past it a
 * run would train for days and fail writing its log: `--epochs 1e12` is refused up front.
 */
const CHARS_PER_VALUE = 24;
const EVAL_COLUMNS = 9;

export function maxEpochs(evalEvery: number, maxChars = bufferConstants.MAX_STRING_LENGTH): number {
  // chars ≈ CHARS_PER_VALUE · (epochs + 1 + EVAL_COLUMNS · (epochs / evalEvery + 2))
  return Math.floor((maxChars / CHARS_PER_VALUE - 1 - 2 * EVAL_COLUMNS) / (1 + EVAL_COLUMNS / evalEvery));
}

function checkHorizon(c: DenseRunConfig, where: string): string[] {
  const max = maxEpochs(c.evalEvery);
  if (c.epochs <= max) return [];
  return [
    `${where}epochs: ${c.epochs} is too large (at most ${max} with evalEvery ${c.evalEvery}: metrics.json keeps a train accuracy per epoch and ` +
      `${EVAL_COLUMNS} columns per evaluation in one string of at most ${bufferConstants.MAX_STRING_LENGTH} characters)`,
  ];
}

/** "field: value is invalid (why)" lines; empty when the run fits. `where` prefixes the field. */
export function checkBounds(c: DenseRunConfig, where = '', limit: MemoryLimit = memoryLimit()): string[] {
  const horizon = checkHorizon(c, where);
  if (horizon.length) return horizon;
  const task = tasks.get(c.data.task);
  const { task: _t, ...dataFields } = c.data;
  const sizes = task.size?.(dataFields);
  if (!sizes) return [];
  if (sizes.train === 0 || sizes.test === 0) {
    const empty = sizes.train === 0 ? 'training' : 'test';
    const field = 'fracTrain' in dataFields ? 'data.fracTrain' : 'data';
    const value = 'fracTrain' in dataFields ? `${JSON.stringify(dataFields.fracTrain)} ` : '';
    return [`${where}${field}: ${value}is invalid (it leaves the ${empty} set empty: ${sizes.train} training and ${sizes.test} test examples of ${sizes.train + sizes.test}; each needs at least one)`];
  }
  const e = estimateMemory(c);
  if (!e || e.bytes <= limit.bytes) return [];
  const found = culprit(c, e.bytes);
  // no size above its default to blame: the task and model are too large as they are (IMDb's LSTM, full batch)
  const field = found === '(config)' ? 'data.task' : found;
  const value = found === '(config)'
    ? `${JSON.stringify(c.data.task)} with model ${JSON.stringify(c.model.name)} at these sizes `
    : `${JSON.stringify(field.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], c))} `;
  return [
    `${where}${field}: ${value}is too large (training would need about ${gib(e.bytes)} of memory: ${e.params} parameters, ` +
      `${e.train} training and ${e.test} test examples, full batch; the limit is ${gib(limit.bytes)}, ${limit.why})`,
  ];
}
