import { Resvg } from '@resvg/resvg-js';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { FONT_FAMILY, fontDir, fontFiles, loadFontMetrics, type FontMetrics } from './fonts.ts';
import { join } from 'node:path';

/**
 * Spec → SVG (Vega's headless renderer) → PNG (resvg with the bundled DejaVu fonts).
 * No canvas, no browser, no system fonts: the output is the same on every machine.
 */

/** Compiles Vega-Lite to Vega, collecting warnings instead of printing them in the middle of a test run. */
export function compileSpec(spec: TopLevelSpec): { vega: vega.Spec; warnings: string[] } {
  const warnings: string[] = [];
  const push = (...args: unknown[]) => { warnings.push(args.map(String).join(' ')); };
  const logger = {
    level(): number { return 0; },
    error(...args: unknown[]) { throw new Error(args.map(String).join(' ')); },
    warn(...args: unknown[]) { push(...args); return logger; },
    info() { return logger; },
    debug() { return logger; },
  };
  const out = compile(spec, { logger: logger as never });
  return { vega: out.spec as vega.Spec, warnings };
}

/**
 * Vega catches errors inside its dataflow, logs them and renders what it can. A half-drawn chart in
 * a report is worse than a visible failure, so errors are collected and thrown.
 */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  useFontMetrics();
  const errors: string[] = [];
  const logger = vega.logger(vega.Error, undefined, (_method, _level, args) => {
    errors.push(args.map((a) => (a instanceof Error ? a.message : String(a))).join(' '));
  });
  const view = new vega.View(vega.parse(compileSpec(spec).vega), { renderer: 'none', logger });
  try {
    const svg = await view.toSVG();
    if (errors.length) throw new Error(`Vega failed to render: ${errors.join('; ')}`);
    return svg;
  } finally {
    view.finalize();
  }
}

let resvgFonts: string[] | undefined;

/** PNG at `scale`× (2× by default: sharp on slides and high-DPI screens). */
export function renderPng(svg: string, scale = 2): Buffer {
  resvgFonts ??= fontFiles();
  const resvg = new Resvg(svg, {
    fitTo: { mode: 'zoom', value: scale },
    background: 'white',
    font: { fontFiles: resvgFonts, loadSystemFonts: false, defaultFontFamily: FONT_FAMILY },
  });
  return resvg.render().asPng();
}

let installed = false;

/**
 * Vega's text layout (axis-title offsets, legend widths, label overlap) needs string widths. Without
 * node-canvas it guesses 0.8 em per character; we hand it DejaVu's real advance widths instead —
 * the same font resvg draws with. `textMetrics.width` is Vega's documented hook for this (vl-convert uses it).
 */
function useFontMetrics(): void {
  if (installed) return;
  installed = true;
  const regular = loadFontMetrics(join(fontDir(), 'DejaVuSans.ttf'));
  const bold = loadFontMetrics(join(fontDir(), 'DejaVuSans-Bold.ttf'));
  const tm = (vega as unknown as { textMetrics: { width: (item: TextItem, text?: unknown) => number } }).textMetrics;
  tm.width = (item, text) => {
    const s = text == null ? String(item.text ?? '') : String(text);
    const size = item.fontSize != null ? Number(item.fontSize) || 0 : 11;
    const w = pick(item, regular, bold).width(s.trim(), size);
    // Vega truncates labels longer than `limit` (with an ellipsis), so they never measure wider.
    return item.limit && item.limit > 0 ? Math.min(w, item.limit) : w;
  };
}

interface TextItem { text?: unknown; fontSize?: number | string; fontWeight?: number | string; limit?: number }

function pick(item: TextItem, regular: FontMetrics, bold: FontMetrics): FontMetrics {
  const w = item.fontWeight;
  return w === 'bold' || w === 'bolder' || Number(w) >= 600 ? bold : regular;
}

