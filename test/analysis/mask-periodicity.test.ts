import { describe, expect, it } from 'vitest';
import seedrandom from 'seedrandom';
import { fourierEntropyShannon } from '../../src/analysis/fourier.ts';
import { rowPeriodicity, torchRows } from '../../src/analysis/mask-periodicity.ts';
import { layer } from '../../src/models/layout.ts';
import { mlpLayout } from '../../src/models/mlp.ts';

const P = 67;
const tokens = Array.from({ length: P }, (_, t) => t);
/** The mask a magnitude threshold cuts from a pure tone: kept where |cos(2πkt/p + φ)| is large. */
const toneMask = (k: number, phase: number) => tokens.map((t) => (Math.abs(Math.cos((2 * Math.PI * k * t) / P + phase)) > 0.5 ? 1 : 0));
const randomMask = (rng: () => number, keep = 0.4) => tokens.map(() => (rng() < keep ? 1 : 0));

describe('rowPeriodicity', () => {
  it('masks cut from pure tones are periodic, every row of them', () => {
    const rows = [3, 5, 8, 13, 21].flatMap((k) => [0, 0.7, 2].map((ph) => toneMask(k, ph)));
    const r = rowPeriodicity(rows);
    expect(r.rows).toBe(rows.length);
    expect(r.fraction).toBe(1);
    expect(r.entropy).toBeLessThan(r.shuffledEntropy);
  });

  it('random masks are periodic at about the test\'s level alpha, not more', () => {
    const rng = seedrandom('random-masks');
    const rows = Array.from({ length: 400 }, () => randomMask(rng));
    const r = rowPeriodicity(rows, { alpha: 0.05 });
    // binomial(400, 0.05): mean 20, sd 4.4
    expect(r.periodic).toBeGreaterThan(5);
    expect(r.periodic).toBeLessThan(40);
    expect(Math.abs(r.entropy - r.shuffledEntropy)).toBeLessThan(0.01);
  });

  it('the row entropy is the paper\'s Shannon Fourier entropy of that row', () => {
    const rng = seedrandom('one-row');
    const rows = Array.from({ length: 12 }, () => randomMask(rng));
    const r = rowPeriodicity(rows, { shuffles: 1 });
    expect(r.entropy).toBeCloseTo(fourierEntropyShannon(rows), 10);
  });

  it('constant rows (all kept, all pruned) have no spectrum: counted apart, never periodic', () => {
    const rows = [tokens.map(() => 1), tokens.map(() => 0), toneMask(5, 0)];
    const r = rowPeriodicity(rows);
    expect(r).toMatchObject({ rows: 1, constant: 2, periodic: 1, fraction: 1 });
    expect(rowPeriodicity([tokens.map(() => 0)]).fraction).toBeNaN();
  });

  it('is deterministic for a seed and rejects a bad shuffle count', () => {
    const rng = seedrandom('det');
    const rows = Array.from({ length: 30 }, () => randomMask(rng));
    expect(rowPeriodicity(rows, { seed: 'a' })).toEqual(rowPeriodicity(rows, { seed: 'a' }));
    expect(() => rowPeriodicity(rows, { shuffles: 0 })).toThrow(/shuffles must be a positive integer/);
  });
});

describe('torchRows', () => {
  it('reads W_E and W_U as [d_emb, p]: one row per embedding dimension over the tokens', () => {
    const layout = mlpLayout({ p: 7, dEmb: 5, dModel: 3 });
    const theta = Float32Array.from({ length: layout.size }, (_, i) => i);
    const wE = layer(layout, 'W_E'); // ours [p, d_emb] = torch W_Eᵀ
    const rows = torchRows(layout, theta, 'W_E');
    expect(rows.length).toBe(5);
    for (let e = 0; e < 5; e++) for (let t = 0; t < 7; t++) expect(rows[e][t]).toBe(theta[wE.offset + t * 5 + e]);
    const wU = layer(layout, 'W_U'); // ours [d_emb, p], as torch
    expect(Array.from(torchRows(layout, theta, 'W_U')[2])).toEqual(Array.from(theta.subarray(wU.offset + 2 * 7, wU.offset + 3 * 7)));
    expect(() => torchRows(layout, new Float32Array(3), 'W_E')).toThrow(/length 3/);
  });
});
