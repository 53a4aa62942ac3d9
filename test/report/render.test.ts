import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { fontDir, fontFiles, loadFontMetrics } from '../../src/report/fonts.ts';
import { renderPng, renderSvg } from '../../src/report/render.ts';
import { toVegaLite } from '../../src/report/specs.ts';
import { tauFigure } from './sample.ts';

const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

describe('renderPng', () => {
  it('gives a valid PNG at twice the SVG size', async () => {
    const svg = await renderSvg(toVegaLite(tauFigure()));
    const png = renderPng(svg);
    expect([...png.subarray(0, 8)]).toEqual(PNG_MAGIC);
    const svgWidth = Number(/<svg[^>]*\swidth="(\d+(?:\.\d+)?)"/.exec(svg)![1]);
    // IHDR is the first chunk: width is the big-endian uint32 at byte 16.
    expect(png.readUInt32BE(16)).toBe(Math.round(svgWidth * 2));
  });

  it('draws text: a title-only SVG is not blank', () => {
    const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="200" height="40"><rect width="200" height="40" fill="white"/><text x="5" y="28" font-family="DejaVu Sans" font-size="24">Ticket τ</text></svg>';
    const blank = '<svg xmlns="http://www.w3.org/2000/svg" width="200" height="40"><rect width="200" height="40" fill="white"/></svg>';
    // Same size, same background: if the font failed to load, the two PNGs would be identical.
    expect(renderPng(svg).equals(renderPng(blank))).toBe(false);
  });
});

describe('fonts', () => {
  it('finds the DejaVu Sans faces in the npm package', () => {
    const files = fontFiles();
    expect(files.some((f) => f.endsWith('DejaVuSans.ttf'))).toBe(true);
    expect(files.some((f) => f.endsWith('DejaVuSans-Bold.ttf'))).toBe(true);
  });

  it('measures real advance widths (digits 0.636 em, bold wider than regular)', () => {
    const regular = loadFontMetrics(join(fontDir(), 'DejaVuSans.ttf'));
    const bold = loadFontMetrics(join(fontDir(), 'DejaVuSans-Bold.ttf'));
    expect(regular.width('0', 100)).toBeCloseTo(63.6, 0);
    expect(regular.width('τ', 10)).toBeGreaterThan(0);
    expect(bold.width('ticket', 12)).toBeGreaterThan(regular.width('ticket', 12));
    // Vega's fallback guess is 0.8 em per character; DejaVu is markedly narrower.
    expect(regular.width('test accuracy', 12)).toBeLessThan(0.8 * 13 * 12 * 0.85);
  });
});
