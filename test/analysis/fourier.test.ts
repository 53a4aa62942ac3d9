import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import seedrandom from 'seedrandom';
import {
  amplitudeSpectrum,
  fourierEntropyCode,
  fourierEntropyShannon,
  neuronInputWeights,
  neuronOutputWeights,
  spectrumDistributions,
} from '../../src/analysis/fourier.ts';
import { layer } from '../../src/models/layout.ts';
import { mlpLayout } from '../../src/models/mlp.ts';
import { initTheta } from '../../src/models/init.ts';

const N = 67;
const xs = Array.from({ length: N }, (_, i) => i);
const cos5 = xs.map((x) => Math.cos((2 * Math.PI * 5 * x) / N));
const quad = xs.map((x) => ((x * x) % N) / N - 0.5);
const zeros = xs.map(() => 0);
const mix = xs.map((x) => 0.3 * Math.sin((2 * Math.PI * 11 * x) / N) + 0.1 * Math.cos((2 * Math.PI * 2 * x) / N));

const ONE_HOT_CODE = Math.log(Math.E + 31) - 1; // ≈ 2.518040, the minimum of FE_code over 32 frequencies
const LN32 = Math.log(32);

function gaussian(rng: () => number): number {
  let u = 0;
  while (u === 0) u = rng();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
}

// Fixed-point values: subnormal doubles would lose bits under scaling and break exact invariances.
const rowArb = fc.array(fc.integer({ min: -1_000_000, max: 1_000_000 }).map((v) => v / 100_000), { minLength: N, maxLength: N });
const rowsArb = fc.array(rowArb, { minLength: 1, maxLength: 6 });
const l1 = (row: number[]) => row.reduce((s, v) => s + Math.abs(v), 0);
/** A (near-)constant row has a spectrum of pure rounding noise, whose P no invariance can hold for. */
const hasContent = (row: number[]) => Math.max(...amplitudeSpectrum(row)) > 1e-9 * l1(row);
const relClose = (a: number, b: number, tol: number) => expect(Math.abs(a - b)).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(b)));

describe('amplitudeSpectrum', () => {
  it('keeps numpy’s A[1 : int(N/2)] (frequencies 1 … ⌊N/2⌋−1)', () => {
    expect(amplitudeSpectrum(cos5).length).toBe(32);
    expect(amplitudeSpectrum(new Array(64).fill(0)).length).toBe(31);
    expect(amplitudeSpectrum([1, 2, 3, 4]).length).toBe(1);
    expect(amplitudeSpectrum([1, 2, 3]).length).toBe(0);
    expect(amplitudeSpectrum([]).length).toBe(0);
  });

  it('a pure tone of amplitude c has A = c at its frequency and ≈ 0 elsewhere; DC is dropped', () => {
    const a = amplitudeSpectrum(xs.map((x) => 2 + 0.7 * Math.sin((2 * Math.PI * 9 * x) / N)));
    a.forEach((v, i) => expect(v).toBeCloseTo(i + 1 === 9 ? 0.7 : 0, 12));
  });

  it('is invariant to cyclic shifts of the input', () => {
    fc.assert(
      fc.property(rowArb, fc.integer({ min: 1, max: N - 1 }), (row, s) => {
        const shifted = row.map((_, i) => row[(i + s) % N]);
        const a = amplitudeSpectrum(row);
        const b = amplitudeSpectrum(shifted);
        // every |X_k| is at most Σ|y|, so rounding is relative to that
        a.forEach((v, i) => expect(Math.abs(v - b[i])).toBeLessThanOrEqual(1e-12 * l1(row)));
      }),
      { numRuns: 100 },
    );
  });
});

describe('Fourier entropy: the spec’s numpy numbers (§9)', () => {
  it('y = cos(2π·5x/67): FE_code 2.518040, Shannon 0', () => {
    expect(fourierEntropyCode([cos5])).toBeCloseTo(2.51804, 6);
    expect(fourierEntropyShannon([cos5])).toBeCloseTo(0, 6);
  });

  it('y = (x² mod 67)/67 − 0.5: FE_code 3.453409, Shannon 3.259035', () => {
    expect(fourierEntropyCode([quad])).toBeCloseTo(3.453409, 6);
    expect(fourierEntropyShannon([quad])).toBeCloseTo(3.259035, 6);
  });

  it('{cos 5, quadratic, zeros, 0.3 sin 11 + 0.1 cos 2}: K = 3, FE_code 2.951678, Shannon 1.273790', () => {
    const rows = [cos5, quad, zeros, mix];
    expect(spectrumDistributions(rows).length).toBe(3);
    expect(fourierEntropyCode(rows)).toBeCloseTo(2.951678, 6);
    expect(fourierEntropyShannon(rows)).toBeCloseTo(1.27379, 6);
    // §5.3's form without 1/K is the sum over the K kept neurons
    expect(fourierEntropyShannon(rows, { divideByK: false })).toBeCloseTo(3 * 1.27379, 5);
  });

  it('no row with frequency content: the means are NaN, the plain sum is 0', () => {
    const flat = [zeros, xs.map(() => 0)];
    expect(spectrumDistributions(flat)).toEqual([]);
    expect(fourierEntropyCode(flat)).toBeNaN();
    expect(fourierEntropyShannon(flat)).toBeNaN();
    expect(fourierEntropyShannon(flat, { divideByK: false })).toBe(0);
  });
});

describe('Fourier entropy: properties', () => {
  it('FE_code ∈ [log(e+31) − 1, ln 32] and Shannon ∈ [0, ln 32] (32 frequencies)', () => {
    fc.assert(
      fc.property(rowsArb, (rows) => {
        const code = fourierEntropyCode(rows);
        const sh = fourierEntropyShannon(rows);
        if (spectrumDistributions(rows).length === 0) return;
        expect(code).toBeGreaterThanOrEqual(ONE_HOT_CODE - 1e-12);
        expect(code).toBeLessThanOrEqual(LN32 + 1e-12);
        expect(sh).toBeGreaterThanOrEqual(0);
        expect(sh).toBeLessThanOrEqual(LN32 + 1e-12);
      }),
      { numRuns: 200 },
    );
    // a delta has a flat amplitude spectrum: the maximum of both entropies
    const delta = xs.map((x) => (x === 0 ? 1 : 0));
    relClose(fourierEntropyCode([delta]), LN32, 1e-12);
    relClose(fourierEntropyShannon([delta]), LN32, 1e-12);
  });

  it('is invariant to scaling a row by c > 0 and to cyclic shifts of the input', () => {
    fc.assert(
      fc.property(rowsArb, fc.double({ min: 1e-3, max: 1e3, noNaN: true }), fc.integer({ min: 1, max: N - 1 }), (rows, c, s) => {
        fc.pre(rows.every(hasContent));
        const code = fourierEntropyCode(rows);
        const sh = fourierEntropyShannon(rows);
        const scaled = rows.map((r) => r.map((v) => v * c));
        const shifted = rows.map((r) => r.map((_, i) => r[(i + s) % N]));
        for (const other of [scaled, shifted]) {
          relClose(fourierEntropyCode(other), code, 1e-9);
          relClose(fourierEntropyShannon(other), sh, 1e-9);
        }
      }),
      { numRuns: 100 },
    );
  });

  it('a single frequency is low; seeded Gaussian noise is high', () => {
    const rng = seedrandom('fourier-noise');
    const noise = Array.from({ length: 48 }, () => xs.map(() => gaussian(rng)));
    const tones = Array.from({ length: 48 }, (_, i) => xs.map((x) => Math.cos((2 * Math.PI * ((i % 32) + 1) * x) / N + i)));
    expect(fourierEntropyCode(tones)).toBeLessThan(ONE_HOT_CODE + 1e-9);
    expect(fourierEntropyShannon(tones)).toBeLessThan(1e-9);
    // the repo's base model at init (random weights) sits at FE_code ≈ 3.457
    expect(fourierEntropyCode(noise)).toBeGreaterThan(3.44);
    expect(fourierEntropyShannon(noise)).toBeGreaterThan(3.2);
  });
});

describe('neuron weight matrices (torch orientation)', () => {
  const layout = mlpLayout({ p: 7, dEmb: 5, dModel: 3 });
  const { p, dEmb, dModel } = layout.dims;
  const theta = initTheta(layout, 3);
  const rng = seedrandom('fourier-mask');
  const mask = Float32Array.from({ length: layout.size }, () => (rng() < 0.5 ? 1 : 0));
  const eff = (i: number, m: Float32Array | null) => theta[i] * (m ? m[i] : 1);

  it('input side: row i = Σ_k (inproj.W⊙M)[i,k] (W_E⊙M)[k,t], read straight from our layout', () => {
    const wIn = layer(layout, 'W_in'); // ours [d_emb, d_model]
    const wE = layer(layout, 'W_E'); // ours [p, d_emb]
    for (const m of [null, mask]) {
      const rows = neuronInputWeights(layout, theta, m);
      expect(rows.length).toBe(dModel);
      for (let i = 0; i < dModel; i++) {
        expect(rows[i].length).toBe(p);
        for (let t = 0; t < p; t++) {
          let s = 0;
          for (let k = 0; k < dEmb; k++) s += eff(wIn.offset + k * dModel + i, m) * eff(wE.offset + t * dEmb + k, m);
          expect(rows[i][t]).toBeCloseTo(s, 12);
        }
      }
    }
    expect(neuronInputWeights(layout, theta, new Float32Array(layout.size).fill(1))).toEqual(neuronInputWeights(layout, theta, null));
  });

  it('output side: row i = Σ_e (outproj.W⊙M)[e,i] (W_U⊙M)[e,t]', () => {
    const wOut = layer(layout, 'W_out'); // ours [d_model, d_emb]
    const wU = layer(layout, 'W_U'); // ours [d_emb, p]
    const rows = neuronOutputWeights(layout, theta, mask);
    expect(rows.length).toBe(dModel);
    for (let i = 0; i < dModel; i++) {
      for (let t = 0; t < p; t++) {
        let s = 0;
        for (let e = 0; e < dEmb; e++) s += eff(wOut.offset + i * dEmb + e, mask) * eff(wU.offset + e * p + t, mask);
        expect(rows[i][t]).toBeCloseTo(s, 12);
      }
    }
  });

  it('a fully pruned neuron is a zero row and drops out of K', () => {
    const m = new Float32Array(layout.size).fill(1);
    const wIn = layer(layout, 'W_in');
    for (let k = 0; k < dEmb; k++) m[wIn.offset + k * dModel + 1] = 0; // neuron 1's incoming weights
    const rows = neuronInputWeights(layout, theta, m);
    expect(Array.from(rows[1])).toEqual(new Array(p).fill(0));
    expect(spectrumDistributions(rows).length).toBe(dModel - 1);
    expect(() => neuronInputWeights(layout, theta.subarray(1), null)).toThrow(/length/);
  });
});
