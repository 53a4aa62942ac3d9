import { appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../util/atomic-write.ts';
import { compareWithPrevious, readPreviousResults, type Baseline } from './compare.ts';
import { layoutFigures, renderFigures } from './figures.ts';
import { renderHtml } from './html.ts';
import { renderMarkdown } from './markdown.ts';
import type { ReportInput } from './types.ts';

export { readPreviousResults } from './compare.ts';

/**
 * Writes the whole report into `outDir`:
 *   index.html   self-contained report (inline CSS and SVG)
 *   summary.md   the same in Markdown, figures as PNG links
 *   results.json the ReportInput (NaN/±Infinity as null), also the baseline for the next comparison
 *                (of outcomes at the same scale only, src/report/compare.ts)
 *   <claim>/<figure>.vl.json|.svg|.png  each figure's spec, vector and 2× raster
 * results.json is written last: if anything before it fails, the next run still compares against
 * the last complete report.
 */
export interface WrittenReport {
  outDir: string;
  html: string;
  markdown: string;
  json: string;
  /** Figure files, relative to outDir. */
  figureFiles: string[];
  /** Figures that failed to render, as "claim/figure: message". */
  figureErrors: string[];
}

export interface WriteOptions {
  /**
   * A compact copy (the reference report under docs/): index.html, summary.md and the PNGs only;
   * the SVGs are inline in index.html, and no results.json (its figure data are most of its size).
   */
  compact?: boolean;
  /**
   * The verdicts to compare with, instead of the results.json already in `outDir` (which may be
   * another scale's report): the claim suite passes the outcomes stored at its scale before it ran.
   */
  previous?: Baseline | null;
}

export async function writeReport(input: ReportInput, outDir = 'reports', opts: WriteOptions = {}): Promise<WrittenReport> {
  const previous = opts.compact ? null : opts.previous !== undefined ? opts.previous : await readPreviousResults(outDir);
  const cmp = compareWithPrevious(input, previous);
  const figures = await renderFigures(input, outDir, { pngOnly: opts.compact });

  const html = join(outDir, 'index.html');
  const markdown = join(outDir, 'summary.md');
  const json = join(outDir, 'results.json');
  await writeFileAtomic(html, renderHtml(input, figures, cmp));
  await writeFileAtomic(markdown, renderMarkdown(input, figures, cmp));
  if (!opts.compact) await writeFileAtomic(json, `${toJson(input)}\n`);

  const all = figures.flatMap((c) => c.figures);
  return {
    outDir, html, markdown, json,
    figureFiles: all.filter((f) => f.svg !== null).flatMap((f) => (f.pngOnly ? [f.pngPath] : [f.vlPath, f.svgPath, f.pngPath])),
    figureErrors: all.filter((f) => f.error).map((f) => `${f.vlPath.replace(/\.vl\.json$/, '')}: ${f.error}`),
  };
}

/** GitHub refuses a step summary over 1 MiB; past this the claim sections are left to the report. */
export const JOB_SUMMARY_LIMIT = 1_000_000;

/**
 * Appends the report's Markdown to a GitHub job summary (`$GITHUB_STEP_SUMMARY`). A job summary
 * shows no image file of ours: relative paths point nowhere and GitHub's sanitiser strips data:
 * URIs and inline SVG. So figures are links to `reportUrl`, where index.html is served with every
 * figure inline (on CI: the unzipped artifact's URL). Nothing is rendered, nothing else written.
 */
export async function appendJobSummary(input: ReportInput, file: string, reportUrl: string): Promise<void> {
  const figures = layoutFigures(input);
  let text = renderMarkdown(input, figures, null, { figureLink: reportUrl });
  if (Buffer.byteLength(text) > JOB_SUMMARY_LIMIT) {
    text = `${renderMarkdown(input, figures, null, { figureLink: reportUrl, omitClaimSections: true })}\n*${input.claims.length} claim sections left out: over GitHub's 1 MiB job-summary limit. They are in [the full report](${reportUrl}).*\n`;
  }
  await appendFile(file, `${text}\n`);
}

/** JSON with non-finite numbers as null (JSON.stringify does that too; the replacer makes it explicit and covers nested data rows). */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2);
}
