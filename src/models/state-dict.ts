import { checkTheta, torchMatrix, type Layout } from './layout.ts';

/**
 * A flat θ (or mask) as the authors' PyTorch state dict and back. Checkpoints are stored this way,
 * so `model.load_state_dict(safetensors.torch.load_file(path))` works on the authors' module: each
 * layer under its torch name (`unembed.W_U`, `blocks.0.attn.W_K`, …), in torch's shape and
 * orientation. A layer without a torch name (a model of ours only) is stored under its own name in
 * our orientation. Masks use the same names behind a prefix (`mask.unembed.W_U`), because the
 * authors' buffer names differ between their models.
 */

export interface StateTensor {
  data: Float32Array;
  shape: number[];
}

export const MASK_PREFIX = 'mask.';

const keyOf = (l: Layout['layers'][number], prefix: string): string => prefix + (l.torch?.key ?? l.name);

export function toStateDict(layout: Layout, flat: Float32Array, prefix = ''): Record<string, StateTensor> {
  checkTheta(layout, flat);
  const out: Record<string, StateTensor> = {};
  for (const l of layout.layers) {
    out[keyOf(l, prefix)] = { data: torchMatrix(layout, flat, l.name).data, shape: l.torch ? [...l.torch.shape] : [...l.shape] };
  }
  return out;
}

/**
 * Inverse of toStateDict: exactly the layout's tensors, each with the right shape, or an error
 * naming `what` (the file) and the tensor. Bit-exact: only a permutation of the floats.
 */
export function fromStateDict(
  layout: Layout,
  tensors: Record<string, ArrayLike<number>>,
  shapes: Record<string, number[]>,
  prefix = '',
  what = 'state dict',
): Float32Array {
  const flat = new Float32Array(layout.size);
  const expected = new Set(layout.layers.map((l) => keyOf(l, prefix)));
  const extra = Object.keys(tensors).filter((k) => !expected.has(k));
  if (extra.length > 0) throw new Error(`${what}: unexpected tensor(s) ${extra.join(', ')} for the ${layout.model} layout`);
  for (const l of layout.layers) {
    const key = keyOf(l, prefix);
    const t = tensors[key];
    const want = l.torch ? l.torch.shape : l.shape;
    if (!t) throw new Error(`${what}: no tensor ${key} (the ${layout.model} layout needs ${[...expected].join(', ')})`);
    if (!(t instanceof Float32Array)) throw new Error(`${what}: tensor ${key} is not float32`);
    const got = shapes[key] ?? [t.length];
    if (got.join(',') !== want.join(',')) throw new Error(`${what}: tensor ${key} has shape [${got.join(', ')}], expected [${want.join(', ')}]`);
    const [r, c] = l.shape;
    const dst = flat.subarray(l.offset, l.offset + l.size);
    if (!l.torch?.transposed) dst.set(t);
    else for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) dst[i * c + j] = t[j * r + i];
  }
  return flat;
}
