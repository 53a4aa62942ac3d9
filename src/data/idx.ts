/**
 * The idx format of the MNIST files (LeCun's page): a big-endian header — two zero bytes, a type
 * code (0x08 = unsigned byte), the number of dimensions — then one uint32 per dimension, then the
 * data row-major. We read only unsigned-byte files, which is what MNIST ships.
 */
export interface Idx {
  dims: number[];
  data: Uint8Array;
}

export function parseIdx(bytes: Uint8Array, name: string): Idx {
  if (bytes.length < 4) throw new Error(`${name}: ${bytes.length} bytes is too short for an idx header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint16(0) !== 0 || bytes[2] !== 0x08) throw new Error(`${name}: not an unsigned-byte idx file (magic ${[...bytes.subarray(0, 4)].map((b) => b.toString(16).padStart(2, '0')).join('')})`);
  const nd = bytes[3];
  const header = 4 + 4 * nd;
  if (bytes.length < header) throw new Error(`${name}: ${bytes.length} bytes is too short for a ${nd}-dimensional idx header`);
  const dims = Array.from({ length: nd }, (_, i) => view.getUint32(4 + 4 * i));
  const count = dims.reduce((a, b) => a * b, 1);
  if (bytes.length !== header + count) throw new Error(`${name}: header says ${dims.join('×')} = ${count} values but the file holds ${bytes.length - header}`);
  return { dims, data: bytes.subarray(header) };
}
