import { FONT_FAMILY } from './fonts.ts';

/**
 * Pieces shared by every chart kind: the look (config), field addressing, and the validity rule that
 * decides which rows are drawn. The same rule runs twice on purpose: as a Vega `filter` transform so
 * the .vl.json is honest on its own, and in TypeScript so a chart with nothing left to draw says so.
 */

// the report page is ~1050 px wide: figures are drawn at that size rather than scaled (which would
// scale the fonts with them); the CSS still shrinks them on narrow screens
export const WIDTH = 880;
export const HEIGHT = 340;
export const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

type Json = Record<string, unknown>;
export type Row = Record<string, unknown>;

/** Readable at slide size; greys chosen so data, not scaffolding, draws the eye. */
export const CONFIG: Json = {
  font: FONT_FAMILY,
  background: 'white',
  padding: 10,
  title: { fontSize: 15, fontWeight: 'bold', anchor: 'start', offset: 12, subtitleFontSize: 12, subtitleColor: '#555', subtitlePadding: 4, color: '#222' },
  axis: {
    labelFontSize: 12, titleFontSize: 13, titleFontWeight: 'normal', titleColor: '#222', labelColor: '#333',
    gridColor: '#e8e8e8', domainColor: '#888', tickColor: '#888', titlePadding: 8, labelFlush: false,
  },
  legend: { labelFontSize: 12, titleFontSize: 12, titleFontWeight: 'bold', symbolSize: 120, labelLimit: 260, titleLimit: 260 },
  header: { labelFontSize: 13, titleFontSize: 13, labelFontWeight: 'bold', titleFontWeight: 'normal' },
  view: { stroke: '#ddd' },
  // tableau10 is colour-blind-safe for the first few hues, which is all a claim figure uses.
  range: { category: { scheme: 'tableau10' } },
};

/** Vega-Lite reads `.` and `[]` in a field as nested access; our rows are flat, so escape them. */
export function vlField(name: string): string {
  return name.replace(/[.[\]\\]/g, (c) => `\\${c}`);
}

/** The field as a Vega expression term, safe for any name. */
export function datumRef(name: string): string {
  return `datum[${JSON.stringify(name)}]`;
}

export type Need = 'present' | 'finite' | 'positive';

/** Mirrors Vega's isValid (not null/undefined/NaN) and isFinite (which coerces, like JS's global). */
export function satisfies(v: unknown, need: Need): boolean {
  if (v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v))) return false;
  if (need === 'present') return true;
  const n = Number(v);
  if (!Number.isFinite(n)) return false;
  return need === 'finite' || n > 0;
}

/** The same rule as a Vega expression, for the filter transform. */
export function filterExpr(needs: [string, Need][]): string {
  return needs
    .map(([f, need]) => {
      const d = datumRef(f);
      const parts = [`isValid(${d})`];
      if (need !== 'present') parts.push(`isFinite(${d})`);
      if (need === 'positive') parts.push(`${d} > 0`);
      return parts.join(' && ');
    })
    .join(' && ');
}

/** A filter transform for the given needs, or nothing when there are none. */
export function filterTransform(needs: [string, Need][]): Json[] {
  return needs.length ? [{ filter: filterExpr(needs) }] : [];
}

export function isValidRow(row: Row, needs: [string, Need][]): boolean {
  return needs.every(([f, need]) => satisfies(row[f], need));
}

/** Copies rows with NaN/±Infinity as null: JSON cannot carry them and Vega treats null as missing. */
export function sanitizeRows(rows: readonly Row[]): Row[] {
  return rows.map((r) => {
    const out: Row = {};
    for (const [k, v] of Object.entries(r ?? {})) out[k] = typeof v === 'number' && !Number.isFinite(v) ? null : v;
    return out;
  });
}

/** 'log' needs strictly positive values, 'symlog'/'linear' only finite ones. */
export function quantNeed(scale: string | undefined): Need {
  return scale === 'log' ? 'positive' : 'finite';
}

export function scaleOf(type: string | undefined, extra: Json = {}): Json {
  return type && type !== 'linear' ? { type, ...extra } : { ...extra };
}

/**
 * Tick values for a log axis: every decade, plus 2× and 5× when the data span two decades or less.
 * Vega's default puts a grid line at every integer multiple (1…9 per decade), which is mostly noise.
 * With an `exact` (non-nice) domain, ticks outside it are dropped and its top gets a labelled tick:
 * in censored charts the top is the horizon, a number the reader needs.
 */
export function logTicks(values: readonly number[], exact?: { min: number; max: number }): number[] | undefined {
  const ext = extent(values.filter((v) => v > 0));
  if (!ext) return undefined;
  const min = exact?.min ?? ext[0];
  const max = exact?.max ?? ext[1];
  const lo = Math.floor(Math.log10(min));
  const hi = Math.ceil(Math.log10(max));
  const mults = hi - lo <= 2 ? [1, 2, 5] : [1];
  const step = Math.max(1, Math.ceil((hi - lo) / 10)); // at most ~10 labelled decades
  let out: number[] = [];
  for (let k = lo; k <= hi; k += step) for (const m of mults) if (k < hi || m === 1) out.push(Number((m * 10 ** k).toPrecision(12)));
  out = out.filter((t) => t > 0 && Number.isFinite(t)); // 10^-324 underflows to 0, 10^309 overflows
  if (exact) {
    out = out.filter((t) => t >= min * (1 - 1e-9) && t <= max * (1 + 1e-9));
    if (!out.some((t) => max / t < 1.25)) out.push(max);
  }
  return out.length >= 2 ? out : undefined;
}

/** [min, max] of the finite values (a loop: spreading 10⁵ values into Math.min overflows the stack). */
export function extent(values: Iterable<number>): [number, number] | undefined {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo <= hi ? [lo, hi] : undefined;
}

/** Distinct values of a field in first-appearance order. */
export function distinct(rows: readonly Row[], field: string | undefined): unknown[] {
  if (!field) return [];
  return [...new Set(rows.map((r) => r[field]))];
}

/** Quantitative tooltip entry: 4 significant digits are plenty for a hover. */
export function tipQ(field: string, title?: string): Json {
  return { field: vlField(field), type: 'quantitative', title: title ?? field, format: '.4~g' };
}

export function tipN(field: string, title?: string): Json {
  return { field: vlField(field), type: 'nominal', title: title ?? field };
}

/**
 * Vega 6.3 fails ("Operator not defined") on any literal text that equals an Object.prototype
 * member ('toString', 'constructor', …) — the string is looked up as an operator id somewhere. A
 * zero-width space after such a title/subtitle/label keeps it readable and out of that lookup.
 */
export function safeText(s: string): string {
  return s in Object.prototype || s === '__proto__' ? `${s}\u200b` : s;
}

const TEXT_KEYS = new Set(['title', 'subtitle', 'text']);

/** Applies safeText to every literal title/subtitle/text in a spec (data values are left alone). */
export function guardTexts<T>(node: T, key = ''): T {
  if (key === 'data' || key === 'datasets') return node;
  if (typeof node === 'string') return (TEXT_KEYS.has(key) ? safeText(node) : node) as T;
  if (Array.isArray(node)) return node.map((v) => (TEXT_KEYS.has(key) && typeof v === 'string' ? safeText(v) : guardTexts(v))) as T;
  if (node && typeof node === 'object') {
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, guardTexts(v, k)])) as T;
  }
  return node;
}

/** Placeholder chart: an empty axis frame reads as "bug"; a sentence reads as "no data". */
export function emptyChart(title: string, message: string): Json {
  return {
    $schema: SCHEMA,
    title: { text: title },
    width: WIDTH,
    height: 120,
    data: { values: [{ message }] },
    mark: { type: 'text', fontSize: 14, color: '#777' },
    encoding: { text: { field: 'message', type: 'nominal' } },
    config: CONFIG,
  };
}
