import seedrandom from 'seedrandom';
import { torchMatrix, type Layout } from '../models/layout.ts';

/**
 * Is a 0/1 mask periodic along the token axis (paper App. K, Fig. 20, 21)? A row of W_E or W_U (in
 * the authors' orientation, [d_emb, p]) is one embedding dimension over the p tokens. A row is
 * called periodic when the Shannon entropy of its normalised amplitude spectrum (the paper's Fourier
 * entropy of one row, App. F, over the frequencies 1 … ⌊p/2⌋−1 that src/analysis/fourier.ts keeps)
 * is lower than that of the same 0/1 entries in a random token order: a permutation test per row,
 * which holds the row's density fixed, so a sparse or dense row is not mistaken for a periodic one.
 * Constant rows (all kept or all pruned) have no spectrum and are counted apart.
 */

export interface RowPeriodicity {
  /** Rows whose spectrum exists (not all 0 / all 1). */
  rows: number;
  /** Rows with no frequency content. */
  constant: number;
  /** Rows whose permutation p-value is ≤ alpha. */
  periodic: number;
  /** periodic / rows (NaN with no rows). */
  fraction: number;
  /** Mean Shannon entropy of the rows' spectra, and of their shuffles. */
  entropy: number;
  shuffledEntropy: number;
}

/** The rows of a layer in the authors' torch orientation ([d_emb, p] for W_E and W_U). */
export function torchRows(layout: Layout, values: Float32Array, name: string): Float32Array[] {
  if (values.length !== layout.size) throw new Error(`values have length ${values.length}, layout needs ${layout.size}`);
  const m = torchMatrix(layout, values, name);
  const rows: Float32Array[] = [];
  for (let i = 0; i < m.rows; i++) rows.push(m.data.slice(i * m.cols, (i + 1) * m.cols));
  return rows;
}

/** Shannon entropy of the amplitude spectrum over frequencies 1 … ⌊n/2⌋−1, normalised to sum 1; NaN without content. */
function makeEntropy(n: number): (row: ArrayLike<number>) => number {
  const half = Math.trunc(n / 2);
  const cos = new Float64Array(n);
  const sin = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    cos[j] = Math.cos((2 * Math.PI * j) / n);
    sin[j] = Math.sin((2 * Math.PI * j) / n);
  }
  const amp = new Float64Array(Math.max(0, half - 1));
  return (row) => {
    let total = 0;
    for (let k = 1; k < half; k++) {
      let re = 0;
      let im = 0;
      for (let t = 0, idx = 0; t < n; t++, idx = (idx + k) % n) {
        const y = row[t];
        if (y === 0) continue;
        re += y * cos[idx];
        im -= y * sin[idx];
      }
      amp[k - 1] = Math.hypot(re, im);
      total += amp[k - 1];
    }
    if (!(total > 1e-12)) return NaN;
    let h = 0;
    for (const a of amp) {
      const q = a / total;
      if (q > 0) h -= q * Math.log(q);
    }
    return h;
  };
}

/**
 * Per-row permutation test (one-sided, lower entropy than the shuffles): p = (1 + #{shuffles with
 * entropy ≤ the row's}) / (1 + shuffles). Deterministic for a given seed.
 */
export function rowPeriodicity(rows: ArrayLike<number>[], opts: { shuffles?: number; alpha?: number; seed?: string } = {}): RowPeriodicity {
  const shuffles = opts.shuffles ?? 49;
  const alpha = opts.alpha ?? 0.05;
  if (!Number.isInteger(shuffles) || shuffles < 1) throw new Error(`rowPeriodicity: shuffles must be a positive integer (got ${shuffles})`);
  const rng = seedrandom.alea(opts.seed ?? 'mask-periodicity');
  let counted = 0, constant = 0, periodic = 0, sumH = 0, sumHs = 0;
  const entropyOf = new Map<number, (row: ArrayLike<number>) => number>();
  for (const row of rows) {
    const n = row.length;
    if (!entropyOf.has(n)) entropyOf.set(n, makeEntropy(n));
    const entropy = entropyOf.get(n)!;
    const h = entropy(row);
    if (Number.isNaN(h)) {
      constant++;
      continue;
    }
    const buf = Float64Array.from(row);
    let atMost = 0;
    let hs = 0;
    for (let s = 0; s < shuffles; s++) {
      for (let i = n - 1; i > 0; i--) {
        const j = Math.floor(rng() * (i + 1));
        const tmp = buf[i];
        buf[i] = buf[j];
        buf[j] = tmp;
      }
      const e = entropy(buf);
      hs += e;
      if (e <= h) atMost++;
    }
    counted++;
    sumH += h;
    sumHs += hs / shuffles;
    if ((1 + atMost) / (1 + shuffles) <= alpha) periodic++;
  }
  return {
    rows: counted,
    constant,
    periodic,
    fraction: counted ? periodic / counted : NaN,
    entropy: counted ? sumH / counted : NaN,
    shuffledEntropy: counted ? sumHs / counted : NaN,
  };
}
