import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileSpec, renderSvg } from '../../src/report/render.ts';
import { logTicks, satisfies } from '../../src/report/spec-common.ts';
import { toVegaLite } from '../../src/report/specs.ts';
import type { FigureInput } from '../../src/report/types.ts';
import { dataItems, drawn } from './drawn.ts';
import { curvesFigure, sweepFigure, tauFigure } from './sample.ts';

// Property tests: any rows a claim might produce (empty, NaN, null, ±Infinity, a single point,
// zero/negative x on a log axis, awkward field names) must give a spec that compiles and renders.

// ≤ 30 keeps the folder under a minute; REPORT_PROP_RUNS=500 for a deeper hunt.
const RUNS = Number(process.env.REPORT_PROP_RUNS ?? 25);

// Subnormal doubles (5e-324) are left out: a colour scale over [0, 5e-324] breaks inside d3's
// interpolation, and no claim measures anything that small.
const num = fc.oneof(
  { weight: 4, arbitrary: fc.double({ min: -1e6, max: 1e6 }).filter((v) => !(v !== 0 && Math.abs(v) < 1e-300)) },
  { weight: 2, arbitrary: fc.integer({ min: -5, max: 10_000 }) },
  { weight: 2, arbitrary: fc.constantFrom<number | null | undefined>(Number.NaN, Infinity, -Infinity, null, undefined, 0, -1, 1e-300, 1e300) },
);
const label = fc.oneof(fc.constantFrom('dense', 'ticket', 'a.b [x]', '<&>', ''), fc.string({ maxLength: 12 }));
const scale = fc.constantFrom<FigureInput['encoding']['xScale']>(undefined, 'linear', 'log', 'symlog');
const title = fc.oneof(fc.string({ maxLength: 30 }), fc.constant('τ <dense> & "ticket"'));
const rowsOf = <T>(row: fc.Arbitrary<T>) =>
  fc.oneof({ weight: 1, arbitrary: fc.constant([] as T[]) }, { weight: 1, arbitrary: fc.array(row, { minLength: 1, maxLength: 1 }) }, { weight: 4, arbitrary: fc.array(row, { maxLength: 40 }) });

const figures: Record<FigureInput['kind'], fc.Arbitrary<FigureInput>> = {
  curves: fc.record({
    rows: rowsOf(fc.record({ series: label, seed: fc.integer({ min: 0, max: 4 }), 'test.acc': num, epoch: num, censored: fc.boolean() })),
    xScale: scale, yScale: scale, color: fc.boolean(), detail: fc.boolean(), facet: fc.boolean(), title,
  }).map(({ rows, xScale, yScale, color, detail, facet, title }) => ({
    id: 'c', title, kind: 'curves', data: rows,
    encoding: { x: 'epoch', y: 'test.acc', xScale, yScale, ...(color ? { color: 'series' } : {}), ...(detail ? { detail: 'seed' } : {}), ...(facet ? { facet: 'series' } : {}) },
  })),
  paired: fc.record({
    rows: rowsOf(fc.record({ arm: fc.constantFrom('dense', 'ticket', 'random'), seed: fc.integer({ min: 0, max: 5 }), tau: num, censored: fc.boolean() })),
    yScale: scale, title, note: fc.option(fc.string({ maxLength: 20 }), { nil: undefined }),
  }).map(({ rows, yScale, title, note }) => ({
    id: 'p', title, kind: 'paired', data: rows, censoredNote: note, encoding: { x: 'arm', y: 'tau', detail: 'seed', yScale },
  })),
  bars: fc.record({
    rows: rowsOf(fc.record({ cat: label, v: num, err: num, lo: num, hi: num, arm: fc.constantFrom('magnitude', 'random') })),
    yScale: scale, err: fc.constantFrom('none', 'sym', 'interval'), color: fc.boolean(), title,
  }).map(({ rows, yScale, err, color, title }) => ({
    id: 'b', title, kind: 'bars', data: rows,
    encoding: { x: 'cat', y: 'v', yScale, ...(color ? { color: 'arm' } : {}), ...(err === 'sym' ? { yError: 'err' } : err === 'interval' ? { yLow: 'lo', yHigh: 'hi' } : {}) },
  })),
  scatter: fc.record({
    rows: rowsOf(fc.record({ x: num, y: num, g: label, censored: fc.boolean() })), xScale: scale, yScale: scale, color: fc.boolean(), title,
  }).map(({ rows, xScale, yScale, color, title }) => ({
    id: 's', title, kind: 'scatter', data: rows, encoding: { x: 'x', y: 'y', xScale, yScale, ...(color ? { color: 'g' } : {}) },
  })),
  heatmap: fc.record({
    rows: rowsOf(fc.record({ row: fc.integer({ min: 0, max: 6 }), col: fc.constantFrom('a', 'b', 'c', 'd.e'), value: num })), title,
  }).map(({ rows, title }) => ({ id: 'h', title, kind: 'heatmap', data: rows, encoding: { x: 'col', y: 'row', color: 'value' } })),
  mask: fc.record({
    rows: rowsOf(fc.record({ row: num, start: num, end: num, panel: fc.constantFrom('ticket · W_E', 'random · W_U') })), facet: fc.boolean(), title,
  }).map(({ rows, facet, title }) => ({ id: 'm', title, kind: 'mask', data: rows, encoding: { x: 'start', x2: 'end', y: 'row', ...(facet ? { facet: 'panel' } : {}) } })),
};

function dataValues(spec: unknown): Record<string, unknown>[] {
  return ((spec as { data?: { values?: Record<string, unknown>[] } }).data?.values ?? []);
}

describe('toVegaLite + renderSvg for random inputs', () => {
  for (const [kind, arb] of Object.entries(figures)) {
    it(`${kind}: compiles, renders, carries no non-finite numbers`, async () => {
      await fc.assert(
        fc.asyncProperty(arb, async (fig) => {
          const spec = toVegaLite(fig);
          compileSpec(spec);
          for (const row of dataValues(spec)) {
            for (const v of Object.values(row)) if (typeof v === 'number') expect(Number.isFinite(v)).toBe(true);
          }
          const svg = await renderSvg(spec);
          expect(svg.startsWith('<svg')).toBe(true);
          expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
          // Geometry must be finite (aria-labels may say "NaN" for a missing tooltip value: harmless).
          expect(svg).not.toMatch(/\s(?:d|x|y|x1|x2|y1|y2|width|height|transform)="[^"]*(?:NaN|Infinity)/);
        }),
        { numRuns: RUNS },
      );
    });
  }
});

describe('what the charts draw', () => {
  it('curves with a detail field: one thin line per seed plus a median line per series', async () => {
    const fig = curvesFigure();
    const spec = toVegaLite(fig) as { layer?: { mark: { strokeWidth: number } }[]; transform?: { filter: string }[] };
    expect(spec.layer).toHaveLength(2);
    expect(spec.layer![1]!.mark.strokeWidth).toBeGreaterThan(spec.layer![0]!.mark.strokeWidth);
    expect(spec.transform![0]!.filter).toContain('isValid(datum["y"]) && isFinite(datum["y"])');
    // A line mark holds one item per point; one mark per group (seed × arm, or arm for the median).
    const lines = (await drawn(fig)).filter((m) => m.marktype === 'line' && m.role === 'mark');
    expect(lines.length).toBe(10 + 2); // 5 seeds × 2 arms, 2 medians (the NaN point is dropped, not the seed)
  });

  it('accuracy curves: the axis spans 0–1 whatever the data, and train and test differ in dash as well as colour', async () => {
    const data = [1, 10, 100].flatMap((epoch) => [
      { epoch, accuracy: 0.2 + epoch / 1000, series: 'dense', split: 'train', seed: 0 },
      { epoch, accuracy: 0.1, series: 'dense', split: 'test', seed: 0 },
    ]);
    const fig: FigureInput = { id: 'acc', title: 'acc', kind: 'curves', data, encoding: { x: 'epoch', y: 'accuracy', color: 'series', detail: 'seed', xScale: 'log', yDomain: [0, 1], dash: 'split' } };
    const spec = toVegaLite(fig) as unknown as { layer: { encoding: { y: { scale: Record<string, unknown> }; strokeDash?: { scale: { range: number[][] } } } }[] };
    for (const layer of spec.layer) {
      expect(layer.encoding.y.scale).toMatchObject({ domainMin: 0, domainMax: 1 });
      const dash = layer.encoding.strokeDash!.scale.range;
      expect(dash).toHaveLength(2);
      expect(dash[0]).not.toEqual(dash[1]);
    }
    const lines = (await drawn(fig)).filter((m) => m.marktype === 'line' && m.role === 'mark').flatMap((m) => m.items) as { strokeDash?: number[] }[];
    expect(new Set(lines.map((l) => JSON.stringify(l.strokeDash ?? null))).size).toBe(2);
  });

  it('paired: the censored seed is a triangle at the top edge, the others circles', async () => {
    const items = dataItems(await drawn(tauFigure()), 'symbol') as { shape?: string; y?: number }[];
    const triangles = items.filter((i) => i.shape === 'triangle-up');
    expect(triangles).toHaveLength(1);
    expect(triangles[0]!.y).toBeCloseTo(0, 6); // y = 0 px is the top of the plot
    expect(items.filter((i) => i.shape === 'circle')).toHaveLength(9);
  });

  it('log x axis drops x ≤ 0 but still draws the rest', async () => {
    const fig: FigureInput = {
      id: 'l', title: 'log', kind: 'curves',
      data: [0, -3, 1, 10, 100].map((x, i) => ({ x, y: i, series: 's' })),
      encoding: { x: 'x', y: 'y', color: 'series', xScale: 'log' },
    };
    expect(JSON.stringify(toVegaLite(fig))).toContain('> 0');
    expect(dataItems(await drawn(fig), 'symbol')).toHaveLength(3); // point markers: few x values
  });

  it('field names with dots and brackets are read as flat names', async () => {
    const fig: FigureInput = { id: 'f', title: 'dots', kind: 'scatter', data: [{ 'a.b': 1, 'c[0]': 2 }, { 'a.b': 2, 'c[0]': 3 }], encoding: { x: 'a.b', y: 'c[0]' } };
    expect(dataItems(await drawn(fig), 'symbol')).toHaveLength(2);
  });

  it('a chart with nothing to draw says so instead of drawing empty axes', async () => {
    const empty: FigureInput = { id: 'e', title: 'empty', kind: 'curves', data: [], encoding: { x: 'x', y: 'y' } };
    const allBad: FigureInput = { ...empty, data: [{ x: 1, y: Number.NaN }, { x: -1, y: null }] };
    expect(dataItems(await drawn(empty), 'text').map((i) => i.text)).toEqual(['no data']);
    expect(String(dataItems(await drawn(allBad), 'text')[0]?.text)).toMatch(/^no plottable values/);
  });

  it('bars with error bars draw a rule per bar', async () => {
    const marks = await drawn(sweepFigure());
    expect(dataItems(marks, 'rect')).toHaveLength(10 + 2 * 10); // bars + two caps (ticks are rects) per bar
    expect(dataItems(marks, 'rule')).toHaveLength(10);
  });
});

describe('helpers', () => {
  it('validity mirrors Vega isValid + isFinite', () => {
    expect([null, undefined, Number.NaN].map((v) => satisfies(v, 'present'))).toEqual([false, false, false]);
    expect(satisfies('dense', 'present')).toBe(true);
    expect(satisfies(Infinity, 'finite')).toBe(false);
    expect(satisfies(0, 'positive')).toBe(false);
    expect(satisfies(1e-9, 'positive')).toBe(true);
  });

  it('log ticks: decades, 1-2-5 for short ranges, pinned top for exact domains', () => {
    expect(logTicks([1, 8000])).toEqual([1, 10, 100, 1000, 10000]);
    expect(logTicks([3, 40])).toEqual([1, 2, 5, 10, 20, 50, 100]);
    expect(logTicks([200, 8000], { min: 200, max: 8000 })).toEqual([200, 500, 1000, 2000, 5000, 8000]);
    expect(logTicks([0, -1])).toBeUndefined();
    expect(logTicks([1e-300, 1e300])!.length).toBeLessThanOrEqual(12);
  });
});
