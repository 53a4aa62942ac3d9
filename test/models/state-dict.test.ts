import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { layer, type Layout } from '../../src/models/layout.ts';
import { buildLayout } from '../../src/models/layout.ts';
import { mlpLayout } from '../../src/models/mlp.ts';
import { fromStateDict, MASK_PREFIX, toStateDict } from '../../src/models/state-dict.ts';
import { transformerLayout } from '../../src/models/transformer.ts';

const bits = (f: Float32Array): Uint32Array => new Uint32Array(f.buffer, f.byteOffset, f.length);
const shapesOf = (sd: ReturnType<typeof toStateDict>) => Object.fromEntries(Object.entries(sd).map(([k, v]) => [k, v.shape]));
const tensorsOf = (sd: ReturnType<typeof toStateDict>) => Object.fromEntries(Object.entries(sd).map(([k, v]) => [k, v.data]));

describe('the authors\' state dict', () => {
  it('MLP: the spec §2.1 names, torch shapes and orientation (W_E[:, a] is token a\'s embedding)', () => {
    const layout = mlpLayout({ p: 5, dEmb: 4, dModel: 3 });
    const theta = Float32Array.from({ length: layout.size }, (_, i) => i);
    const sd = toStateDict(layout, theta);
    expect(Object.keys(sd)).toEqual(['unembed.W_U', 'embed.W_E', 'inproj.W', 'outproj.W']);
    expect(shapesOf(sd)).toEqual({ 'unembed.W_U': [4, 5], 'embed.W_E': [4, 5], 'inproj.W': [3, 4], 'outproj.W': [4, 3] });
    // ours W_E is [p, d_emb] (row a = token a); torch's is [d_emb, p]: entry (k, a) = ours (a, k)
    const E = layer(layout, 'W_E');
    for (let a = 0; a < 5; a++) for (let k = 0; k < 4; k++) expect(sd['embed.W_E'].data[k * 5 + a]).toBe(theta[E.offset + a * 4 + k]);
    // W_U is stored as torch stores it
    const U = layer(layout, 'W_U');
    expect(Array.from(sd['unembed.W_U'].data)).toEqual(Array.from(theta.subarray(U.offset, U.offset + U.size)));
  });

  it('transformer: spec §2.2 names, W_K/W_Q/W_V as [heads = 1, d_head, d_model]', () => {
    const layout = transformerLayout({ p: 7, dModel: 6, dMlp: 5, dHead: 4 });
    const sd = toStateDict(layout, new Float32Array(layout.size));
    expect(shapesOf(sd)).toEqual({
      'embed.W_E': [6, 7], 'blocks.0.attn.W_K': [1, 4, 6], 'blocks.0.attn.W_Q': [1, 4, 6], 'blocks.0.attn.W_V': [1, 4, 6],
      'blocks.0.attn.W_O': [6, 4], 'blocks.0.mlp.W_in': [5, 6], 'blocks.0.mlp.W_out': [6, 5], 'unembed.W_U': [6, 7],
    });
  });

  it('round-trips any θ bit-exactly, for every layout and prefix', () => {
    const layouts: Layout[] = [
      mlpLayout({ p: 3, dEmb: 4, dModel: 2 }),
      transformerLayout({ p: 3, dModel: 4, dMlp: 2, dHead: 3 }),
      buildLayout('ours-only', { p: 3 }, [{ name: 'W1', shape: [3, 2], fanIn: 3 }]),
    ];
    fc.assert(
      fc.property(fc.constantFrom(...layouts), fc.constantFrom('', MASK_PREFIX), fc.uint32Array({ minLength: 200, maxLength: 200 }), (layout, prefix, raw) => {
        const theta = new Float32Array(Uint32Array.from(raw.subarray(0, layout.size)).buffer);
        const sd = toStateDict(layout, theta, prefix);
        expect(Object.keys(sd).every((k) => k.startsWith(prefix))).toBe(true);
        expect(Array.from(bits(fromStateDict(layout, tensorsOf(sd), shapesOf(sd), prefix)))).toEqual(Array.from(bits(theta)));
      }),
      { numRuns: 60 },
    );
  });

  it('refuses a missing, extra, misshapen or non-float32 tensor, naming the file and the tensor', () => {
    const layout = mlpLayout({ p: 3, dEmb: 4, dModel: 2 });
    const sd = toStateDict(layout, new Float32Array(layout.size));
    const t = tensorsOf(sd);
    const s = shapesOf(sd);
    const { 'inproj.W': _gone, ...missing } = t;
    expect(() => fromStateDict(layout, missing, s, '', 'f.safetensors')).toThrow(/f\.safetensors: no tensor inproj\.W/);
    expect(() => fromStateDict(layout, { ...t, extra: new Float32Array(1) }, s, '', 'f')).toThrow(/unexpected tensor\(s\) extra/);
    expect(() => fromStateDict(layout, t, { ...s, 'inproj.W': [4, 2] }, '', 'f')).toThrow(/inproj\.W has shape \[4, 2\], expected \[2, 4\]/);
    expect(() => fromStateDict(layout, { ...t, 'inproj.W': new Float64Array(8) }, s, '', 'f')).toThrow(/not float32/);
    expect(() => fromStateDict(layout, t, s, MASK_PREFIX, 'f')).toThrow(/no tensor mask\.unembed\.W_U/);
  });

  it('a layout whose torch shape does not fit its matrix is refused when built', () => {
    expect(() => buildLayout('bad', {}, [{ name: 'W', shape: [2, 3], fanIn: 2, torch: { key: 'w', shape: [2, 3], transposed: true } }])).toThrow(/cannot be torch w \[2, 3\] transposed/);
    expect(() => buildLayout('ok', {}, [{ name: 'W', shape: [2, 3], fanIn: 2, torch: { key: 'w', shape: [1, 3, 2], transposed: true } }])).not.toThrow();
  });
});
