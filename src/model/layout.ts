/**
 * Where each of the paper MLP's four matrices lives in the flat parameter vector θ.
 *
 * One flat vector lets AdamW, masking, pruning and checkpoints treat the model as a single
 * Float32Array (one tfjs op per update instead of four). Each matrix is stored in the orientation
 * the factorised step multiplies it in, so the hot matmuls need no transposes (docs/ARCHITECTURE.md).
 */
export interface MlpDims {
  p: number; // vocabulary = modulus
  dEmb: number; // 500 in the paper
  dModel: number; // 48 in the paper (the hidden neurons)
}

export const PAPER_DIMS = { dEmb: 500, dModel: 48 } as const;

export const LAYER_NAMES = ['W_U', 'W_E', 'W_in', 'W_out'] as const;
export type LayerName = (typeof LAYER_NAMES)[number];

export interface LayerSlot {
  name: LayerName;
  /** Our row-major shape. */
  shape: [number, number];
  /** The authors' torch name and shape, for exports and for reading the spec. */
  torch: { key: string; shape: [number, number]; transposed: boolean };
  offset: number;
  size: number;
  /** fan-in used by the init std κ/√fan_in (spec §2.1). */
  fanIn: number;
}

export interface Layout {
  dims: MlpDims;
  layers: LayerSlot[];
  size: number;
}

/** Registration order of the torch module (unembed, embed, inproj, outproj): pruners iterate in it. */
export function mlpLayout(dims: MlpDims): Layout {
  const { p, dEmb, dModel } = dims;
  const specs: Omit<LayerSlot, 'offset' | 'size'>[] = [
    { name: 'W_U', shape: [dEmb, p], torch: { key: 'unembed.W_U', shape: [dEmb, p], transposed: false }, fanIn: dEmb },
    { name: 'W_E', shape: [p, dEmb], torch: { key: 'embed.W_E', shape: [dEmb, p], transposed: true }, fanIn: p },
    { name: 'W_in', shape: [dEmb, dModel], torch: { key: 'inproj.W', shape: [dModel, dEmb], transposed: true }, fanIn: dEmb },
    { name: 'W_out', shape: [dModel, dEmb], torch: { key: 'outproj.W', shape: [dEmb, dModel], transposed: true }, fanIn: dModel },
  ];
  let offset = 0;
  const layers = specs.map((s) => {
    const size = s.shape[0] * s.shape[1];
    const slot = { ...s, offset, size };
    offset += size;
    return slot;
  });
  return { dims, layers, size: offset };
}

export function layer(layout: Layout, name: LayerName): LayerSlot {
  const l = layout.layers.find((x) => x.name === name);
  if (!l) throw new Error(`unknown layer ${name}; layers: ${LAYER_NAMES.join(', ')}`);
  return l;
}

/** A copy of one layer in the authors' torch orientation (for Fourier analysis and exports). */
export function torchMatrix(layout: Layout, theta: Float32Array, name: LayerName): { rows: number; cols: number; data: Float32Array } {
  const l = layer(layout, name);
  const [r, c] = l.shape;
  const src = theta.subarray(l.offset, l.offset + l.size);
  if (!l.torch.transposed) return { rows: r, cols: c, data: Float32Array.from(src) };
  const out = new Float32Array(l.size);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out[j * r + i] = src[i * c + j];
  return { rows: c, cols: r, data: out };
}
