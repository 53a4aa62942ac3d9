import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * DejaVu fonts from the `dejavu-fonts-ttf` npm package. The charts name 'DejaVu Sans' and the PNG
 * rasteriser loads exactly these files (never system fonts), so a PNG looks the same on every machine.
 */

export const FONT_FAMILY = 'DejaVu Sans';

let cachedDir: string | undefined;

/** Directory holding the .ttf files, resolved through the package so hoisting does not matter. */
export function fontDir(): string {
  cachedDir ??= join(dirname(createRequire(import.meta.url).resolve('dejavu-fonts-ttf/package.json')), 'ttf');
  return cachedDir;
}

/** Every DejaVu Sans face (regular, bold, oblique, condensed, mono) — what SVG text can ask for. */
export function fontFiles(): string[] {
  return readdirSync(fontDir())
    .filter((f) => f.startsWith('DejaVuSans') && f.endsWith('.ttf'))
    .sort()
    .map((f) => join(fontDir(), f));
}

/**
 * Advance widths read from a TrueType file (cmap format 4 + hmtx), enough to measure a string.
 *
 * Why: without node-canvas, Vega guesses every character as 0.8 em wide, which is ~35 % too wide for
 * DejaVu Sans; axis titles then float away from their labels and legends take too much room. Reading
 * the real advance widths keeps the layout tight. Kerning is ignored (a pixel or two per label).
 */
export interface FontMetrics {
  /** Width of `text` at `fontSize` px. */
  width(text: string, fontSize: number): number;
}

export function loadFontMetrics(file: string): FontMetrics {
  const buf = readFileSync(file);
  const tables = readTableDirectory(buf);
  const need = (tag: string): number => {
    const off = tables.get(tag);
    if (off === undefined) throw new Error(`${file}: no '${tag}' table`);
    return off;
  };
  const unitsPerEm = buf.readUInt16BE(need('head') + 18);
  const numberOfHMetrics = buf.readUInt16BE(need('hhea') + 34);
  const hmtx = need('hmtx');
  const glyphOf = cmapFormat4(buf, need('cmap'));
  const advance = (glyph: number): number =>
    buf.readUInt16BE(hmtx + 4 * Math.min(glyph, numberOfHMetrics - 1));
  const cache = new Map<number, number>(); // code point → advance in em
  const em = (cp: number): number => {
    let w = cache.get(cp);
    if (w === undefined) {
      const g = glyphOf(cp);
      // Characters DejaVu lacks are drawn from a fallback face by the rasteriser; 0.6 em is its average.
      w = g === 0 ? 0.6 : advance(g) / unitsPerEm;
      cache.set(cp, w);
    }
    return w;
  };
  return {
    width(text, fontSize) {
      let total = 0;
      for (const ch of text) total += em(ch.codePointAt(0)!);
      return total * fontSize;
    },
  };
}

function readTableDirectory(buf: Buffer): Map<string, number> {
  const numTables = buf.readUInt16BE(4);
  const out = new Map<string, number>();
  for (let i = 0; i < numTables; i++) {
    const rec = 12 + 16 * i;
    out.set(buf.toString('latin1', rec, rec + 4), buf.readUInt32BE(rec + 8));
  }
  return out;
}

/** Code point → glyph id from the Unicode BMP subtable (format 4); 0 (.notdef) when absent. */
function cmapFormat4(buf: Buffer, cmap: number): (cp: number) => number {
  const n = buf.readUInt16BE(cmap + 2);
  let sub = -1;
  for (let i = 0; i < n; i++) {
    const rec = cmap + 4 + 8 * i;
    const platform = buf.readUInt16BE(rec);
    const encoding = buf.readUInt16BE(rec + 2);
    const off = cmap + buf.readUInt32BE(rec + 4);
    if (buf.readUInt16BE(off) !== 4) continue;
    if ((platform === 3 && encoding === 1) || platform === 0) { sub = off; break; }
  }
  if (sub < 0) return () => 0;
  const segX2 = buf.readUInt16BE(sub + 6);
  const ends = sub + 14;
  const starts = ends + segX2 + 2;
  const deltas = starts + segX2;
  const ranges = deltas + segX2;
  return (cp) => {
    if (cp > 0xffff) return 0;
    for (let s = 0; s < segX2; s += 2) {
      if (cp > buf.readUInt16BE(ends + s)) continue;
      const start = buf.readUInt16BE(starts + s);
      if (cp < start) return 0;
      const delta = buf.readUInt16BE(deltas + s);
      const rangeOff = buf.readUInt16BE(ranges + s);
      if (rangeOff === 0) return (cp + delta) & 0xffff;
      const g = buf.readUInt16BE(ranges + s + rangeOff + 2 * (cp - start));
      return g === 0 ? 0 : (g + delta) & 0xffff;
    }
    return 0;
  };
}
