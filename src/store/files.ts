import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../util/atomic-write.ts';
import { endianness } from 'node:os';
import { z } from 'zod';
import { canonicalJson, sha256Hex } from './hash.ts';

/**
 * Files of the run store. Every write is atomic (temp file + fsync + rename), so a reader sees
 * either the old file or the new one, never a prefix of the new one, however the writer dies.
 * Every read that finds damaged content throws CorruptFileError naming the file, never a
 * best-effort value.
 */

/** What fixes a damaged file of the run store: the run is removed whole and recomputed on request. */
export const RUN_STORE_ADVICE =
  'Run `grok cache verify --repair` to remove the damaged run; the next request for it recomputes it';

export class CorruptFileError extends Error {
  override name = 'CorruptFileError';
  constructor(
    readonly path: string,
    readonly reason: string,
    /** A sentence saying what to do; the run store passes RUN_STORE_ADVICE. */
    readonly advice = 'Delete it; it is rewritten the next time it is needed',
  ) {
    super(`Corrupt file ${path}: ${reason}. ${advice}.`);
  }
}

/** Temp files are `<target>.tmp-<pid>-<hex>`; only a killed writer leaves one behind. */
export { isTempFile, TEMP_FILE_RE, writeFileAtomic } from '../util/atomic-write.ts';

export interface WriteJsonOptions {
  /** Indent by 2 for files people read (config.json); compact for long metric arrays. */
  pretty?: boolean;
}

/** The bytes writeJson writes, so a caller can checksum exactly what is on disk. */
export function jsonBytes(value: unknown, opts: WriteJsonOptions = {}): string {
  return canonicalJson(value, opts.pretty ? 2 : undefined) + '\n';
}

/**
 * Canonical JSON (sorted keys), so identical content gives identical bytes. NaN/±Infinity are
 * rejected rather than turned into null: encode them explicitly (e.g. null or "NaN") if a metric
 * can diverge.
 */
export async function writeJson(path: string, value: unknown, opts: WriteJsonOptions = {}): Promise<void> {
  await writeFileAtomic(path, jsonBytes(value, opts));
}

export interface ReadJsonOptions {
  /** The file's expected sha256 (hex, over its bytes); a different one is CorruptFileError. */
  sha256?: string;
}

/** A missing file is an ordinary ENOENT error; a present but unparsable one is CorruptFileError. */
export async function readJson<T = unknown>(path: string, opts: ReadJsonOptions = {}): Promise<T> {
  const bytes = await readFile(path);
  if (opts.sha256 !== undefined && sha256Hex(bytes) !== opts.sha256) {
    throw new CorruptFileError(path, 'its sha256 differs from the one recorded when it was written (edited or damaged)');
  }
  const text = bytes.toString('utf8');
  if (text.trim() === '') throw new CorruptFileError(path, 'the file is empty (an interrupted non-atomic write?)');
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    throw new CorruptFileError(path, `invalid or truncated JSON (${(err as Error).message})`);
  }
}

/** sha256 (hex) of a file's bytes. */
export async function sha256File(path: string): Promise<string> {
  return sha256Hex(await readFile(path));
}

/**
 * A JSON object that carries its own checksum: `sha256` over the canonical JSON of the other
 * fields. For a file that cannot be listed in a manifest because it IS the manifest (a run's DONE).
 */
export async function writeSealedJson(path: string, value: Record<string, unknown>, opts: WriteJsonOptions = {}): Promise<void> {
  if ('sha256' in value) throw new Error(`writeSealedJson: ${path}: "sha256" is the seal's own field`);
  await writeJson(path, { ...value, sha256: sha256Hex(canonicalJson(value)) }, opts);
}

/** Reads a writeSealedJson file; a missing or wrong seal is CorruptFileError (never trusted). */
export async function readSealedJson<T extends object>(path: string): Promise<T> {
  const raw = await readJson<unknown>(path);
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new CorruptFileError(path, 'not a JSON object');
  const { sha256, ...rest } = raw as Record<string, unknown>;
  if (typeof sha256 !== 'string') {
    throw new CorruptFileError(path, 'it carries no checksum (written by an older version of grok, or edited), so it cannot be trusted');
  }
  if (sha256Hex(canonicalJson(rest)) !== sha256) throw new CorruptFileError(path, 'sha256 checksum mismatch (edited or damaged)');
  return rest as T;
}

// ---------------------------------------------------------------------------------------------
// Tensor records (checkpoints)
//
//   offset 0   "GROKTNSR"                 8 bytes magic
//   offset 8   format version             u32 LE
//   offset 12  header length H            u32 LE
//   offset 16  header                     H bytes of UTF-8 canonical JSON, space-padded so the
//                                         payload starts 8-byte aligned
//   offset 16+H payload                   the tensors' raw little-endian bytes, each at an 8-aligned
//                                         offset relative to the payload start, zero padding between
//
// header = { tensors: [{name, dtype, length, offset}], meta, payloadBytes, sha256 } where sha256 is
// over canonicalJson(header without sha256) followed by the payload: covering the header too means
// a flipped byte in meta or in a tensor's offset is caught, not just one in the floats.
// ---------------------------------------------------------------------------------------------

const MAGIC = Buffer.from('GROKTNSR', 'ascii');
const FORMAT_VERSION = 1;
const PREFIX_BYTES = 16;
const SHA_PLACEHOLDER = '0'.repeat(64);

const DTYPES = {
  float32: Float32Array,
  float64: Float64Array,
  int32: Int32Array,
  uint32: Uint32Array,
  uint8: Uint8Array,
} as const;
export type DType = keyof typeof DTYPES;
export type Tensor = Float32Array | Float64Array | Int32Array | Uint32Array | Uint8Array;
export type TensorMap = Record<string, Tensor>;
export interface TensorRecord<M = Record<string, unknown>> {
  tensors: TensorMap;
  meta: M;
}

const headerSchema = z
  .object({
    tensors: z.array(
      z
        .object({
          name: z.string(),
          dtype: z.enum(Object.keys(DTYPES) as [DType, ...DType[]]),
          length: z.number().int().nonnegative(),
          offset: z.number().int().nonnegative(),
        })
        .strict(),
    ),
    meta: z.unknown(),
    payloadBytes: z.number().int().nonnegative(),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
  })
  .strict();
type Header = z.infer<typeof headerSchema>;

function assertLittleEndian(): void {
  // Payload bytes are the typed arrays' native bytes; a big-endian host would mis-read them.
  if (endianness() !== 'LE') throw new Error('tensor files are little-endian; this host is big-endian');
}

function dtypeOf(name: string, t: unknown): DType {
  if (t instanceof Float32Array) return 'float32';
  if (t instanceof Float64Array) return 'float64';
  if (t instanceof Int32Array) return 'int32';
  if (t instanceof Uint32Array) return 'uint32';
  if (t instanceof Uint8Array) return 'uint8';
  const kind = (t as object | null)?.constructor?.name ?? typeof t;
  throw new TypeError(`writeTensors: tensor "${name}" is a ${kind}; expected one of ${Object.keys(DTYPES).join(', ')}`);
}

const align8 = (n: number): number => (n + 7) & ~7;

function bodyDigest(body: Omit<Header, 'sha256'>, payload: Uint8Array): string {
  return createHash('sha256').update(canonicalJson(body)).update(payload).digest('hex');
}

/** Encodes tensors (sorted by name) and JSON `meta` into one buffer; see the layout above. */
export function encodeTensors(tensors: TensorMap, meta: object = {}): Buffer {
  assertLittleEndian();
  const names = Object.keys(tensors).sort();
  const specs: Header['tensors'] = [];
  let offset = 0;
  for (const name of names) {
    const t = tensors[name];
    const dtype = dtypeOf(name, t);
    offset = align8(offset);
    specs.push({ name, dtype, length: t.length, offset });
    offset += t.byteLength;
  }
  const body = { tensors: specs, meta, payloadBytes: offset };
  // The digest is always 64 hex chars, so the header's length is known before the digest is.
  const headerLength = align8(
    PREFIX_BYTES + Buffer.byteLength(canonicalJson({ ...body, sha256: SHA_PLACEHOLDER }), 'utf8'),
  ) - PREFIX_BYTES;
  const payloadStart = PREFIX_BYTES + headerLength;

  const buf = Buffer.alloc(payloadStart + body.payloadBytes); // zeroed: padding is deterministic
  for (let i = 0; i < names.length; i++) {
    const t = tensors[names[i]];
    buf.set(new Uint8Array(t.buffer, t.byteOffset, t.byteLength), payloadStart + specs[i].offset);
  }
  const sha256 = bodyDigest(body, buf.subarray(payloadStart));
  MAGIC.copy(buf, 0);
  buf.writeUInt32LE(FORMAT_VERSION, 8);
  buf.writeUInt32LE(headerLength, 12);
  buf.fill(0x20, PREFIX_BYTES, payloadStart);
  buf.write(canonicalJson({ ...body, sha256 }), PREFIX_BYTES, 'utf8');
  return buf;
}

/** Inverse of encodeTensors; `path` is only used to name the file in errors. */
export function decodeTensors<M = Record<string, unknown>>(buf: Uint8Array, path: string): TensorRecord<M> {
  assertLittleEndian();
  const corrupt = (reason: string): CorruptFileError => new CorruptFileError(path, reason);
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  if (b.length < PREFIX_BYTES) throw corrupt(`only ${b.length} bytes, shorter than the 16-byte prefix (truncated?)`);
  if (!b.subarray(0, 8).equals(MAGIC)) throw corrupt('bad magic: not a GROKTNSR tensor file');
  const version = b.readUInt32LE(8);
  if (version !== FORMAT_VERSION) throw corrupt(`format version ${version}, this code reads ${FORMAT_VERSION}`);
  const headerLength = b.readUInt32LE(12);
  const payloadStart = PREFIX_BYTES + headerLength;
  if (payloadStart > b.length) throw corrupt(`header length ${headerLength} runs past the end of the file (truncated?)`);

  let raw: unknown;
  try {
    raw = JSON.parse(b.toString('utf8', PREFIX_BYTES, payloadStart));
  } catch (err) {
    throw corrupt(`unreadable header (${(err as Error).message})`);
  }
  const parsed = headerSchema.safeParse(raw);
  if (!parsed.success) throw corrupt(`malformed header (${parsed.error.issues[0]?.message ?? 'invalid'})`);
  const header = parsed.data;

  const payloadBytes = b.length - payloadStart;
  if (payloadBytes !== header.payloadBytes) {
    throw corrupt(`payload is ${payloadBytes} bytes but the header says ${header.payloadBytes} (truncated?)`);
  }
  // The layout is fully determined by names, dtypes and lengths; accept nothing else.
  const seen = new Set<string>();
  let expected = 0;
  for (const t of header.tensors) {
    if (seen.has(t.name)) throw corrupt(`tensor "${t.name}" appears twice`);
    seen.add(t.name);
    expected = align8(expected);
    if (t.offset !== expected) throw corrupt(`tensor "${t.name}" at offset ${t.offset}, expected ${expected}`);
    expected += t.length * DTYPES[t.dtype].BYTES_PER_ELEMENT;
  }
  if (expected !== header.payloadBytes) throw corrupt(`tensors span ${expected} bytes, header says ${header.payloadBytes}`);

  const payload = b.subarray(payloadStart);
  const { sha256, ...body } = header;
  if (bodyDigest(body, payload) !== sha256) throw corrupt('sha256 checksum mismatch');

  const tensors: TensorMap = {};
  for (const t of header.tensors) {
    const out = new DTYPES[t.dtype](t.length);
    // Copy rather than view: the file buffer's offset need not be aligned for the element type,
    // and a copy cannot be mutated through the (possibly pooled) read buffer.
    new Uint8Array(out.buffer).set(payload.subarray(t.offset, t.offset + out.byteLength));
    tensors[t.name] = out;
  }
  return { tensors, meta: header.meta as M };
}

export async function writeTensors(path: string, tensors: TensorMap, meta: object = {}): Promise<void> {
  await writeFileAtomic(path, encodeTensors(tensors, meta));
}

export async function readTensors<M = Record<string, unknown>>(path: string): Promise<TensorRecord<M>> {
  return decodeTensors<M>(await readFile(path), path);
}
