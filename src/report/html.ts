import type { Comparison } from './compare.ts';
import type { ClaimFigures, RenderedFigure } from './figures.ts';
import {
  MISSING, VERDICT_LABEL, escapeHtml as h, formatCell, formatDuration, formatEffect, formatNumber, formatP, isVerdict, verdictCounts,
} from './format.ts';
import { MATRIX_CSS, pairCounts, renderMatrix, renderScaleMatrix } from './matrix.ts';
import { compareSections, paperPlace, readingOrder } from './order.ts';
import { claimKey, type ClaimReport, type ReportInput, type Verdict } from './types.ts';

/**
 * index.html: one self-contained file (inline CSS and SVG, no scripts, no web fonts) so it can be
 * mailed, attached to an issue or opened from a CI artefact without anything else. Every piece of
 * caller text goes through `h()`; the only raw markup is our own and Vega's SVG.
 */

const CSS = `
:root { --fg:#1f2328; --muted:#59636e; --line:#d1d9e0; --bg-soft:#f6f8fa; }
* { box-sizing: border-box; }
body { font: 15px/1.5 "DejaVu Sans", system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); margin: 0 auto; max-width: 1100px; padding: 24px 28px 80px; overflow-wrap: break-word; }
h1 { font-size: 26px; margin: 0 0 4px; } h2 { font-size: 21px; margin: 0 0 10px; } h3 { font-size: 16px; margin: 22px 0 6px; }
.meta, .muted { color: var(--muted); }
a { color: #0969da; }
table { border-collapse: collapse; margin: 6px 0 10px; font-size: 14px; }
th, td { border: 1px solid var(--line); padding: 4px 9px; text-align: left; vertical-align: top; }
th { background: var(--bg-soft); font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.badge { display: inline-block; padding: 1px 9px; border-radius: 11px; font-size: 13px; font-weight: 600; color: #fff; white-space: nowrap; vertical-align: middle; }
.v-reproduced { background: #1a7f37; } .v-not-reproduced { background: #cf222e; }
.v-expected-failure { background: #d4a72c; color: #3b2300; } .v-skipped { background: #818b98; } .v-error { background: #82071e; }
.changed { background: #fff8c5; font-weight: 600; }
.stale { display: inline-block; padding: 0 7px; border-radius: 9px; font-size: 12px; font-weight: 600; background: #ffebe9; color: #82071e; border: 1px solid #cf222e; }
.keynum { font-size: 12px; line-height: 1.35; color: var(--muted); margin-top: 3px; font-variant-numeric: tabular-nums; }
.scroll { overflow-x: auto; }
section.claim { border-top: 3px solid var(--line); margin-top: 36px; padding-top: 16px; }
blockquote { margin: 8px 0; padding: 6px 14px; border-left: 4px solid #8c959f; background: var(--bg-soft); white-space: pre-line; }
blockquote footer { color: var(--muted); font-size: 13px; margin-top: 4px; }
.reason { padding: 6px 12px; border-left: 4px solid #d4a72c; background: #fff8e6; white-space: pre-line; }
figure { margin: 14px 0 22px; } figure svg { max-width: 100%; height: auto; }
figcaption { color: var(--muted); font-size: 14px; } .fig-error { color: #82071e; }
code, pre { font-family: "DejaVu Sans Mono", ui-monospace, monospace; font-size: 13px; }
pre { background: var(--bg-soft); padding: 8px; overflow-x: auto; margin: 4px 0; }
details summary { cursor: pointer; color: #0969da; }
h2.part { font-size: 23px; margin: 44px 0 0; padding-top: 10px; border-top: 5px solid var(--line); }
${MATRIX_CSS}`;

export function badge(v: Verdict): string {
  // the class comes from our own list only: a verdict is input when results are merged
  const cls = isVerdict(v) ? v : 'error';
  return `<span class="badge v-${cls}">${h(VERDICT_LABEL[v] ?? v)}</span>`;
}

const staleMark = (c: ClaimReport): string => (c.stale ? ' <span class="stale" title="' + h(c.stale) + '">stale</span>' : '');

/** A table in its own scroll box: a wide one scrolls by itself, never the page on a phone. */
function table(head: string[], rows: string[][], numericCols: number[] = []): string {
  const th = head.map((c) => `<th>${c}</th>`).join('');
  const body = rows
    .map((r) => `<tr>${r.map((c, i) => (numericCols.includes(i) ? `<td class="num">${c}</td>` : `<td>${c}</td>`)).join('')}</tr>`)
    .join('\n');
  return `<div class="scroll"><table><thead><tr>${th}</tr></thead><tbody>\n${body}\n</tbody></table></div>`;
}

/** Vega numbers its clip paths per process; prefixing keeps ids unique when many SVGs share one page. */
export function scopeSvgIds(svg: string, prefix: string): string {
  return svg
    .replace(/\bid="([^"]+)"/g, (_, id: string) => `id="${prefix}${id}"`)
    .replace(/url\(#([^)]+)\)/g, (_, id: string) => `url(#${prefix}${id})`)
    .replace(/href="#([^"]+)"/g, (_, id: string) => `href="#${prefix}${id}"`);
}

function figureHtml(f: RenderedFigure, prefix: string): string {
  const links = f.pngOnly ? `<a href="${h(f.pngPath)}">PNG</a>` : `<a href="${h(f.pngPath)}">PNG</a> · <a href="${h(f.svgPath)}">SVG</a> · <a href="${h(f.vlPath)}">Vega-Lite spec</a>`;
  const caption = [f.figure.caption ? h(f.figure.caption) : '', links].filter(Boolean).join(' — ');
  const body = f.svg
    ? scopeSvgIds(f.svg, prefix)
    : `<p class="fig-error">Figure “${h(f.figure.title)}” could not be rendered: ${h(f.error ?? 'unknown error')}</p>`;
  return `<figure id="${h(prefix)}">\n${body}\n<figcaption>${caption}</figcaption>\n</figure>`;
}

function claimSection(c: ClaimReport, figs: ClaimFigures, cmp: Comparison | null): string {
  const parts: string[] = [];
  parts.push(`<section class="claim" id="claim-${h(figs.dir)}">`);
  parts.push(`<h2>${badge(c.verdict)}${staleMark(c)} ${h(c.title)} <code class="muted">${h(c.id)}</code></h2>`);
  if (c.stale) parts.push(`<p class="reason stale-note"><strong>Stale:</strong> ${h(c.stale)}. The verdict below is what the older code found, not a result of the current code.</p>`);
  if (c.setting) parts.push(`<p class="setting">Setting: <code>${h(c.setting)}</code> — ${h(c.settingTitle ?? '')}</p>`);
  const entry = cmp?.byClaim.get(claimKey(c));
  if (entry?.changed && entry.previous) {
    parts.push(`<p class="changed">Verdict changed: the previous report said ${badge(entry.previous)}, this one says ${badge(c.verdict)}.</p>`);
  }
  parts.push(`<blockquote>${h(c.paperQuote)}<footer>— paper, ${h(c.paperRef)}</footer></blockquote>`);
  parts.push(`<p><strong>Assertion:</strong> ${h(c.assertion)}</p>`);
  if (c.reason) parts.push(`<p class="reason"><strong>Reason:</strong> ${h(c.reason)}</p>`);

  if (c.statements?.length && c.statements.some((s) => s.id !== 'assertion')) {
    parts.push('<h3>Statements</h3>');
    parts.push(table(['statement', 'state', 'value', 'p-value'], c.statements.map((s) => [
      `${h(s.name)} <code class="muted">${h(s.id)}</code>`, s.state === 'holds' ? 'holds' : `<strong>${h(s.state)}</strong>`, h(formatNumber(s.value)), h(formatP(s.pValue)),
    ]), [2, 3]));
  }
  if (c.statistics?.length) {
    parts.push('<h3>Statistics</h3>');
    // the value with its interval in words ("τ 38× shorter (95 % CI 21–70×)"); the interval's method on hover and in the detail
    parts.push(table(['statistic', 'value', 'p-value', 'detail'], c.statistics.map((s) => [
      h(s.name),
      s.interval ? `<span title="${h(s.interval.method)}">${h(formatEffect(s))}</span>` : h(formatEffect(s)),
      h(formatP(s.pValue)),
      h([s.detail, s.interval ? `interval: ${s.interval.method}` : ''].filter(Boolean).join('; ')),
    ]), [1, 2]));
  }
  if (c.seedTable?.rows?.length) {
    parts.push('<h3>Per seed</h3>');
    const numeric = c.seedTable.columns.map((_, i) => i).filter((i) => c.seedTable.rows.some((r) => typeof r[i] === 'number'));
    parts.push(table(c.seedTable.columns.map(h), c.seedTable.rows.map((r) => r.map((v) => h(formatCell(v)))), numeric));
  }
  if (figs.figures.length) {
    parts.push('<h3>Figures</h3>');
    figs.figures.forEach((f, i) => parts.push(figureHtml(f, `${figs.dir}-fig${i + 1}-`)));
  }
  if (c.runs?.length) {
    parts.push('<h3>Runs used</h3>');
    parts.push(table(['key', 'label', 'duration', 'cached', 'config'], c.runs.map((r) => [
      `<code>${h(r.key)}</code>`, h(r.label), h(formatDuration(r.durationMs)),
      r.cached === undefined ? MISSING : r.cached ? 'yes' : 'no',
      `<details><summary>show</summary><pre>${h(JSON.stringify(r.config, null, 2) ?? 'undefined')}</pre></details>`,
    ]), [2]));
  }
  if (c.choices?.length) {
    parts.push('<h3>Paper-vs-code choices</h3>');
    parts.push(table(['item', 'choice'], c.choices.map((x) => [h(x.item), h(x.choice)])));
  }
  const st = c.stamp ? ` · decided ${h(c.stamp.decidedAt)} at commit <code>${h(c.stamp.commit)}</code>` : '';
  parts.push(`<p class="muted">Scale: ${h(c.scale)} · claim time: ${h(formatDuration(c.durationMs))}${st}</p>`);
  parts.push('</section>');
  return parts.join('\n');
}

export const REPORT_TITLE = 'Bridging Lottery Ticket and Grokking — reproduction report';

/** A merged report's pairs that no shard decided: named, so a failed shard is never just absent. */
function undecidedHtml(input: ReportInput): string {
  const u = input.undecided ?? [];
  if (!u.length) return '';
  return `<section id="undecided" class="claim">
<h2><span class="badge v-error">not decided</span> ${u.length} (claim, setting) pair${u.length === 1 ? '' : 's'} without an outcome</h2>
${table(['claim', 'setting', 'why'], u.map((p) => [`<code>${h(p.id)}</code>`, `<code>${h(p.setting)}</code>`, h(p.reason)]))}
</section>`;
}

/** Where each shard ran, as it recorded it: the table below them is only the machine that merged. */
function shardsHtml(input: ReportInput): string {
  const s = input.shards ?? [];
  if (!s.length) return '';
  const e = (r: (typeof s)[number], k: string) => h(r.environment?.[k] ?? MISSING);
  return `<h3>Shards</h3>
<p class="muted">The claims were decided on these machines; the table after it describes the machine that merged them into this report.</p>
${table(['shard', 'outcomes', 'backend', 'device', 'GPU', 'node', 'commit', 'problem'], s.map((r) => [
    `<code>${h(r.name)}</code>`, String(r.outcomes), `${e(r, 'backend')} (${e(r, 'backendModule')})`,
    `${e(r, 'device')}${r.environment?.deviceNote ? `<div class="keynum">${h(r.environment.deviceNote)}</div>` : ''}`,
    e(r, 'gpu'), e(r, 'node'), `<code>${e(r, 'commit')}</code>`, r.problem ? `<span class="fig-error">${h(r.problem)}</span>` : 'none',
  ]), [1])}
<h3>Report built on</h3>`;
}

/** The claim sections in reading order, under a heading per paper section (the contents link to them). */
function claimSections(input: ReportInput, figures: ClaimFigures[], cmp: Comparison | null): { html: string; sections: { section: string; anchor: string }[] } {
  const order = readingOrder(input.claims);
  const out: string[] = [];
  const sections: { section: string; anchor: string }[] = [];
  let current: string | null = null;
  for (const i of order) {
    const c = input.claims[i]!;
    const section = paperPlace(c).section;
    if (section !== current) {
      current = section;
      const anchor = `part-${sections.length + 1}`;
      sections.push({ section, anchor });
      out.push(`<h2 class="part" id="${anchor}">${h(section)}</h2>`);
    }
    out.push(claimSection(c, figures[i]!, cmp));
  }
  return { html: out.join('\n'), sections };
}

/** The verdicts at every scale the store holds, side by side (only when it holds several). */
function byScaleHtml(input: ReportInput): string {
  const scales = input.byScale ?? [];
  if (scales.length < 2) return '';
  return `<section id="by-scale" class="claim">
<h2>Verdicts by scale: ${scales.map((s) => h(s.scale)).join(' | ')}</h2>
${renderScaleMatrix(scales)}
</section>`;
}

export function renderHtml(input: ReportInput, figures: ClaimFigures[], cmp: Comparison | null): string {
  const counts = verdictCounts(input.claims.map((c) => c.verdict)).map((x) => `${x.count} ${badge(x.verdict)}`).join(' ');
  const compared = cmp
    ? `<p class="meta">Compared with ${h(cmp.against)} (outcomes of the same scale only).${cmp.removed.length ? ` No longer present: ${cmp.removed.map((id) => `<code>${h(id)}</code>`).join(', ')}.` : ''}</p>`
    : '';
  const env = Object.entries(input.environment ?? {}).map(([k, v]) => [h(k), h(v)]);
  const body = claimSections(input, figures, cmp);
  const byScale = byScaleHtml(input);
  const toc = [
    '<a href="#summary">Verdicts</a>',
    byScale ? '<a href="#by-scale">By scale</a>' : '',
    input.undecided?.length ? '<a href="#undecided">Not decided</a>' : '',
    ...body.sections.sort((a, b) => compareSections(a.section, b.section)).map((s) => `<a href="#${s.anchor}">${h(s.section)}</a>`),
    '<a href="#environment">Environment</a>',
  ].filter(Boolean).join(' ');
  const anchors = figures.map((f) => `claim-${f.dir}`);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${h(REPORT_TITLE)}</title>
<style>${CSS}</style>
</head>
<body>
<header>
<h1>${h(REPORT_TITLE)}</h1>
<p class="meta">Generated ${h(input.generatedAt)} · scale <strong>${h(input.scale)}</strong> · ${pairCounts(input.claims.map((c) => c.verdict))}: ${counts || 'none'}${input.undecided?.length ? ` · <a href="#undecided">${input.undecided.length} not decided</a>` : ''}</p>
${compared}
<nav class="toc" aria-label="contents">Contents: ${toc}</nav>
</header>
<section id="summary">
${renderMatrix(input.claims, (i) => anchors[i]!, cmp)}
</section>
${byScale}
${undecidedHtml(input)}
${body.html}
<section id="environment" class="claim">
<h2>Environment</h2>
${shardsHtml(input)}
${env.length ? table(['key', 'value'], env) : '<p class="muted">not recorded</p>'}
</section>
</body>
</html>
`;
}
