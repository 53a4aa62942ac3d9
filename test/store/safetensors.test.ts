import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { CorruptFileError } from '../../src/store/files.ts';
import { decodeTensors, encodeTensors, readTensors, writeTensors, type Tensor, type TensorMap } from '../../src/store/safetensors.ts';

const root = mkdtempSync(join(tmpdir(), 'grok-safetensors-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const fresh = (name: string): string => {
  const dir = join(root, `${n++}`);
  mkdirSync(dir);
  return join(dir, name);
};

const bytes = (t: ArrayBufferView): Buffer => Buffer.from(t.buffer, t.byteOffset, t.byteLength);
const dataOf = (v: TensorMap[string]): Tensor => (ArrayBuffer.isView(v) ? v : v.data);

function expectCorrupt(f: () => unknown, path: string): CorruptFileError {
  let caught: unknown;
  try {
    f();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(CorruptFileError);
  expect((caught as Error).message).toContain(path);
  return caught as CorruptFileError;
}

/** The format as the safetensors documentation states it, read independently of our decoder. */
function parseBySpec(buf: Buffer) {
  const n = Number(buf.readBigUInt64LE(0));
  type Entry = { dtype: string; shape: number[]; data_offsets: [number, number] };
  const { __metadata__: meta, ...entries } = JSON.parse(buf.toString('utf8', 8, 8 + n)) as Record<string, unknown>;
  return { n, meta: meta as Record<string, string>, header: entries as Record<string, Entry>, data: buf.subarray(8 + n) };
}

const sample = (): TensorMap => ({
  'unembed.W_U': { data: Float32Array.from({ length: 12 }, (_, i) => Math.sin(i) * 1e-3), shape: [3, 4] },
  'blocks.0.attn.W_K': { data: Float32Array.from({ length: 6 }, (_, i) => -i), shape: [1, 2, 3] },
  'log.trainLoss': Float64Array.from([12345.5, -1e-300]),
  rng: Uint32Array.from([0xffffffff, 1, 2]),
  labels: Int32Array.from([-1, 0, 96]),
  flags: Uint8Array.from([1, 0, 1]),
  empty: { data: new Float32Array(0), shape: [0, 5] },
});

describe('safetensors files', () => {
  it('round-trip every dtype with shapes and metadata', async () => {
    const p = fresh('ck.safetensors');
    const t = sample();
    await writeTensors(p, t, { epoch: 2000, note: 'x', run: 'abc' });
    const back = await readTensors(p);
    expect(back.meta).toEqual({ epoch: '2000', note: 'x', run: 'abc' });
    expect(Object.keys(back.tensors).sort()).toEqual(Object.keys(t).sort());
    for (const [k, v] of Object.entries(t)) {
      expect(back.tensors[k].constructor).toBe(dataOf(v).constructor);
      expect(bytes(back.tensors[k]).equals(bytes(dataOf(v)))).toBe(true);
      expect(back.shapes[k]).toEqual(ArrayBuffer.isView(v) ? [v.length] : v.shape);
    }
  });

  it('is the documented layout: u64 header length, padded JSON header, contiguous data, 8-byte tensors first', () => {
    const buf = encodeTensors(sample(), { epoch: 7 });
    const { n, meta, header, data } = parseBySpec(buf);
    expect(n % 8).toBe(0);
    expect(buf.toString('utf8', 8, 8 + n).trimEnd().endsWith('}')).toBe(true);
    expect(meta).toMatchObject({ format: 'pt', epoch: '7' });
    expect(header['blocks.0.attn.W_K']).toEqual({ dtype: 'F32', shape: [1, 2, 3], data_offsets: expect.any(Array) });
    const entries = Object.entries(header).sort((a, b) => a[1].data_offsets[0] - b[1].data_offsets[0]);
    expect(entries[0][0]).toBe('log.trainLoss'); // the only F64
    let at = 0;
    for (const [, e] of entries) {
      expect(e.data_offsets[0]).toBe(at);
      at = e.data_offsets[1];
    }
    expect(at).toBe(data.length);
    const [b, e] = header['unembed.W_U'].data_offsets;
    expect(Array.from(new Float32Array(Uint8Array.from(data.subarray(b, e)).buffer))).toEqual(Array.from(dataOf(sample()['unembed.W_U'])));
    // the checksum, as documented: sha256 of the whole file with its own hex digits zeroed
    const sha = meta.sha256;
    expect(createHash('sha256').update(Buffer.from(buf.toString('latin1').replace(sha, '0'.repeat(64)), 'latin1')).digest('hex')).toBe(sha);
  });

  it('same content, same bytes (metadata and tensors in any insertion order)', () => {
    const t = sample();
    const reversed = Object.fromEntries(Object.entries(t).reverse());
    expect(encodeTensors(t, { z: 1, a: 'b' }).equals(encodeTensors(reversed, { a: 'b', z: 1 }))).toBe(true);
  });

  it('round-trip arbitrary names, shapes, metadata and Float32 bit patterns exactly', () => {
    const tensor = fc
      .tuple(fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 3 }), fc.integer({ min: 0, max: 7 }))
      .chain(([shape, shift]) => {
        const len = shape.reduce((a, b) => a * b, 1);
        // any uint32 viewed as float32 covers every NaN payload; `shift` offsets a view into a larger buffer
        return fc.uint32Array({ minLength: len, maxLength: len }).map((raw) => {
          const host = new Float32Array(len + shift);
          const view = new Float32Array(host.buffer, shift * 4, len);
          new Uint32Array(view.buffer, view.byteOffset, len).set(raw);
          return { data: view, shape };
        });
      });
    const name = fc.string({ minLength: 1, maxLength: 12 }).filter((s) => s !== '__metadata__' && s !== '__proto__');
    const metaKey = fc.string({ maxLength: 8 }).filter((s) => !['format', 'sha256', '__proto__'].includes(s));
    fc.assert(
      fc.property(
        fc.dictionary(name, tensor, { maxKeys: 5 }),
        fc.dictionary(metaKey, fc.oneof(fc.string({ unit: 'grapheme', maxLength: 10 }), fc.double({ noNaN: true, noDefaultInfinity: true })), { maxKeys: 4 }),
        fc.float64Array({ maxLength: 5 }),
        (tensors, meta, f64) => {
          const t: TensorMap = { ...tensors, 'zz.f64': f64 };
          const back = decodeTensors(encodeTensors(t, meta), 'mem');
          expect(Object.keys(back.tensors).sort()).toEqual(Object.keys(t).sort());
          for (const [k, v] of Object.entries(t)) {
            expect(bytes(back.tensors[k]).equals(bytes(dataOf(v)))).toBe(true);
            expect(back.shapes[k]).toEqual(ArrayBuffer.isView(v) ? [v.length] : v.shape);
          }
          expect(back.meta).toEqual(Object.fromEntries(Object.entries(meta).map(([k, v]) => [k, String(v)])));
          for (const [k, v] of Object.entries(meta)) if (typeof v === 'number') expect(Object.is(Number(back.meta[k]), v === 0 ? 0 : v)).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('reads and writes 115k-float checkpoints fast', async () => {
    const big: TensorMap = {
      theta: new Float32Array(115_000).map(Math.random),
      m: new Float32Array(115_000).map(Math.random),
      v: new Float32Array(115_000).map(Math.random),
      mask: new Float32Array(115_000).fill(1),
    };
    const p = fresh('big.safetensors');
    const t0 = performance.now();
    await writeTensors(p, big, { epoch: 1 });
    const back = await readTensors(p);
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(bytes(back.tensors.v).equals(bytes(big.v as Float32Array))).toBe(true);
  });

  it('refuses what it cannot store, with the tensor or key named', () => {
    expect(() => encodeTensors({ x: new Int16Array(2) as unknown as Float32Array })).toThrow(/"x" is a Int16Array/);
    expect(() => encodeTensors({ x: { data: new Float32Array(6), shape: [4, 2] } })).toThrow(/"x" has 6 entries but shape \[4, 2\]/);
    expect(() => encodeTensors({ x: new Float32Array(1) }, { sha256: 'x' })).toThrow(/"sha256" is the format's own/);
    expect(() => encodeTensors({ x: new Float32Array(1) }, { epoch: NaN })).toThrow(/"epoch" is NaN/);
  });

  describe('damage is always detected, never returned', () => {
    const good = encodeTensors(sample(), { epoch: 7 });

    it('every single-byte flip, padding included → CorruptFileError naming the file', () => {
      const small = encodeTensors({ w: { data: Float32Array.from([1, -0, NaN, 3]), shape: [2, 2] }, i: Int32Array.from([7]), e: new Float64Array(0) }, { epoch: 7 });
      const p = fresh('flip.safetensors');
      for (let i = 0; i < small.length; i++) {
        const bad = Buffer.from(small);
        bad[i] ^= 1 << (i % 8);
        expectCorrupt(() => decodeTensors(bad, p), p);
      }
    });

    it('truncation at any length → CorruptFileError', () => {
      fc.assert(
        fc.property(fc.integer({ min: 0, max: good.length - 1 }), (len) => {
          expectCorrupt(() => decodeTensors(good.subarray(0, len), 'cut.safetensors'), 'cut.safetensors');
        }),
        { numRuns: 300 },
      );
    });

    it('truncated on disk → CorruptFileError', async () => {
      const p = fresh('trunc.safetensors');
      for (const len of [0, 3, 8, 40, good.length - 1]) {
        await writeTensors(p, sample(), { epoch: 7 });
        truncateSync(p, len);
        await expect(readTensors(p)).rejects.toThrow(CorruptFileError);
        await expect(readTensors(p)).rejects.toThrow(p);
      }
    });

    it('garbled headers → CorruptFileError, whatever the bytes', () => {
      const { n } = parseBySpec(good);
      fc.assert(
        fc.property(fc.integer({ min: 8, max: 8 + n - 1 }), fc.uint8Array({ minLength: 1, maxLength: 24 }), (at, junk) => {
          const bad = Buffer.from(good);
          bad.set(junk.subarray(0, 8 + n - at), at);
          if (bad.equals(good)) return;
          expectCorrupt(() => decodeTensors(bad, 'garbled.safetensors'), 'garbled.safetensors');
        }),
        { numRuns: 300 },
      );
    });

    it('a wrong header length, trailing garbage, or a well-formed file without our checksum → CorruptFileError', () => {
      const huge = Buffer.from(good);
      huge.writeBigUInt64LE(2n ** 62n, 0);
      expect(expectCorrupt(() => decodeTensors(huge, 'h.safetensors'), 'h.safetensors').reason).toMatch(/runs past the end/);
      expectCorrupt(() => decodeTensors(Buffer.concat([good, Buffer.from([0])]), 'x.safetensors'), 'x.safetensors');
      // what another writer (e.g. safetensors.torch.save_file) makes: valid format, no checksum
      const json = Buffer.from('{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}');
      const foreign = Buffer.concat([Buffer.alloc(8), json, Buffer.alloc(4)]);
      foreign.writeBigUInt64LE(BigInt(json.length), 0);
      expect(expectCorrupt(() => decodeTensors(foreign, 'f.safetensors'), 'f.safetensors').reason).toMatch(/no sha256/);
      const overlapping = Buffer.from(good.toString('latin1').replace('"data_offsets":[0,', '"data_offsets":[8,'), 'latin1');
      expectCorrupt(() => decodeTensors(overlapping, 'o.safetensors'), 'o.safetensors');
    });
  });

  describe('tensor names another writer could put in a header', () => {
    /** A file with this header and data, carrying a valid checksum (as a careful forger would). */
    const forge = (header: string, data: Buffer): Buffer => {
      const zeros = '0'.repeat(64);
      const json = Buffer.from(header.replace('"SHA"', `"${zeros}"`));
      const len = (json.length + 7) & ~7;
      const buf = Buffer.concat([Buffer.alloc(8), json, Buffer.alloc(len - json.length, 0x20), data]);
      buf.writeBigUInt64LE(BigInt(len), 0);
      const sha = createHash('sha256').update(buf).digest('hex');
      buf.write(sha, buf.indexOf(zeros), 'ascii');
      return buf;
    };
    const meta = '"__metadata__":{"format":"pt","sha256":"SHA"}';
    const w = '{"dtype":"F32","shape":[1],"data_offsets":[0,4]}';
    const four = Buffer.from(Float32Array.from([2.5]).buffer);

    it('a forged file with one name reads (the control)', () => {
      expect([...(decodeTensors(forge(`{${meta},"w":${w}}`, four), 'ok.safetensors').tensors.w as Float32Array)]).toEqual([2.5]);
    });

    it('a name given twice is refused, naming the file and the name', () => {
      const err = expectCorrupt(() => decodeTensors(forge(`{${meta},"w":${w},"w":${w}}`, four), 'dup.safetensors'), 'dup.safetensors');
      expect(err.reason).toBe('the header names "w" twice (a tensor name must be unique)');
      // an escaped spelling of the same name is the same name
      expect(expectCorrupt(() => decodeTensors(forge(`{${meta},"w":${w},"\\u0077":${w}}`, four), 'esc.safetensors'), 'esc.safetensors').reason).toMatch(/names "w" twice/);
    });

    it('a tensor named "__proto__" is refused instead of becoming the prototype of what is read', () => {
      const err = expectCorrupt(() => decodeTensors(forge(`{${meta},"__proto__":${w}}`, four), 'proto.safetensors'), 'proto.safetensors');
      expect(err.reason).toBe('the header names a tensor "__proto__", which cannot be a tensor name');
    });
  });

  describe('golden file (bytes pinned)', () => {
    // Regenerate only for a deliberate format change (write encodeTensors(golden(), GOLDEN_META) to
    // the fixture, update GOLDEN_SHA256) and say so in the commit: old runs' files stop reading.
    const GOLDEN = join(import.meta.dirname, 'fixtures', 'golden.safetensors');
    const GOLDEN_SHA256 = '0afb638f3b3bf91f3ff69178fd5c8be1476308f370bfa59d9234049d4c787c83';
    const GOLDEN_META = { epoch: 2000, run: '0123456789abcdef', model: 'mlp', dims: '{"dEmb":3,"dModel":2,"p":2}' };
    const golden = (): TensorMap => ({
      'unembed.W_U': { data: Float32Array.from([0.5, -1.25, 3, -0, 1e-8, 65504]), shape: [3, 2] },
      'embed.W_E': { data: Float32Array.from([1, 2, 3, 4, 5, 6]), shape: [3, 2] },
      'inproj.W': { data: Float32Array.from([0.1, 0.2, 0.3, -0.1, -0.2, -0.3]), shape: [2, 3] },
      'outproj.W': { data: Float32Array.from([7, 8, 9, 10, 11, 12]), shape: [3, 2] },
      'log.trainLoss': Float64Array.from([Math.PI, -Math.E]),
    });

    it('encoding the golden tensors gives the pinned bytes, and decoding the file gives them back', () => {
      const file = readFileSync(GOLDEN);
      expect(createHash('sha256').update(file).digest('hex')).toBe(GOLDEN_SHA256);
      expect(encodeTensors(golden(), GOLDEN_META).equals(file)).toBe(true);
      const back = decodeTensors(file, GOLDEN);
      for (const [k, v] of Object.entries(golden())) expect(bytes(back.tensors[k]).equals(bytes(dataOf(v)))).toBe(true);
      expect(back.meta).toEqual({ epoch: '2000', run: '0123456789abcdef', model: 'mlp', dims: '{"dEmb":3,"dModel":2,"p":2}' });
    });
  });
});
