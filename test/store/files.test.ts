import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  CorruptFileError,
  decodeTensors,
  encodeTensors,
  isTempFile,
  readJson,
  readTensors,
  writeFileAtomic,
  writeJson,
  writeTensors,
  type TensorMap,
} from '../../src/store/files.ts';

const root = mkdtempSync(join(tmpdir(), 'grok-files-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const fresh = (name: string): string => {
  const dir = join(root, `${n++}`);
  mkdirSync(dir);
  return join(dir, name);
};

const bytes = (t: ArrayBufferView): Buffer => Buffer.from(t.buffer, t.byteOffset, t.byteLength);

async function expectCorrupt(p: Promise<unknown> | (() => unknown), path: string): Promise<CorruptFileError> {
  let caught: unknown;
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(CorruptFileError);
  const err = caught as CorruptFileError;
  expect(err.message).toContain(path);
  expect(err.message).toContain('Delete it');
  return err;
}

describe('writeFileAtomic', () => {
  it('creates parent directories and leaves no temp file behind', async () => {
    const p = fresh('a/b/c.txt');
    await writeFileAtomic(p, 'hello');
    expect(readFileSync(p, 'utf8')).toBe('hello');
    await writeFileAtomic(p, 'again');
    expect(readFileSync(p, 'utf8')).toBe('again');
    expect(readdirSync(join(p, '..'))).toEqual(['c.txt']);
  });

  it('a writer killed between write and rename leaves readers seeing the old file, or none', async () => {
    // What a SIGKILL between fsync and rename leaves on disk: a complete-or-partial temp file next
    // to the target. Readers only ever open the target name.
    const p = fresh('metrics.json');
    writeFileSync(`${p}.tmp-4242-deadbeef`, '{"epochs":[1,2,');
    await expect(readJson(p)).rejects.toMatchObject({ code: 'ENOENT' });
    expect(existsSync(p)).toBe(false);

    await writeJson(p, { epochs: [1] });
    writeFileSync(`${p}.tmp-4243-cafe`, '{"epochs":[1,2,');
    expect(await readJson(p)).toEqual({ epochs: [1] });
    expect(isTempFile(`${p}.tmp-4243-cafe`)).toBe(true);
    expect(isTempFile(p)).toBe(false);
  });

  it('cleans up its temp file when the write fails', async () => {
    const dir = fresh('x');
    // The target is a directory, so the final rename fails after the temp file was written.
    await writeFileAtomic(join(dir, 'inner', 'f'), 'x');
    await expect(writeFileAtomic(join(dir, 'inner'), 'data')).rejects.toThrow();
    expect(readdirSync(dir)).toEqual(['inner']);
  });
});

describe('JSON files', () => {
  it('round-trip, with canonical bytes', async () => {
    const p = fresh('c.json');
    await writeJson(p, { b: [1, 2.5], a: 'x' });
    expect(readFileSync(p, 'utf8')).toBe('{"a":"x","b":[1,2.5]}\n');
    expect(await readJson(p)).toEqual({ a: 'x', b: [1, 2.5] });
    await writeJson(p, { b: 1 }, { pretty: true });
    expect(readFileSync(p, 'utf8')).toBe('{\n  "b": 1\n}\n');
  });

  it('refuse NaN instead of silently writing null', async () => {
    await expect(writeJson(fresh('n.json'), { loss: NaN })).rejects.toThrow(/NaN at \$\.loss/);
  });

  it.each([
    ['truncated', '{"a":[1,2'],
    ['empty', ''],
    ['garbage', '\u0000\u0000\u0000'],
  ])('%s JSON → CorruptFileError naming the file', async (_name, content) => {
    const p = fresh('bad.json');
    await writeFileAtomic(p, content);
    await expectCorrupt(readJson(p), p);
  });
});

describe('tensor files', () => {
  const sample = (): TensorMap => ({
    theta: Float32Array.from({ length: 1000 }, (_, i) => Math.sin(i) * 1e-3),
    mask: Float32Array.from({ length: 1000 }, (_, i) => i % 3 === 0 ? 0 : 1),
    adamStep: Float64Array.from([12345.5]),
    rng: Uint32Array.from([0xffffffff, 1, 2]),
    labels: Int32Array.from([-1, 0, 96]),
    flags: Uint8Array.from([1, 0, 1]),
    empty: new Float32Array(0),
  });

  it('round-trip every dtype with meta', async () => {
    const p = fresh('ck.bin');
    const t = sample();
    await writeTensors(p, t, { epoch: 2000, note: 'x', nested: { a: [1, 2] } });
    const back = await readTensors(p);
    expect(back.meta).toEqual({ epoch: 2000, note: 'x', nested: { a: [1, 2] } });
    expect(Object.keys(back.tensors).sort()).toEqual(Object.keys(t).sort());
    for (const [k, v] of Object.entries(t)) {
      expect(back.tensors[k].constructor).toBe(v.constructor);
      expect(bytes(back.tensors[k]).equals(bytes(v))).toBe(true);
    }
  });

  it('starts with the magic, and the same content gives the same bytes', () => {
    const a = encodeTensors(sample(), { z: 1, a: 2 });
    const b = encodeTensors(sample(), { a: 2, z: 1 });
    expect(a.subarray(0, 8).toString('ascii')).toBe('GROKTNSR');
    expect(a.equals(b)).toBe(true);
  });

  it('round-trip arbitrary Float32 bit patterns exactly (NaN payloads, -0, ±Infinity, subnormals)', () => {
    fc.assert(
      fc.property(
        fc.uint32Array({ maxLength: 300 }),
        fc.float32Array({ maxLength: 50 }),
        fc.integer({ min: 0, max: 7 }),
        (raw, floats, shift) => {
          // Any uint32 viewed as float32 covers every NaN payload; the second array covers the
          // special values fast-check biases towards. `shift` offsets a view into a larger buffer.
          const host = new Float32Array(raw.length + shift);
          const view = new Float32Array(host.buffer, shift * 4, raw.length);
          new Uint32Array(view.buffer, view.byteOffset, view.length).set(raw);
          const specials = Float32Array.from([NaN, -0, 0, Infinity, -Infinity, 1e-45, -3.4028234663852886e38]);
          const t: TensorMap = { a: view, b: floats, c: specials, d: Float64Array.from(floats) };
          const back = decodeTensors(encodeTensors(t, { n: raw.length }), 'mem');
          for (const k of Object.keys(t)) expect(bytes(back.tensors[k]).equals(bytes(t[k]))).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('reads fast enough for 115k-float checkpoints', async () => {
    const big: TensorMap = {
      theta: new Float32Array(115_000).map(Math.random),
      m: new Float32Array(115_000).map(Math.random),
      v: new Float32Array(115_000).map(Math.random),
      mask: new Float32Array(115_000).fill(1),
    };
    const p = fresh('big.bin');
    const t0 = performance.now();
    await writeTensors(p, big, { epoch: 1 });
    const back = await readTensors(p);
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(bytes(back.tensors.v).equals(bytes(big.v))).toBe(true);
  });

  describe('damage is always detected, never returned', () => {
    const good = encodeTensors(sample(), { epoch: 7 });

    it('every single-byte flip → CorruptFileError naming the file', async () => {
      // Every byte position, each flipped in one bit (position-dependent bit, so all bits occur).
      const small = { w: Float32Array.from([1, -0, NaN, 3]), i: Int32Array.from([7]), e: new Float64Array(0) };
      const good = encodeTensors(small, { epoch: 7, name: 'init' });
      const p = fresh('flip.bin');
      let detected = 0;
      for (let i = 0; i < good.length; i++) {
        const bad = Buffer.from(good);
        bad[i] ^= 1 << (i % 8);
        try {
          decodeTensors(bad, p);
        } catch (err) {
          expect(err).toBeInstanceOf(CorruptFileError);
          expect((err as Error).message).toContain(p);
          detected++;
          continue;
        }
        // The only harmless flips are in the header's space padding turned into other whitespace.
        const isPadding = good[i] === 0x20 && [0x09, 0x0a, 0x0d, 0x20].includes(bad[i]);
        expect(isPadding, `undetected flip at byte ${i}`).toBe(true);
      }
      expect(detected).toBeGreaterThan(good.length - 8);
    });

    it('flipped byte on disk → CorruptFileError', async () => {
      const p = fresh('flip-disk.bin');
      await writeTensors(p, sample(), { epoch: 7 });
      const buf = readFileSync(p);
      buf[buf.length - 10] ^= 0xff;
      writeFileSync(p, buf);
      const err = await expectCorrupt(readTensors(p), p);
      expect(err.reason).toMatch(/checksum/);
    });

    it('truncation at any length → CorruptFileError', async () => {
      const p = fresh('trunc.bin');
      for (const len of [0, 3, 8, 15, 16, 40, good.length - 5000, good.length - 1]) {
        await writeTensors(p, sample(), { epoch: 7 });
        truncateSync(p, len);
        await expectCorrupt(readTensors(p), p);
      }
    });

    it('trailing garbage and wrong magic → CorruptFileError', async () => {
      await expectCorrupt(() => decodeTensors(Buffer.concat([good, Buffer.from([0])]), 'x.bin'), 'x.bin');
      const bad = Buffer.from(good);
      bad.write('NOTGROK!', 0, 'ascii');
      const err = await expectCorrupt(() => decodeTensors(bad, 'y.bin'), 'y.bin');
      expect(err.reason).toMatch(/magic/);
    });
  });

  it('rejects unsupported arrays when writing', () => {
    expect(() => encodeTensors({ x: new Int16Array(2) as unknown as Float32Array })).toThrow(/"x" is a Int16Array/);
  });
});
