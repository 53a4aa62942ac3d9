import * as tf from '@tensorflow/tfjs-core';

/**
 * Where each weight matrix of a model lives in the flat parameter vector θ.
 *
 * One flat vector lets AdamW, masks, pruners, norms and checkpoints treat every model as a single
 * Float32Array; training uploads it as one tensor per matrix (slicing a flat tensor costs 0.2 ms
 * per slice on tfjs-wasm). A model stores each matrix in the orientation its step multiplies it
 * in, and records the authors' torch name and orientation for exports and analyses.
 */
export interface LayerSpec {
  name: string;
  /** Our row-major shape. */
  shape: [number, number];
  /** fan-in of the init std κ/√fan_in (spec §2). */
  fanIn: number;
  /** Pruners mask it (spec §4.3); default true. A non-prunable matrix always keeps mask 1. */
  prunable?: boolean;
  /** Init std when it is not weightScale/√fanIn (e.g. the transformer ignores κ, spec §12.5). */
  initStd?: number;
  /**
   * The authors' state-dict name and shape (checkpoints are stored under them, src/models/state-dict.ts).
   * The shape may carry leading 1s (the transformer's [heads = 1, d_head, d_model]); `transposed`:
   * the torch matrix, leading 1s dropped, is our matrix transposed.
   */
  torch?: { key: string; shape: number[]; transposed: boolean };
}

export interface LayerSlot extends LayerSpec {
  prunable: boolean;
  offset: number;
  size: number;
}

export interface Layout {
  /** The registered model this layout belongs to. */
  model: string;
  /** The sizes it was built from, for messages and model-specific analyses. */
  dims: Record<string, number>;
  /** In the registration order of the authors' torch module: pruners and norms iterate in it. */
  layers: LayerSlot[];
  size: number;
}

export function buildLayout(model: string, dims: Record<string, number>, specs: LayerSpec[]): Layout {
  const names = new Set<string>();
  let offset = 0;
  const layers = specs.map((s) => {
    if (names.has(s.name)) throw new Error(`layout of ${model}: layer name ${s.name} is used twice`);
    names.add(s.name);
    const [r, c] = s.shape;
    if (!(Number.isInteger(r) && Number.isInteger(c) && r > 0 && c > 0)) throw new Error(`layout of ${model}: layer ${s.name} has shape [${r}, ${c}]`);
    const size = r * c;
    if (s.torch) {
      const t = [...s.torch.shape];
      while (t.length > 2 && t[0] === 1) t.shift();
      const want = s.torch.transposed ? [c, r] : [r, c];
      if (t.length !== 2 || t[0] !== want[0] || t[1] !== want[1]) {
        throw new Error(`layout of ${model}: layer ${s.name} [${r}, ${c}] cannot be torch ${s.torch.key} [${s.torch.shape.join(', ')}]${s.torch.transposed ? ' transposed' : ''}`);
      }
    }
    const slot: LayerSlot = { ...s, prunable: s.prunable ?? true, offset, size };
    offset += size;
    return slot;
  });
  return { model, dims, layers, size: offset };
}

export function layer(layout: Layout, name: string): LayerSlot {
  const l = layout.layers.find((x) => x.name === name);
  if (!l) throw new Error(`${layout.model} has no layer ${name}; layers: ${layout.layers.map((x) => x.name).join(', ')}`);
  return l;
}

/** "θ has N entries but the layout (model …, dims …) needs M". */
export function checkTheta(layout: Layout, theta: ArrayLike<number>, what = 'θ'): void {
  if (theta.length !== layout.size) {
    const dims = Object.entries(layout.dims).map(([k, v]) => `${k}=${v}`).join(', ');
    throw new Error(`${what} has ${theta.length} entries but the layout (${layout.model}: ${dims}) needs ${layout.size}`);
  }
}

/** A copy of one layer in the authors' torch orientation (for Fourier analysis and exports). */
export function torchMatrix(layout: Layout, theta: Float32Array, name: string): { rows: number; cols: number; data: Float32Array } {
  const l = layer(layout, name);
  const [r, c] = l.shape;
  const src = theta.subarray(l.offset, l.offset + l.size);
  if (!l.torch?.transposed) return { rows: r, cols: c, data: Float32Array.from(src) };
  const out = new Float32Array(l.size);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out[j * r + i] = src[i * c + j];
  return { rows: c, cols: r, data: out };
}

/** Parameters as one tensor per layer, in layout order. */
export type Params = tf.Tensor2D[];

/** Uploads a flat parameter vector (layout order) as one tensor per layer. */
export function toParams(flat: Float32Array, layout: Layout): Params {
  return layout.layers.map((l) => tf.tensor2d(flat.subarray(l.offset, l.offset + l.size), l.shape));
}

/** Downloads per-layer tensors into one flat vector (layout order). */
export function toFlat(params: Params, layout: Layout): Float32Array {
  const out = new Float32Array(layout.size);
  params.forEach((t, i) => out.set(t.dataSync() as Float32Array, layout.layers[i].offset));
  return out;
}

/**
 * A population's flat vectors stacked layer by layer: layer l of lane n at N·offset_l + n·size_l.
 * This is the order of `toFlat` over lane-stacked tensors [N, …shape], so AdamW's flat state of a
 * population is one of these.
 */
export function stackLanes(flats: Float32Array[], layout: Layout): Float32Array {
  const n = flats.length;
  const out = new Float32Array(n * layout.size);
  for (const l of layout.layers) flats.forEach((f, lane) => out.set(f.subarray(l.offset, l.offset + l.size), n * l.offset + lane * l.size));
  return out;
}

/** Lane `lane` of a stacked vector of `lanes` lanes, as that run's own flat vector. */
export function laneOf(stacked: ArrayLike<number> & { subarray(a: number, b: number): ArrayLike<number> }, layout: Layout, lanes: number, lane: number): Float32Array {
  const out = new Float32Array(layout.size);
  for (const l of layout.layers) out.set(stacked.subarray(lanes * l.offset + lane * l.size, lanes * l.offset + (lane + 1) * l.size), l.offset);
  return out;
}

/** A population's parameters: one tensor [N, …shape] per layer (typed as Params: the models are rank-generic). */
export function toLaneParams(flats: Float32Array[], layout: Layout): Params {
  const stacked = stackLanes(flats, layout);
  const n = flats.length;
  return layout.layers.map((l) => tf.tensor(stacked.subarray(n * l.offset, n * (l.offset + l.size)), [n, ...l.shape]) as unknown as tf.Tensor2D);
}
