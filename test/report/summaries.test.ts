import { describe, expect, it } from 'vitest';
import { milestoneSweep, pairedMilestone } from '../../src/claims/figures.ts';
import { renderSvg } from '../../src/report/render.ts';
import { toVegaLite } from '../../src/report/specs.ts';
import type { FigureInput } from '../../src/report/types.ts';
import type { RunResult } from '../../src/runs/execute.ts';
import { censoredMedian, median } from '../../src/stats/summary.ts';
import { dataItems, drawn } from './drawn.ts';
import { sweepFigure } from './sample.ts';

/**
 * What a figure draws as a summary is what its table says. The claims' tables rank a censored value
 * worst (`median(values.map((v) => v ?? Infinity))`, shown as "—" or "censored"); a figure that let
 * Vega-Lite aggregate its rows dropped those seeds and drew another median (issue 19: the
 * pruning-rate figure drew k = 0.1 at ~17 with 3 of 5 seeds censored, and k = 0.9 at 2.39 where the
 * table says 2.64). Here every figure kind is rendered and its drawn items read back from Vega's
 * scenegraph, then compared with the table's values.
 */

const H = 2000;
/** A run as the sweep reads it: milestones and the seed. */
const run = (seed: number, m: { tMem: number | null; tGen: number | null; horizon?: number }): RunResult => {
  const horizon = m.horizon ?? H;
  const tauGrok = m.tMem !== null && m.tGen !== null ? m.tGen / m.tMem : null;
  return { config: { data: { seed } }, milestones: { tMem: m.tMem, tGen: m.tGen, tauGrok, horizon } } as unknown as RunResult;
};
/** Runs with these τ (null: censored) at t_mem 100, and a horizon of H. */
const arm = (taus: (number | null)[]) => taus.map((t, seed) => run(seed, { tMem: 100, tGen: t === null ? null : Math.round(t * 100) }));

/** The finding's sweep: k = 0.1 with 3 of 5 seeds censored, k = 0.9 with 2 of 5. */
const SWEEP = [
  { x: 0, runs: arm([40, 55, 58, 61, 90]) },
  { x: 0.1, runs: arm([14.9, 19.1, null, null, null]) },
  { x: 0.7, runs: arm([1.2, 1.35, 1.4, 1.5, 1.9]) },
  { x: 0.9, runs: arm([2.14, 2.39, 2.64, null, null]) },
];

/** The claim's table entry: the median with a censored τ ranked worst (Infinity = censored, "—"). */
const tableMedian = (runs: RunResult[]) => median(runs.map((r) => r.milestones.tauGrok ?? Infinity));

interface Plotted { x: number; value: number; censored: boolean }

/** The drawn points of the curves' summary (median) line, read from the rendered scenegraph. */
async function plottedMedians(fig: FigureInput): Promise<Plotted[]> {
  const lines = (await drawn(fig)).filter((m) => m.marktype === 'line' && m.role === 'mark');
  const items = lines.flatMap((m) => m.items).map((i) => i.datum as Record<string, unknown>);
  const summary = items.filter((d) => d._layer === 'summary');
  return summary.map((d) => ({ x: Number(d[fig.encoding.x]), value: Number(d[fig.encoding.y]), censored: d._status === 'censored' })).sort((a, b) => a.x - b.x);
}

/** Every transform or encoding that would make Vega-Lite summarise the rows itself. */
function vegaSummaries(spec: unknown, path = ''): string[] {
  if (Array.isArray(spec)) return spec.flatMap((v, i) => vegaSummaries(v, `${path}[${i}]`));
  if (!spec || typeof spec !== 'object') return [];
  return Object.entries(spec).flatMap(([k, v]) => [
    ...(['aggregate', 'joinaggregate', 'window', 'quantile', 'density', 'regression', 'loess', 'bin', 'impute', 'pivot'].includes(k) && path !== '.data' ? [`${path}.${k}`] : []),
    ...(k === 'data' || k === 'datasets' ? [] : vegaSummaries(v, `${path}.${k}`)),
  ]);
}

describe('a figure draws the summaries of its table', () => {
  it('curves (the pruning-rate sweep): the median line is the table\'s median, censored where the table says "—"', async () => {
    const fig = milestoneSweep('tau', 'τ_grok vs pruning rate', SWEEP, 'tauGrok', { xTitle: 'k', yTitle: 'τ', xName: 'k' });
    const plotted = await plottedMedians(fig);
    expect(plotted.map((p) => p.x)).toEqual(SWEEP.map((a) => a.x));
    for (const [i, a] of SWEEP.entries()) {
      const table = tableMedian(a.runs);
      expect(plotted[i]!.censored).toBe(table === Infinity);
      if (table !== Infinity) expect(plotted[i]!.value).toBe(table);
    }
    // the finding's two points: k = 0.1 is censored (not ~17), k = 0.9 is 2.64 (not 2.39)
    expect(plotted[1]).toMatchObject({ x: 0.1, censored: true });
    expect(plotted[3]).toEqual({ x: 0.9, value: tableMedian(SWEEP[3]!.runs), censored: false });
    expect(tableMedian(SWEEP[3]!.runs)).toBeCloseTo(2.64, 12);
    // a censored median is drawn at a lower bound: every seed at k = 0.1 is at or below the truth
    expect(plotted[1]!.value).toBeGreaterThanOrEqual(19.1);
  });

  it('curves: censored seeds are drawn at their bound as triangles, with a legend entry', async () => {
    const fig = milestoneSweep('tau', 'τ_grok vs pruning rate', SWEEP, 'tauGrok', { xTitle: 'k', yTitle: 'τ', xName: 'k' });
    const censoredRows = fig.data.filter((d) => d.censored === true);
    expect(censoredRows.map((d) => d.value)).toEqual(Array(5).fill(H / 100)); // horizon / t_mem
    const triangles = dataItems(await drawn(fig), 'symbol').filter((i) => i.shape === 'triangle-up').map((i) => i.datum as Record<string, unknown>);
    // five censored seeds and the one censored median (k = 0.1)
    expect(triangles.filter((d) => d._layer === 'seed')).toHaveLength(5);
    expect(triangles.filter((d) => d._layer === 'summary').map((d) => d.x)).toEqual([0.1]);
    const svg = await renderSvg(toVegaLite(fig));
    expect(svg).toMatch(/>censored<\/text>/);
  });

  it('curves: the t_mem panel counts a run that never memorised as censored at the horizon', async () => {
    const runs = [run(0, { tMem: 100, tGen: 300 }), run(1, { tMem: null, tGen: null }), run(2, { tMem: null, tGen: null })];
    const fig = milestoneSweep('tmem', 't_mem', [{ x: 0.9, runs }], 'tMem', { xTitle: 'k', yTitle: 't_mem' });
    const plotted = await plottedMedians(fig);
    const table = median(runs.map((r) => r.milestones.tMem ?? Infinity));
    expect(table).toBe(Infinity);
    expect(plotted).toEqual([{ x: 0.9, value: H, censored: true }]);
  });

  it('curves: a τ with no bound (never memorised) is not drawn but still ranks worst, and is named', async () => {
    const runs = [run(0, { tMem: 100, tGen: 300 }), run(1, { tMem: 100, tGen: 500 }), run(2, { tMem: null, tGen: null })];
    const fig = milestoneSweep('tau', 'τ', [{ x: 0.5, runs }], 'tauGrok', { xTitle: 'k', yTitle: 'τ', xName: 'k' });
    expect(fig.censoredNote).toMatch(/never memorised.*k = 0\.5 seed 2/);
    const table = tableMedian(runs); // 3, 5, ∞ → 5
    expect(await plottedMedians(fig)).toEqual([{ x: 0.5, value: table, censored: false }]);
  });

  it('curves without censoring: medians over seeds per x, series and split, as the stats median computes them', async () => {
    const data = [1, 10, 100].flatMap((epoch) => [0, 1, 2, 3].flatMap((seed) => ['train', 'test'].map((split) => ({
      epoch, seed, split, series: 'dense', accuracy: (seed * 7 + epoch + (split === 'test' ? 3 : 0)) % 10 / 10,
    }))));
    const fig: FigureInput = { id: 'acc', title: 'acc', kind: 'curves', data, encoding: { x: 'epoch', y: 'accuracy', color: 'series', detail: 'seed', dash: 'split', xScale: 'log' } };
    const lines = (await drawn(fig)).filter((m) => m.marktype === 'line' && m.role === 'mark').flatMap((m) => m.items).map((i) => i.datum as Record<string, unknown>);
    const summary = lines.filter((d) => d._layer === 'summary');
    expect(summary).toHaveLength(6);
    for (const d of summary) {
      const values = data.filter((r) => r.epoch === d.epoch && r.split === d.split).map((r) => r.accuracy);
      expect(d.accuracy).toBe(median(values));
    }
  });

  it('paired: each seed is drawn at its value, a censored one at its horizon as a triangle (the seed table\'s rows)', async () => {
    const values = [[300, null, 900], [120, 150, null]];
    const fig = pairedMilestone('t', 't_gen', [{ name: 'dense', values: values[0]!, seeds: [0, 1, 2] }, { name: 'ticket', values: values[1]!, seeds: [0, 1, 2] }], { yTitle: 't_gen', horizon: H });
    const points = dataItems(await drawn(fig), 'symbol').map((i) => ({ datum: i.datum as Record<string, unknown>, shape: i.shape }));
    const got = points.map((p) => [p.datum.arm, p.datum.seed, p.datum.value, p.shape]).sort();
    const table = [['dense', values[0]!], ['ticket', values[1]!]] as const;
    const want = table.flatMap(([a, vs]) => vs.map((v, seed) => [a, seed, v ?? H, v === null ? 'triangle-up' : 'circle'])).sort();
    expect(got).toEqual(want);
  });

  it('bars: each bar and its interval are the summary rows given, never re-aggregated', async () => {
    const fig = sweepFigure();
    const bars = dataItems(await drawn(fig), 'rect').map((i) => i.datum as Record<string, unknown>).filter((d) => d._lo !== undefined && d.tau !== undefined);
    for (const row of fig.data) {
      const drawnRow = bars.find((d) => d.sparsity === row.sparsity && d.arm === row.arm);
      expect(drawnRow?.tau).toBe(row.tau);
    }
  });

  it('scatter: a censored point is drawn at its bound as a triangle with a legend entry', async () => {
    const fig: FigureInput = { id: 's', title: 's', kind: 'scatter', data: [{ x: 1, y: 2, censored: false }, { x: 2, y: H, censored: true }], encoding: { x: 'x', y: 'y' } };
    const shapes = dataItems(await drawn(fig), 'symbol').map((i) => [(i.datum as Record<string, unknown>).y, i.shape]);
    expect(shapes.sort()).toEqual([[2, 'circle'], [H, 'triangle-up']]);
    expect(await renderSvg(toVegaLite(fig))).toMatch(/>censored<\/text>/);
  });

  it('no figure kind asks Vega-Lite for a summary of its rows', () => {
    const kinds: FigureInput[] = [
      milestoneSweep('tau', 'τ', SWEEP, 'tauGrok', { xTitle: 'k', yTitle: 'τ' }),
      { id: 'c', title: 'c', kind: 'curves', data: [{ x: 1, y: 1, s: 'a', censored: true }], encoding: { x: 'x', y: 'y', color: 's' } },
      pairedMilestone('t', 't', [{ name: 'a', values: [1, null], seeds: [0, 1] }], { yTitle: 't', horizon: H }),
      sweepFigure(),
      { id: 's', title: 's', kind: 'scatter', data: [{ x: 1, y: 2, censored: true }], encoding: { x: 'x', y: 'y' } },
      { id: 'h', title: 'h', kind: 'heatmap', data: [{ a: 'x', b: 'y', value: 1 }], encoding: { x: 'a', y: 'b', color: 'value' } },
      { id: 'm', title: 'm', kind: 'mask', data: [{ start: 0, end: 2, row: 0 }], encoding: { x: 'start', x2: 'end', y: 'row' } },
    ];
    expect(new Set(kinds.map((f) => f.kind)).size).toBe(6);
    for (const fig of kinds) expect([fig.kind, vegaSummaries(toVegaLite(fig))]).toEqual([fig.kind, []]);
  });
});

describe('censoredMedian', () => {
  it('is the median with censored values ranked worst, a lower bound where the median is censored', () => {
    const c = (value: number | null) => ({ value, censored: true });
    const o = (value: number) => ({ value, censored: false });
    expect(censoredMedian([o(3), o(1), o(2)])).toEqual({ value: 2, censored: false });
    expect(censoredMedian([o(1), o(2), o(3), o(4)])).toEqual({ value: 2.5, censored: false });
    expect(censoredMedian([o(1), o(2), c(0.5), c(0.5), c(9)])).toEqual({ value: 2, censored: true }); // bounds raised to the top observed
    expect(censoredMedian([o(1), o(2), o(3), c(20)])).toEqual({ value: 2.5, censored: false });
    expect(censoredMedian([o(1), o(2), c(20), c(30)])).toEqual({ value: 11, censored: true }); // lerp(2, 20): the table's lerp(2, ∞) = ∞
    expect(censoredMedian([c(null), c(null)])).toEqual({ value: null, censored: true });
    expect(censoredMedian([o(4), c(null), c(null)])).toEqual({ value: 4, censored: true });
    expect(() => censoredMedian([])).toThrow(/at least 1 value/);
    expect(() => censoredMedian([{ value: Number.NaN, censored: false }])).toThrow(/must be a number or null/);
    expect(() => censoredMedian([{ value: null, censored: false }])).toThrow(/observed but has no value/);
  });

  it('agrees with the tables\' median(values ?? Infinity) wherever that is finite', () => {
    let s = 7;
    const rnd = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let trial = 0; trial < 300; trial++) {
      const xs = Array.from({ length: 1 + Math.floor(rnd() * 7) }, () => (rnd() < 0.3 ? null : Math.round(rnd() * 100)));
      const table = median(xs.map((x) => x ?? Infinity));
      const m = censoredMedian(xs.map((x) => ({ value: x ?? 50, censored: x === null })));
      expect(m.censored).toBe(table === Infinity);
      if (table !== Infinity) expect(m.value).toBe(table);
    }
  });
});
