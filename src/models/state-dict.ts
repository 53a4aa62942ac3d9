import { checkTheta, type Layout } from './layout.ts';

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

/** Bits, not numbers: copying through a JS number may rewrite a NaN's payload. */
const bitsOf = (f: Float32Array): Uint32Array => new Uint32Array(f.buffer, f.byteOffset, f.length);

/** dst = src transposed, src row-major [r, c] (or a plain copy). */
function permute(src: Float32Array, dst: Float32Array, r: number, c: number, transpose: boolean): void {
  if (!transpose) return dst.set(src);
  const [s, d] = [bitsOf(src), bitsOf(dst)];
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) d[j * r + i] = s[i * c + j];
}

export function toStateDict(layout: Layout, flat: Float32Array, prefix = ''): Record<string, StateTensor> {
  checkTheta(layout, flat);
  const out: Record<string, StateTensor> = {};
  for (const l of layout.layers) {
    const data = new Float32Array(l.size);
    permute(flat.subarray(l.offset, l.offset + l.size), data, l.shape[0], l.shape[1], l.torch?.transposed ?? false);
    out[keyOf(l, prefix)] = { data, shape: l.torch ? [...l.torch.shape] : [...l.shape] };
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
  for (const l of layout.layers) {
    const key = keyOf(l, prefix);
    const t = tensors[key];
    const want = l.torch ? l.torch.shape : l.shape;
    if (!t) throw new Error(`${what}: no tensor ${key} (the ${layout.model} layout needs ${[...expected].join(', ')})`);
    if (!(t instanceof Float32Array)) throw new Error(`${what}: tensor ${key} is not float32`);
    const got = shapes[key] ?? [t.length];
    if (got.join(',') !== want.join(',')) throw new Error(`${what}: tensor ${key} has shape [${got.join(', ')}], expected [${want.join(', ')}]`);
    // torch's [c, r] back to our [r, c]
    const [r, c] = l.shape;
    permute(t, flat.subarray(l.offset, l.offset + l.size), c, r, l.torch?.transposed ?? false);
  }
  const extra = Object.keys(tensors).filter((k) => !expected.has(k));
  if (extra.length > 0) throw new Error(`${what}: unexpected tensor(s) ${extra.join(', ')} for the ${layout.model} layout`);
  return flat;
}
