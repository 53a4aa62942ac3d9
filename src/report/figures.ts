import { join } from 'node:path';
import { writeFileAtomic } from '../util/atomic-write.ts';
import { slugger } from './format.ts';
import { renderPng, renderSvg } from './render.ts';
import { toVegaLite } from './specs.ts';
import type { FigureInput, ReportInput } from './types.ts';

/**
 * Renders every figure to `<outDir>/<claim>/<figure>.{vl.json,svg,png}`. A figure that fails to
 * render is recorded with its error instead of aborting: one bad chart must not cost the whole report.
 */

export interface RenderedFigure {
  figure: FigureInput;
  /** Relative to the report folder, with '/' (used as a URL in HTML and Markdown). */
  vlPath: string;
  svgPath: string;
  pngPath: string;
  /** The SVG markup for inlining, or null when rendering failed. */
  svg: string | null;
  error?: string;
  /** Only the PNG was written (a compact copy: the SVG is inline in index.html). */
  pngOnly?: boolean;
}

export interface ClaimFigures {
  /** The claim's folder name (its id made path-safe). */
  dir: string;
  figures: RenderedFigure[];
}

/** Where each figure goes, nothing rendered (svg null): one entry per claim, in the order of `input.claims`. */
export function layoutFigures(input: ReportInput, opts: { pngOnly?: boolean } = {}): ClaimFigures[] {
  const claimSlug = slugger();
  return input.claims.map((claim) => {
    const dir = claimSlug(claim.setting ? `${claim.id}-${claim.setting}` : claim.id);
    const figSlug = slugger();
    const figures = (claim.figures ?? []).map((figure): RenderedFigure => {
      const base = figSlug(figure.id);
      const rel = (ext: string) => `${dir}/${base}.${ext}`;
      return { figure, vlPath: rel('vl.json'), svgPath: rel('svg'), pngPath: rel('png'), svg: null, ...(opts.pngOnly ? { pngOnly: true } : {}) };
    });
    return { dir, figures };
  });
}

/** One entry per claim, in the order of `input.claims`. */
export async function renderFigures(input: ReportInput, outDir: string, opts: { pngOnly?: boolean } = {}): Promise<ClaimFigures[]> {
  const out = layoutFigures(input, opts);
  for (const rf of out.flatMap((c) => c.figures)) {
    try {
      const spec = toVegaLite(rf.figure);
      if (!opts.pngOnly) await writeFileAtomic(join(outDir, rf.vlPath), `${JSON.stringify(spec, null, 2)}\n`);
      const svg = await renderSvg(spec);
      if (!opts.pngOnly) await writeFileAtomic(join(outDir, rf.svgPath), svg);
      // a compact copy lives in git: 1× rasters (the SVG inline in index.html is the sharp version)
      await writeFileAtomic(join(outDir, rf.pngPath), renderPng(svg, opts.pngOnly ? 1 : 2));
      rf.svg = svg;
    } catch (err) {
      rf.error = err instanceof Error ? err.message : String(err);
    }
  }
  return out;
}
