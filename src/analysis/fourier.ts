import { torchMatrix, type Layout } from '../models/layout.ts';

/**
 * Fourier entropy of the neurons' weights over the input tokens (spec §9, paper §5.3, App. F;
 * the authors' `vis_activate.py`). Plain float64 JS: the matrices are tiny (48 × 67).
 */

export type Row = ArrayLike<number>;

function effective(layout: Layout, theta: Float32Array, mask: Float32Array | null, name: string) {
  const w = torchMatrix(layout, theta, name);
  if (mask) {
    const m = torchMatrix(layout, mask, name);
    for (let i = 0; i < w.data.length; i++) w.data[i] *= m.data[i];
  }
  return w;
}

function checkLengths(layout: Layout, theta: Float32Array, mask: Float32Array | null): void {
  if (theta.length !== layout.size) throw new Error(`theta has length ${theta.length}, layout needs ${layout.size}`);
  if (mask && mask.length !== layout.size) throw new Error(`mask has length ${mask.length}, layout needs ${layout.size}`);
}

/** C = A · B for row-major A [n×k], B [k×m], as n float64 rows. */
function matmulRows(a: Float32Array, b: Float32Array, n: number, k: number, m: number): Float64Array[] {
  const rows: Float64Array[] = [];
  for (let i = 0; i < n; i++) {
    const out = new Float64Array(m);
    for (let t = 0; t < k; t++) {
      const ait = a[i * k + t];
      if (ait === 0) continue;
      const off = t * m;
      for (let j = 0; j < m; j++) out[j] += ait * b[off + j];
    }
    rows.push(out);
  }
  return rows;
}

/**
 * (inproj.W ⊙ M_in) @ (W_E ⊙ M_E) in the authors' orientation: d_model rows (one per hidden
 * neuron), each the neuron's pre-activation contribution from each of the p tokens. This is
 * the signal whose spectrum the paper's Fourier entropy measures. mask = null for dense/base runs.
 */
export function neuronInputWeights(layout: Layout, theta: Float32Array, mask: Float32Array | null): Float64Array[] {
  checkLengths(layout, theta, mask);
  const win = effective(layout, theta, mask, 'W_in'); // [d_model, d_emb]
  const we = effective(layout, theta, mask, 'W_E'); // [d_emb, p]
  return matmulRows(win.data, we.data, win.rows, win.cols, we.cols);
}

/**
 * (outproj.W ⊙ M_out)ᵀ @ (W_U ⊙ M_U): each neuron's contribution to each of the p logits. The
 * authors compute it alongside the input side (their `fig/frec_out`); the paper only reports
 * the input side.
 */
export function neuronOutputWeights(layout: Layout, theta: Float32Array, mask: Float32Array | null): Float64Array[] {
  checkLengths(layout, theta, mask);
  const wout = effective(layout, theta, mask, 'W_out'); // torch [d_emb, d_model]
  const wu = effective(layout, theta, mask, 'W_U'); // [d_emb, p]
  const dEmb = wout.rows;
  const dModel = wout.cols;
  const woutT = new Float32Array(dModel * dEmb);
  for (let e = 0; e < dEmb; e++) for (let i = 0; i < dModel; i++) woutT[i * dEmb + e] = wout.data[e * dModel + i];
  return matmulRows(woutT, wu.data, dModel, dEmb, wu.cols);
}

/**
 * numpy's `abs(fft(y) / (N/2))[1 : int(N/2)]`: frequencies 1 … ⌊N/2⌋−1 (1 … 32 for N = 67).
 * The authors drop the DC term and, for odd N, also the last frequency ⌊N/2⌋; we keep that cut.
 * Direct O(N²) DFT; the twiddle index k·n mod N keeps the angles exact for large k·n.
 */
export function amplitudeSpectrum(row: Row): Float64Array {
  const n = row.length;
  const half = Math.trunc(n / 2);
  const out = new Float64Array(Math.max(0, half - 1));
  if (out.length === 0) return out;
  const cos = new Float64Array(n);
  const sin = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    cos[j] = Math.cos((2 * Math.PI * j) / n);
    sin[j] = Math.sin((2 * Math.PI * j) / n);
  }
  for (let k = 1; k < half; k++) {
    let re = 0;
    let im = 0;
    for (let t = 0, idx = 0; t < n; t++, idx = (idx + k) % n) {
      const y = row[t];
      re += y * cos[idx];
      im -= y * sin[idx];
    }
    out[k - 1] = Math.hypot(re, im) / (n / 2);
  }
  return out;
}

/**
 * P_i = a_i / Σ a_i for every row whose spectrum is not all zero. Fully pruned (or constant)
 * neurons have no frequency content and are skipped, as in the authors' code, so K ≤ #rows.
 */
export function spectrumDistributions(rows: Row[]): Float64Array[] {
  const ps: Float64Array[] = [];
  for (const row of rows) {
    const a = amplitudeSpectrum(row);
    let s = 0;
    for (const v of a) s += v;
    if (!(s > 0)) continue;
    for (let c = 0; c < a.length; c++) a[c] /= s;
    ps.push(a);
  }
  return ps;
}

/**
 * What the authors' code actually computes: `CrossEntropyLoss(input=P, target=P)`, i.e.
 * (1/K) Σ_i [log Σ_c exp(P_ic) − Σ_c P_ic²]. Not Shannon entropy; its range over 32 frequencies
 * is [log(e + 31) − 1 ≈ 2.518 (one-hot), ln 32 (uniform)], and only it reproduces the repo's
 * plotted values (3.23–3.46). NaN when K = 0 (torch's mean over nothing).
 */
export function fourierEntropyCode(rows: Row[]): number {
  const ps = spectrumDistributions(rows);
  if (ps.length === 0) return NaN;
  let total = 0;
  for (const p of ps) {
    // P ∈ [0, 1], so exp cannot overflow and the plain log-sum-exp is exact enough.
    let se = 0;
    let sq = 0;
    for (const v of p) {
      se += Math.exp(v);
      sq += v * v;
    }
    total += Math.log(se) - sq;
  }
  return total / ps.length;
}

/**
 * The paper's formula: −(1/K) Σ_i Σ_ω P log P (App. F), or without the 1/K (§5.3) when
 * divideByK = false. 0·log 0 = 0. With divideByK and K = 0 the mean is undefined: NaN.
 */
export function fourierEntropyShannon(rows: Row[], opts: { divideByK?: boolean } = {}): number {
  const divideByK = opts.divideByK ?? true;
  const ps = spectrumDistributions(rows);
  let total = 0;
  for (const p of ps) for (const v of p) if (v > 0) total -= v * Math.log(v);
  if (!divideByK) return total;
  return ps.length === 0 ? NaN : total / ps.length;
}
