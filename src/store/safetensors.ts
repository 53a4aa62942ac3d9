import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { endianness } from 'node:os';
import { z } from 'zod';
import { writeFileAtomic } from '../util/atomic-write.ts';
import { CorruptFileError } from './files.ts';
import { canonicalJson } from './hash.ts';

/**
 * Tensor files of the run store (checkpoints, resume states) in the safetensors format
 * (https://huggingface.co/docs/safetensors), so `safetensors.torch.load_file` or twenty lines of
 * Python read them:
 *
 *   offset 0    N                 u64 LE, the header's byte length (a multiple of 8 here)
 *   offset 8    header            N bytes of UTF-8 JSON, space-padded:
 *                                 { "<name>": { "dtype": "F32", "shape": [..], "data_offsets": [begin, end] }, …,
 *                                   "__metadata__": { "<key>": "<string>", … } }
 *   offset 8+N  data              the tensors' raw little-endian bytes, back to back, in the order of
 *                                 their offsets (8-byte elements first, then by name)
 *
 * Written by hand: no npm safetensors writer is maintained well enough to depend on, and the format
 * is this small. Our additions live in `__metadata__` (string → string, as the format requires):
 *   "format": "pt"      the convention of safetensors.torch for PyTorch-layout tensors
 *   "sha256": <hex>     sha256 of the WHOLE file with these 64 hex digits replaced by "0"s: covering
 *                       the header too means a flipped byte in a shape, a name or a metadata value
 *                       (an epoch, a step count) is caught, not only one in the floats. In Python:
 *                       hashlib.sha256(raw.replace(sha.encode(), b"0" * 64, 1)).hexdigest() == sha
 * Same tensors and metadata give the same bytes (canonical JSON with sorted keys, fixed order).
 */

export const TENSOR_EXT = '.safetensors';

const DTYPES = {
  F64: Float64Array,
  F32: Float32Array,
  I32: Int32Array,
  U32: Uint32Array,
  U8: Uint8Array,
} as const;
export type DType = keyof typeof DTYPES;
export type Tensor = Float32Array | Float64Array | Int32Array | Uint32Array | Uint8Array;
/** A tensor with its shape; a bare typed array is stored 1-D. */
export interface Shaped {
  data: Tensor;
  shape: number[];
}
export type TensorMap = Record<string, Tensor | Shaped>;
/** Metadata as written: numbers are stored as their shortest round-trip decimal string. */
export type MetaInput = Record<string, string | number>;
export type Metadata = Record<string, string>;
export interface TensorRecord {
  tensors: Record<string, Tensor>;
  shapes: Record<string, number[]>;
  /** The caller's metadata (the format's own "format" and "sha256" entries left out). */
  meta: Metadata;
}

const SHA_KEY = 'sha256';
const RESERVED_META = new Set(['format', SHA_KEY]);
const SHA_PLACEHOLDER = '0'.repeat(64);
const METADATA = '__metadata__';

const entrySchema = z
  .object({
    dtype: z.enum(Object.keys(DTYPES) as [DType, ...DType[]]),
    shape: z.array(z.number().int().nonnegative()),
    data_offsets: z.tuple([z.number().int().nonnegative(), z.number().int().nonnegative()]),
  })
  .strict();
const metadataSchema = z.record(z.string(), z.string());

function assertLittleEndian(): void {
  // The data section holds the typed arrays' native bytes; a big-endian host would mis-read them.
  if (endianness() !== 'LE') throw new Error('tensor files are little-endian; this host is big-endian');
}

function dtypeOf(name: string, t: unknown): DType {
  if (t instanceof Float64Array) return 'F64';
  if (t instanceof Float32Array) return 'F32';
  if (t instanceof Int32Array) return 'I32';
  if (t instanceof Uint32Array) return 'U32';
  if (t instanceof Uint8Array) return 'U8';
  const kind = (t as object | null)?.constructor?.name ?? typeof t;
  throw new TypeError(`writeTensors: tensor "${name}" is a ${kind}; expected a Float64Array, Float32Array, Int32Array, Uint32Array or Uint8Array`);
}

const isShaped = (v: Tensor | Shaped): v is Shaped => !ArrayBuffer.isView(v);
const numel = (shape: number[]): number => shape.reduce((a, b) => a * b, 1);
const align8 = (n: number): number => (n + 7) & ~7;
const digest = (...parts: Uint8Array[]): string => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest('hex');
};

/** Encodes tensors and string metadata into one safetensors buffer; see the layout above. */
export function encodeTensors(tensors: TensorMap, meta: MetaInput = {}): Buffer {
  assertLittleEndian();
  const metadata: Metadata = {};
  for (const [k, v] of Object.entries(meta)) {
    if (RESERVED_META.has(k)) throw new Error(`writeTensors: metadata key "${k}" is the format's own; pick another name`);
    if (typeof v === 'number' && !Number.isFinite(v)) throw new Error(`writeTensors: metadata "${k}" is ${v}; only finite numbers`);
    if (typeof v !== 'number' && typeof v !== 'string') throw new TypeError(`writeTensors: metadata "${k}" is a ${typeof v}; only strings and numbers`);
    metadata[k] = String(v);
  }
  const items = Object.entries(tensors).map(([name, v]) => {
    if (name === METADATA) throw new Error(`writeTensors: "${METADATA}" cannot name a tensor`);
    const data = isShaped(v) ? v.data : v;
    const dtype = dtypeOf(name, data);
    const shape = isShaped(v) ? [...v.shape] : [data.length];
    if (!shape.every((d) => Number.isInteger(d) && d >= 0) || numel(shape) !== data.length) {
      throw new Error(`writeTensors: tensor "${name}" has ${data.length} entries but shape [${shape.join(', ')}]`);
    }
    return { name, data, dtype, shape };
  });
  // 8-byte elements first keeps every tensor aligned in the file (as the safetensors library does).
  items.sort((a, b) => DTYPES[b.dtype].BYTES_PER_ELEMENT - DTYPES[a.dtype].BYTES_PER_ELEMENT || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

  const header: Record<string, unknown> = {};
  let offset = 0;
  for (const t of items) {
    header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + t.data.byteLength] };
    offset += t.data.byteLength;
  }
  header[METADATA] = { ...metadata, format: 'pt', [SHA_KEY]: SHA_PLACEHOLDER };
  const json = Buffer.from(canonicalJson(header), 'utf8');
  const headerLength = align8(json.length);
  const dataStart = 8 + headerLength;

  const buf = Buffer.alloc(dataStart + offset, 0x20); // the header's padding is spaces
  buf.writeBigUInt64LE(BigInt(headerLength), 0);
  json.copy(buf, 8);
  let at = dataStart;
  for (const t of items) {
    buf.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), at);
    at += t.data.byteLength;
  }
  const sha = digest(buf);
  const shaAt = 8 + json.indexOf(`"${SHA_KEY}":"${SHA_PLACEHOLDER}"`) + SHA_KEY.length + 4;
  buf.write(sha, shaAt, 'ascii');
  return buf;
}

/** The names of a JSON object's own members, in order, repeats kept (`text` is valid JSON: parsed before). */
function headerNames(text: string): string[] {
  const names: string[] = [];
  let depth = 0;
  let expectName = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '"') {
      let j = i + 1;
      while (text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      if (depth === 1 && expectName) names.push(JSON.parse(text.slice(i, j + 1)) as string);
      expectName = false;
      i = j;
    } else if (ch === '{' || ch === '[') {
      depth++;
      expectName = depth === 1;
    } else if (ch === '}' || ch === ']') depth--;
    else if (ch === ',' && depth === 1) expectName = true;
  }
  return names;
}

/** Inverse of encodeTensors; `path` only names the file in errors. Every damage is a CorruptFileError. */
export function decodeTensors(buf: Uint8Array, path: string): TensorRecord {
  assertLittleEndian();
  const corrupt = (reason: string): CorruptFileError => new CorruptFileError(path, reason);
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  if (b.length < 8) throw corrupt(`only ${b.length} bytes, shorter than the 8-byte header length (truncated?)`);
  const n = b.readBigUInt64LE(0);
  if (n > BigInt(b.length - 8)) throw corrupt(`header length ${n} runs past the end of the file (truncated?)`);
  const dataStart = 8 + Number(n);
  const headerText = b.toString('utf8', 8, dataStart);
  if (!headerText.startsWith('{')) throw corrupt('not a safetensors file (the header does not start with "{")');

  let raw: unknown;
  try {
    raw = JSON.parse(headerText);
  } catch (err) {
    throw corrupt(`unreadable header (${(err as Error).message})`);
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw corrupt('the header is not a JSON object');
  // JSON.parse keeps the last of two equal names and makes "__proto__" an own key that assignment
  // would turn into a prototype: both would read a different file than the one written
  const names = headerNames(headerText);
  const repeated = names.find((k, i) => names.indexOf(k) !== i);
  if (repeated !== undefined) throw corrupt(`the header names "${repeated}" twice (a tensor name must be unique)`);
  if (names.includes('__proto__')) throw corrupt('the header names a tensor "__proto__", which cannot be a tensor name');
  const { [METADATA]: rawMeta, ...rawEntries } = raw as Record<string, unknown>;
  const metaParsed = metadataSchema.safeParse(rawMeta ?? {});
  if (!metaParsed.success) throw corrupt('malformed __metadata__ (must map strings to strings)');
  const metadata = metaParsed.data;

  const dataLength = b.length - dataStart;
  const entries = Object.entries(rawEntries).map(([name, e]) => {
    const parsed = entrySchema.safeParse(e);
    if (!parsed.success) throw corrupt(`malformed header entry for tensor "${name}" (${parsed.error.issues[0]?.message ?? 'invalid'})`);
    const { dtype, shape, data_offsets: [begin, end] } = parsed.data;
    if (end < begin || (end - begin) !== numel(shape) * DTYPES[dtype].BYTES_PER_ELEMENT) {
      throw corrupt(`tensor "${name}": data_offsets [${begin}, ${end}] do not hold a ${dtype} of shape [${shape.join(', ')}]`);
    }
    return { name, dtype, shape, begin, end };
  });
  // The data section must be exactly the tensors, back to back (as the safetensors library checks).
  let expected = 0;
  for (const e of [...entries].sort((x, y) => x.begin - y.begin || x.end - y.end)) {
    if (e.begin !== expected) throw corrupt(`tensor "${e.name}" starts at byte ${e.begin} of the data, expected ${expected}`);
    expected = e.end;
  }
  if (expected !== dataLength) throw corrupt(`the tensors span ${expected} bytes but the data section has ${dataLength} (truncated?)`);

  const sha = metadata[SHA_KEY];
  if (sha === undefined || !/^[0-9a-f]{64}$/.test(sha)) throw corrupt('no sha256 checksum in the metadata');
  const at = b.subarray(8, dataStart).indexOf(`"${SHA_KEY}":"${sha}"`);
  if (at < 0) throw corrupt('the sha256 checksum is not written the way this format writes it');
  const shaAt = 8 + at + SHA_KEY.length + 4;
  const zeroed = Buffer.from(SHA_PLACEHOLDER, 'ascii');
  if (digest(b.subarray(0, shaAt), zeroed, b.subarray(shaAt + 64)) !== sha) throw corrupt('sha256 checksum mismatch');

  const tensors: Record<string, Tensor> = {};
  const shapes: Record<string, number[]> = {};
  const data = b.subarray(dataStart);
  for (const e of entries) {
    const out = new DTYPES[e.dtype](numel(e.shape));
    // A copy, not a view: the read buffer's offset need not be aligned for the element type, and a
    // copy cannot be mutated through the (possibly pooled) read buffer.
    new Uint8Array(out.buffer).set(data.subarray(e.begin, e.end));
    tensors[e.name] = out;
    shapes[e.name] = e.shape;
  }
  const meta = Object.fromEntries(Object.entries(metadata).filter(([k]) => !RESERVED_META.has(k)));
  return { tensors, shapes, meta };
}

export async function writeTensors(path: string, tensors: TensorMap, meta: MetaInput = {}): Promise<void> {
  await writeFileAtomic(path, encodeTensors(tensors, meta));
}

export async function readTensors(path: string): Promise<TensorRecord> {
  return decodeTensors(await readFile(path), path);
}
