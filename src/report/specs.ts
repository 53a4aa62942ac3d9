import type { TopLevelSpec } from 'vega-lite';
import type { FigureInput } from './types.ts';
import {
  CONFIG, HEIGHT, SCHEMA, WIDTH, datumRef, guardTexts, distinct, extent, emptyChart, filterExpr, filterTransform, isValidRow,
  logTicks, quantNeed, sanitizeRows, scaleOf, tipN, tipQ, vlField, type Need, type Row,
} from './spec-common.ts';
import { buildMask } from './spec-mask.ts';
import { censoredMedian, type Censorable } from '../stats/summary.ts';

/**
 * FigureInput → Vega-Lite spec. One builder per figure kind; each says which fields must be valid
 * (the filter), what to draw (a unit or layer spec) and any notes for the subtitle. `toVegaLite`
 * then adds data, the filter, title, size, facets and the shared look.
 */

type Json = Record<string, unknown>;
type Enc = FigureInput['encoding'];

interface Built {
  rows: Row[];
  needs: [string, Need][];
  view: Json; // { mark, encoding } or { layer }
  notes: string[];
  width?: number;
  height?: number;
}

/** Charts with at most this many x positions per line also get point markers (else a 1-point line is invisible). */
const POINTS_UP_TO = 12;

export function toVegaLite(fig: FigureInput): TopLevelSpec {
  return guardTexts(buildSpec(fig)) as unknown as TopLevelSpec;
}

function buildSpec(fig: FigureInput): Json {
  const built = BUILDERS[fig.kind](fig, sanitizeRows(fig.data ?? []));
  const facet = fig.encoding.facet;
  const needs: [string, Need][] = facet ? [...built.needs, [facet, 'present']] : built.needs;
  const valid = built.rows.filter((r) => isValidRow(r, needs));
  if (valid.length === 0) {
    const why = built.rows.length
      ? 'no plottable values (all missing, non-finite, or ≤ 0 on a log axis)'
      : 'no data';
    return emptyChart(fig.title, why);
  }
  const notes = [...built.notes, ...(fig.censoredNote ? [fig.censoredNote] : [])];
  const base: Json = {
    $schema: SCHEMA,
    title: notes.length ? { text: fig.title, subtitle: notes } : { text: fig.title },
    data: { values: built.rows },
    transform: filterTransform(needs),
    config: CONFIG,
  };
  if (!facet) {
    return { ...base, width: built.width ?? WIDTH, height: built.height ?? HEIGHT, ...built.view };
  }
  // Two columns keep each panel wide enough to read; more facets wrap onto new rows. The spacing
  // leaves room for a right-most axis label overhanging its panel.
  const n = distinct(valid, facet).length;
  const spacing = 36;
  const cellWidth = n > 1 ? Math.floor((WIDTH - spacing) / 2) : (built.width ?? WIDTH);
  // Panel headers show the values; the field name above them would only repeat the legend title.
  const field = { field: vlField(facet), type: 'nominal', title: null, sort: null };
  return {
    ...base,
    // A single row uses a column facet: a wrapped facet titles each panel separately, and Vega then
    // places the title of the panel carrying the y axis lower than the others.
    ...(n <= 2 ? { facet: { column: field } } : { facet: field, columns: 2 }),
    spacing,
    spec: { width: Math.min(cellWidth, built.width ?? WIDTH), height: Math.min(built.height ?? HEIGHT, 240), ...built.view },
  };
}

const BUILDERS: Record<FigureInput['kind'], (fig: FigureInput, rows: Row[]) => Built> = {
  curves: buildCurves,
  paired: buildPaired,
  bars: buildBars,
  scatter: buildScatter,
  heatmap: buildHeatmap,
  mask: buildMask,
};

/**
 * A quantitative position channel. Log axes get decade ticks computed from the rows that will be drawn;
 * `exact` pins the domain (no rounding to nice numbers) when its ends carry meaning.
 */
function quant(field: string, title: string, scale: string | undefined, rows: Row[], extra: Json = {}, exact?: { min: number; max: number }): Json {
  const values = rows.map((r) => Number(r[field]));
  const ticks = scale === 'log' ? logTicks(values, exact) : undefined;
  const ext = extent(values);
  // A single distinct value gives a zero-width domain (unless the scale adds zero), and Vega then
  // labels it "10.000000".
  const zeroWidth = !!ext && ext[0] === ext[1] && (extra.zero === false || scale === 'log' || ext[0] === 0);
  // log ticks include the pinned domain ends (e.g. a censoring bound of 14.354…): 3 significant digits
  const format = zeroWidth ? ',~g' : ticks ? ',.3~r' : undefined;
  const axis = ticks || format ? compact({ values: ticks, format }) : undefined;
  const pinned = exact ? { nice: false, domainMin: exact.min, domainMax: exact.max } : {};
  return compact({ field: vlField(field), type: 'quantitative', title, scale: scaleOf(scale, { ...extra, ...pinned }), axis });
}

function colorNominal(e: Enc, rows: Row[], legend: Json = {}): Json | undefined {
  if (!e.color) return undefined;
  // sort: null keeps first-appearance order, so the caller decides which arm gets the first colour.
  // more than ten series would repeat tableau10's colours; tableau20 keeps them apart
  const scheme = distinct(rows, e.color).length > 10 ? 'tableau20' : 'tableau10';
  return { field: vlField(e.color), type: 'nominal', sort: null, title: e.colorTitle ?? e.color, scale: { scheme }, legend };
}

function compact<T extends Json>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/** Horizontal category labels when they fit, slanted when they would collide. */
function bandAxis(rows: Row[], field: string): Json {
  const long = distinct(rows, field).some((v) => String(v).length > 12);
  return long ? { labelAngle: -30, labelAlign: 'right' } : { labelAngle: 0 };
}

/** The status of a drawn value: observed, or censored (the true value lies above it). */
const OBSERVED = 'observed';
const CENSORED = 'censored';

const CENSORED_NOTE = '▲ censored: only known to lie above where it is drawn (its horizon or bound)';

/** A row flagged `censored: true` is only known to lie above its y: drawn there, ranked worst. */
const isCensored = (r: Row): boolean => r.censored === true;

/** Rows the seed layer draws, and the summary rows (one per line and x) drawn over them. */
const SEED = 'seed';
const SUMMARY = 'summary';
const MILESTONE = 'milestone';

/**
 * The median over seeds at each x of each line (colour × dash × facet), computed here rather than
 * by a Vega-Lite aggregate, which would drop the censored seeds the claims' tables rank worst. A
 * censored median is drawn at its lower bound (stats/summary.ts censoredMedian). A seed's missing
 * value (null, NaN, or ≤ 0 on a log axis), unless censored, is left out, as a missing point.
 */
function medianRows(rows: Row[], e: Enc, needs: [string, Need][]): Row[] {
  const keys = [e.x, e.color, e.dash, e.facet].filter((f): f is string => !!f);
  const [xNeed, yNeed] = [needs[0]!, needs[1]!];
  const groups = new Map<string, { first: Row; values: Censorable[] }>();
  for (const r of rows) {
    if (!isValidRow(r, [xNeed])) continue;
    const drawn = isValidRow(r, [yNeed]);
    if (!drawn && !isCensored(r)) continue;
    const key = JSON.stringify(keys.map((k) => r[k] ?? null));
    const g = groups.get(key) ?? { first: r, values: [] };
    g.values.push({ value: drawn ? Number(r[e.y]) : null, censored: isCensored(r) });
    groups.set(key, g);
  }
  return [...groups.values()].flatMap(({ first, values }) => {
    const m = censoredMedian(values);
    if (m.value === null) return [];
    return [{ ...Object.fromEntries(keys.map((k) => [k, first[k]])), [e.y]: m.value, _layer: SUMMARY, _status: m.censored ? CENSORED : OBSERVED }];
  });
}

/** A filter on the rows of one layer. */
const only = (field: string, value: string): Json => ({ filter: `${datumRef(field)} === ${JSON.stringify(value)}` });

function buildCurves(fig: FigureInput, input: Row[]): Built {
  const e = fig.encoding;
  const needs: [string, Need][] = [[e.x, quantNeed(e.xScale)], [e.y, quantNeed(e.yScale)]];
  const xTitle = e.xTitle ?? e.x;
  const yTitle = e.yTitle ?? e.y;
  const seedRows: Row[] = input.map((r) => ({ ...r, _layer: SEED, _status: isCensored(r) ? CENSORED : OBSERVED }));
  const summary = e.detail ? medianRows(input, e, needs) : [];
  // milestone rows stand at a drawn y so the rows' filter keeps them; their marks use x only
  const anchor = seedRows.find((r) => isValidRow(r, needs));
  const marks: Row[] = anchor
    ? (fig.milestones ?? []).filter((m) => Number.isFinite(m.x) && (e.xScale !== 'log' || m.x > 0)).map((m) => ({
      [e.x]: m.x, [e.y]: anchor[e.y], _layer: MILESTONE, _label: m.label, ...(e.color && m.series !== undefined ? { [e.color]: m.series } : {}),
    }))
    : [];
  const rows = [...seedRows, ...summary, ...marks];
  const validRows = rows.filter((r) => isValidRow(r, needs));
  const hasCensored = validRows.some((r) => r._status === CENSORED);
  const x = quant(e.x, xTitle, e.xScale, validRows, { zero: false });
  // no forced zero: entropies and norms live far from 0 (accuracies reach near 0 by themselves)
  const y = e.yDomain
    ? quant(e.y, yTitle, e.yScale, validRows, {}, { min: e.yDomain[0], max: e.yDomain[1] })
    : quant(e.y, yTitle, e.yScale, validRows, { zero: false });
  // colour alone fails in greyscale prints and for colour-blind readers: the split also gets a dash
  const dashes = e.dash ? distinct(validRows, e.dash) : [];
  const strokeDash = e.dash
    ? { field: vlField(e.dash), type: 'nominal', title: e.dashTitle ?? e.dash, sort: null, scale: { domain: dashes, range: dashes.map((_, i) => DASHES[i % DASHES.length]) }, legend: { symbolType: 'stroke', symbolStrokeWidth: 2, symbolStrokeColor: '#333' } }
    : undefined;
  // The legend would otherwise copy the faint seed lines; show the bold median style instead.
  const color = colorNominal(e, validRows, { symbolType: 'stroke', symbolStrokeWidth: 3, symbolOpacity: 1 });
  const points = distinct(validRows, e.x).length <= POINTS_UP_TO ? { filled: true, size: 36 } : false;
  const colorTip = e.color ? [tipN(e.color, e.colorTitle)] : [];
  const statusTip = hasCensored ? [tipN('_status', 'status')] : [];
  // A censored value gets its own mark and legend entry wherever it is drawn, seed or median.
  const censoredMarks = {
    transform: [only('_status', CENSORED)],
    mark: { type: 'point', filled: true, size: 90, opacity: 1, stroke: 'white', strokeWidth: 0.8 },
    encoding: compact({
      x, y, color,
      shape: { field: '_status', type: 'nominal', scale: { domain: [CENSORED], range: ['triangle-up'] }, legend: { title: null } },
      tooltip: [...colorTip, ...(e.detail ? [tipN(e.detail)] : []), tipQ(e.x, xTitle), tipQ(e.y, `${yTitle} (lower bound)`), ...statusTip],
    }),
  };
  // the figure's own note, when it has one, says where its censored values are drawn
  const censoredNote = hasCensored && !fig.censoredNote ? [CENSORED_NOTE] : [];

  // Milestones (t_mem, t_gen): a dotted rule across the plot and its label along the top, staggered.
  const milestoneLayers = marks.length ? [
    { transform: [only('_layer', MILESTONE)], mark: { type: 'rule', strokeDash: [2, 2], strokeWidth: 1.2, opacity: 0.8, ...(e.color ? {} : { color: '#555' }) }, encoding: compact({ x, color: e.color ? color : undefined, tooltip: [tipN('_label', 'milestone'), tipQ(e.x, xTitle)] }) },
    {
      transform: [only('_layer', MILESTONE), { window: [{ op: 'row_number', as: '_k' }] }, { calculate: '4 + 11 * ((datum._k - 1) % 4)', as: '_ky' }],
      mark: { type: 'text', align: 'left', baseline: 'top', dx: 3, fontSize: 10, ...(e.color ? {} : { color: '#333' }) },
      encoding: compact({ x, y: { field: '_ky', type: 'quantitative', scale: null }, text: { field: '_label', type: 'nominal' }, color: e.color ? color : undefined }),
    },
  ] : [];
  if (!e.detail) {
    const line = { ...(marks.length ? { transform: [{ filter: `datum._layer !== '${MILESTONE}'` }] } : {}), mark: { type: 'line', strokeWidth: 2, point: points }, encoding: compact({ x, y, color, strokeDash, tooltip: [...colorTip, tipQ(e.x, xTitle), tipQ(e.y, yTitle), ...statusTip] }) };
    const layers = [line, ...(hasCensored ? [censoredMarks] : []), ...milestoneLayers];
    return { rows, needs, notes: censoredNote, view: layers.length > 1 ? { layer: layers } : line };
  }
  // Seeds as thin lines show the spread; the median line is what the eye should follow.
  const seeds = {
    transform: [only('_layer', SEED)],
    mark: { type: 'line', strokeWidth: 1, opacity: 0.35 },
    encoding: compact({ x, y, color, strokeDash, detail: { field: vlField(e.detail), type: 'nominal' }, tooltip: [...colorTip, tipN(e.detail), tipQ(e.x, xTitle), tipQ(e.y, yTitle), ...statusTip] }),
  };
  const median = {
    transform: [only('_layer', SUMMARY)],
    mark: { type: 'line', strokeWidth: 2.75, point: points },
    encoding: compact({ x, y, color, strokeDash, tooltip: [...colorTip, tipQ(e.x, xTitle), tipQ(e.y, `median ${yTitle}`), ...statusTip] }),
  };
  const notes = [`thin lines: single ${e.detail}s · thick line: median over ${e.detail}s${hasCensored ? ', a censored one ranked worst' : ''}`, ...censoredNote];
  return { rows, needs, notes, view: { layer: [seeds, median, ...(hasCensored ? [censoredMarks] : []), ...milestoneLayers] } };
}

/** Solid first, then clearly different patterns. */
const DASHES = [[1, 0], [6, 4], [2, 3], [8, 3, 2, 3]];

function buildPaired(fig: FigureInput, input: Row[]): Built {
  const e = fig.encoding;
  const detail = e.detail ?? 'seed';
  // A pair with a censored end has an unknown true length: its joining line is dashed.
  const censoredUnits = new Set(input.filter((r) => r.censored === true).map((r) => r[detail]));
  const rows: Row[] = input.map((r) => ({
    ...r,
    _status: r.censored === true ? CENSORED : OBSERVED,
    _pair: censoredUnits.has(r[detail]) ? CENSORED : OBSERVED,
  }));
  const hasCensored = censoredUnits.size > 0;
  const needs: [string, Need][] = [[e.x, 'present'], [e.y, quantNeed(e.yScale)]];
  const xTitle = e.xTitle ?? e.x;
  const yTitle = e.yTitle ?? e.y;
  const x = { field: vlField(e.x), type: 'nominal', sort: null, title: xTitle, axis: { ...bandAxis(rows, e.x), labelFontSize: 13 } };
  // With censored points the domain ends exactly at the horizon (where the caller put them), so the
  // triangles sit on the top edge; on a log axis the bottom gets some air so the lowest point is not on the axis.
  const valid = rows.filter((r) => isValidRow(r, needs));
  const ys = extent(valid.map((r) => Number(r[e.y])));
  const exact = hasCensored && ys
    ? { min: e.yScale === 'log' ? ys[0] / 1.3 : Math.min(0, ys[0]), max: ys[1] }
    : undefined;
  const y = quant(e.y, yTitle, e.yScale, valid, {}, exact && exact.max > exact.min ? exact : undefined);
  const lines = {
    mark: { type: 'line', color: '#8a8a8a', strokeWidth: 1.3, opacity: 0.8 },
    encoding: {
      x, y, detail: { field: vlField(detail), type: 'nominal' },
      strokeDash: { field: '_pair', type: 'nominal', scale: { domain: [OBSERVED, CENSORED], range: [[1, 0], [5, 3]] }, legend: null },
    },
  };
  const colorField = e.color ?? e.x;
  const pts = {
    mark: { type: 'point', filled: true, size: 110, opacity: 1, stroke: 'white', strokeWidth: 0.8 },
    encoding: {
      x, y,
      color: { field: vlField(colorField), type: 'nominal', sort: null, scale: { scheme: 'tableau10' }, title: e.colorTitle ?? colorField, legend: e.color ? {} : null },
      shape: {
        field: '_status', type: 'nominal',
        scale: { domain: [OBSERVED, CENSORED], range: ['circle', 'triangle-up'] },
        legend: hasCensored ? { title: null } : null,
      },
      tooltip: [tipN(detail), tipN(e.x, xTitle), tipQ(e.y, yTitle), tipN('_status', 'status')],
    },
  };
  const armNames = distinct(valid, e.x);
  const arms = distinct(rows, e.x).length;
  // each seed named at its line's end (the last arm), so a reader can follow one seed across figures
  const labels = armNames.length ? {
    transform: [{ filter: `${datumRef(e.x)} === ${JSON.stringify(armNames[armNames.length - 1])}` }, { calculate: `${JSON.stringify(`${detail} `)} + ${datumRef(detail)}`, as: '_seedLabel' }],
    mark: { type: 'text', align: 'left', baseline: 'middle', dx: 9, fontSize: 10, color: '#555' },
    encoding: { x, y, text: { field: '_seedLabel', type: 'nominal' } },
  } : null;
  return { rows, needs, notes: [], view: { layer: labels ? [lines, pts, labels] : [lines, pts] }, width: Math.max(260, Math.min(WIDTH, 160 * arms)) };
}

function buildBars(fig: FigureInput, input: Row[]): Built {
  const e = fig.encoding;
  const yNeed = quantNeed(e.yScale);
  const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
  const rows = input.map((r) => {
    if (e.yLow && e.yHigh) return { ...r, _lo: num(r[e.yLow]), _hi: num(r[e.yHigh]) };
    if (e.yError) {
      const v = num(r[e.y]);
      const err = num(r[e.yError]);
      return { ...r, _lo: v !== null && err !== null ? v - Math.abs(err) : null, _hi: v !== null && err !== null ? v + Math.abs(err) : null };
    }
    return r;
  });
  const needs: [string, Need][] = [[e.x, 'present'], [e.y, yNeed]];
  const xTitle = e.xTitle ?? e.x;
  const yTitle = e.yTitle ?? e.y;
  const x = { field: vlField(e.x), type: 'nominal', sort: null, title: xTitle, axis: bandAxis(rows, e.x) };
  // stack: null — grouped bars sit side by side, and stacking from 0 would put 0 into a log domain.
  const y = { ...quant(e.y, yTitle, e.yScale, rows.filter((r) => isValidRow(r, needs))), stack: null };
  const color = colorNominal(e, rows);
  const xOffset = e.color ? { field: vlField(e.color), type: 'nominal', sort: null } : undefined;
  const errTips = e.yLow && e.yHigh ? [tipQ(e.yLow), tipQ(e.yHigh)] : e.yError ? [tipQ(e.yError, `± ${e.yError}`)] : [];
  const bars = {
    mark: { type: 'bar', opacity: 0.9 },
    encoding: compact({ x, y, xOffset, color, tooltip: [tipN(e.x, xTitle), ...(e.color ? [tipN(e.color, e.colorTitle)] : []), tipQ(e.y, yTitle), ...errTips] }),
  };
  if (!(e.yError || (e.yLow && e.yHigh))) return { rows, needs, notes: [], view: bars };
  const errFilter = [{ filter: filterExpr([['_lo', yNeed], ['_hi', yNeed]]) }];
  const lo = { ...y, field: '_lo' };
  const rule = { transform: errFilter, mark: { type: 'rule', strokeWidth: 1.5, color: '#333' }, encoding: compact({ x, xOffset, y: lo, y2: { field: '_hi' } }) };
  const cap = (field: string) => ({
    transform: errFilter, mark: { type: 'tick', thickness: 1.5, size: 10, color: '#333' },
    encoding: compact({ x, xOffset, y: { ...y, field } }),
  });
  const what = e.yLow && e.yHigh ? `${e.yLow} … ${e.yHigh}` : `± ${e.yError}`;
  return { rows, needs, notes: [`error bars: ${what}`], view: { layer: [bars, rule, cap('_lo'), cap('_hi')] } };
}

function buildScatter(fig: FigureInput, input: Row[]): Built {
  const e = fig.encoding;
  const needs: [string, Need][] = [[e.x, quantNeed(e.xScale)], [e.y, quantNeed(e.yScale)]];
  const rows = input.map((r) => ({ ...r, _status: isCensored(r) ? CENSORED : OBSERVED }));
  const valid = rows.filter((r) => isValidRow(r, needs));
  const hasCensored = valid.some((r) => r._status === CENSORED);
  const xTitle = e.xTitle ?? e.x;
  const yTitle = e.yTitle ?? e.y;
  const tooltip = [
    ...(e.detail ? [tipN(e.detail)] : []), ...(e.color ? [tipN(e.color, e.colorTitle)] : []),
    tipQ(e.x, xTitle), tipQ(e.y, yTitle), ...(hasCensored ? [tipN('_status', 'status')] : []),
  ];
  // a censored point (its y only a lower bound) is a triangle with its own legend entry
  const shape = hasCensored
    ? { field: '_status', type: 'nominal', scale: { domain: [OBSERVED, CENSORED], range: ['circle', 'triangle-up'] }, legend: { title: null } }
    : undefined;
  return {
    rows, needs, notes: hasCensored && !fig.censoredNote ? [CENSORED_NOTE] : [],
    view: {
      mark: { type: 'point', filled: true, size: 70, opacity: 0.8 },
      encoding: compact({ x: quant(e.x, xTitle, e.xScale, valid, { zero: false }), y: quant(e.y, yTitle, e.yScale, valid, { zero: false }), color: colorNominal(e, valid), shape, tooltip }),
    },
  };
}

/** Value labels inside cells only while they stay legible. */
const HEATMAP_LABELS_UP_TO = 120;

function buildHeatmap(fig: FigureInput, rows: Row[]): Built {
  const e = fig.encoding;
  const value = e.color ?? 'value';
  const needs: [string, Need][] = [[e.x, 'present'], [e.y, 'present'], [value, 'finite']];
  const xTitle = e.xTitle ?? e.x;
  const yTitle = e.yTitle ?? e.y;
  const valid = rows.filter((r) => isValidRow(r, needs));
  const nx = distinct(valid, e.x).length;
  const ny = distinct(valid, e.y).length;
  const x = { field: vlField(e.x), type: 'ordinal', title: xTitle, axis: bandAxis(valid, e.x) };
  const y = { field: vlField(e.y), type: 'ordinal', title: yTitle };
  const rect = {
    mark: { type: 'rect' },
    encoding: {
      x, y,
      // viridis: perceptually uniform and readable with any colour-vision deficiency.
      color: { field: vlField(value), type: 'quantitative', title: e.colorTitle ?? value, scale: { scheme: 'viridis' } },
      tooltip: [tipN(e.x, xTitle), tipN(e.y, yTitle), tipQ(value, e.colorTitle ?? value)],
    },
  };
  const layer: Json[] = [rect];
  if (nx * ny <= HEATMAP_LABELS_UP_TO) {
    const [lo, hi] = extent(valid.map((r) => Number(r[value]))) ?? [0, 0];
    const mid = lo / 2 + hi / 2; // halves first: no overflow near ±1e308
    layer.push({
      mark: { type: 'text', fontSize: 11 },
      encoding: {
        x, y,
        text: { field: vlField(value), type: 'quantitative', format: '.3~g' },
        // dark viridis end (low values) needs white text, the yellow end black.
        color: { condition: { test: `${datumRef(value)} < ${mid}`, value: 'white' }, value: 'black' },
      },
    });
  }
  return {
    rows, needs, notes: [], view: { layer },
    width: Math.max(160, Math.min(WIDTH, nx * 48)),
    height: Math.max(100, Math.min(420, ny * 30)),
  };
}
