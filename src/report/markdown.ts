import type { Comparison } from './compare.ts';
import type { ClaimFigures } from './figures.ts';
import {
  MISSING, VERDICT_ICON, VERDICT_LABEL, decidingNumbers, formatCell, formatDecider, formatDuration, formatEffect, formatNumber, formatP, verdictCounts,
} from './format.ts';
import { readingOrder } from './order.ts';
import { REPORT_TITLE } from './html.ts';
import { claimKey, type ClaimReport, type ReportInput, type Verdict } from './types.ts';

/**
 * summary.md: the same content as index.html for places that render Markdown (GitHub, PR comments),
 * with figures as PNG links. Caller text is escaped so `<`, `&`, `|` and `_` show up literally
 * instead of turning into HTML, table columns or italics.
 */

/** Inline text: Markdown punctuation and HTML-significant characters escaped, newlines kept as breaks. */
export function md(value: unknown): string {
  return String(value ?? '')
    .replace(/[\\`*_[\]|#]/g, (c) => `\\${c}`)
    .replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
    .replace(/\r?\n/g, '<br>');
}

function verdict(v: Verdict): string {
  return `${VERDICT_ICON[v] ?? ''} **${VERDICT_LABEL[v] ?? md(v)}**`;
}

function table(head: string[], rows: string[][], right: number[] = []): string {
  const align = head.map((_, i) => (right.includes(i) ? '---:' : '---'));
  return [head, align, ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n');
}

function previousCell(c: ClaimReport, cmp: Comparison): string {
  const e = cmp.byClaim.get(claimKey(c));
  if (!e || e.previous === null) return 'new';
  return e.changed ? `**changed** (was ${verdict(e.previous)})` : 'unchanged';
}

export interface MarkdownOptions {
  /**
   * For a GitHub job summary, which cannot show the report's image files (relative paths point
   * nowhere; data: URIs and inline SVG are stripped by GitHub's sanitiser): each figure becomes a
   * link to this URL, where index.html (every figure inline) is served, at the claim's section.
   */
  figureLink?: string;
  /** Only the summary table, the undecided pairs and the environment (a text size limit). */
  omitClaimSections?: boolean;
}

function claimSection(c: ClaimReport, figs: ClaimFigures, cmp: Comparison | null, opts: MarkdownOptions = {}): string {
  const out: string[] = [];
  out.push(`## ${md(c.title)} (\`${c.id.replace(/`/g, "'")}\`${c.setting ? ` on \`${c.setting.replace(/`/g, "'")}\`` : ''})`, '');
  out.push(`Verdict: ${verdict(c.verdict)}${c.stale ? ' — **stale**' : ''}`, '');
  if (c.stale) out.push(`**Stale:** ${md(c.stale)}. The verdict is what the older code found, not a result of the current code.`, '');
  const e = cmp?.byClaim.get(claimKey(c));
  if (e?.changed && e.previous) out.push(`**Verdict changed** since the previous report: was ${verdict(e.previous)}.`, '');
  out.push(...String(c.paperQuote ?? '').split(/\r?\n/).map((l) => `> ${md(l)}`), '>', `> — paper, ${md(c.paperRef)}`, '');
  out.push(`**Assertion:** ${md(c.assertion)}`, '');
  if (c.reason) out.push(`**Reason:** ${md(c.reason)}`, '');
  if (c.statistics?.length) {
    out.push('### Statistics', '');
    out.push(table(['statistic', 'value', 'p-value', 'detail'],
      c.statistics.map((s) => [md(s.name), md(formatEffect(s)), md(formatP(s.pValue)), md([s.detail, s.interval ? `interval: ${s.interval.method}` : ''].filter(Boolean).join('; '))]), [1, 2]), '');
  }
  if (c.seedTable?.rows?.length) {
    out.push('### Per seed', '');
    const numeric = c.seedTable.columns.map((_, i) => i).filter((i) => c.seedTable.rows.some((r) => typeof r[i] === 'number'));
    out.push(table(c.seedTable.columns.map(md), c.seedTable.rows.map((r) => r.map((v) => md(formatCell(v)))), numeric), '');
  }
  if (figs.figures.length && opts.figureLink) {
    out.push('### Figures', '');
    const at = `${opts.figureLink}#claim-${encodeURIComponent(figs.dir)}`;
    out.push(...figs.figures.map((f) => `- [${md(f.figure.title)}](${at})`), '');
    out.push(`*In [the full report](${opts.figureLink}) (index.html, figures inline): a job summary cannot show image files.*`, '');
  } else if (figs.figures.length) {
    out.push('### Figures', '');
    for (const f of figs.figures) {
      if (f.svg === null) {
        out.push(`*Figure “${md(f.figure.title)}” could not be rendered: ${md(f.error ?? 'unknown error')}*`, '');
        continue;
      }
      out.push(`![${md(f.figure.title)}](${encodeURI(f.pngPath)})`, '');
      const cap = [f.figure.caption ? md(f.figure.caption) : '', f.pngOnly ? '' : `[SVG](${encodeURI(f.svgPath)}) · [Vega-Lite spec](${encodeURI(f.vlPath)})`];
      out.push(cap.filter(Boolean).join(' — '), '');
    }
  }
  if (c.runs?.length) {
    out.push('### Runs used', '');
    out.push(table(['key', 'label', 'duration', 'cached'], c.runs.map((r) => [
      `\`${String(r.key).replace(/`/g, "'")}\``, md(r.label), formatDuration(r.durationMs), r.cached === undefined ? MISSING : r.cached ? 'yes' : 'no',
    ]), [2]), '');
    out.push('Run configurations are in `results.json`.', '');
  }
  if (c.choices?.length) {
    out.push('### Paper-vs-code choices', '');
    out.push(table(['item', 'choice'], c.choices.map((x) => [md(x.item), md(x.choice)])), '');
  }
  out.push(`*Scale: ${md(c.scale)} · claim time: ${formatDuration(c.durationMs)}*`, '');
  return out.join('\n');
}

export function renderMarkdown(input: ReportInput, figures: ClaimFigures[], cmp: Comparison | null, opts: MarkdownOptions = {}): string {
  const out: string[] = [`# ${REPORT_TITLE}`, ''];
  const counts = verdictCounts(input.claims.map((c) => c.verdict)).map((x) => `${x.count} ${VERDICT_LABEL[x.verdict]}`).join(' · ');
  const undecided = input.undecided ?? [];
  const pairs = `${input.claims.length} (claim, setting) pair${input.claims.length === 1 ? '' : 's'}`;
  out.push(`Generated ${md(input.generatedAt)} · scale **${md(input.scale)}** · ${pairs}: ${counts || 'none'}${undecided.length ? ` · **${undecided.length} not decided**` : ''}`, '');
  if (opts.figureLink) out.push(`**[Open the full report with its figures](${opts.figureLink})**`, '');
  if (cmp) {
    const gone = cmp.removed.length ? ` No longer present: ${cmp.removed.map(md).join(', ')}.` : '';
    out.push(`Compared with ${md(cmp.against)} (outcomes of the same scale only).${gone}`, '');
  }
  // in the paper's order, as the HTML matrix; the deciding number of a failed verdict is the failing statement's
  const order = readingOrder(input.claims);
  const head = ['claim', 'setting', 'title', 'paper', 'verdict', 'deciding number', 'effect size', ...(cmp ? ['compared with the previous report'] : [])];
  out.push(table(head, order.map((i) => {
    const c = input.claims[i]!;
    const k = decidingNumbers(c);
    return [
      `[${md(c.id)}](#${figures[i]!.dir.toLowerCase()})`, md(c.setting ?? ''), md(c.title), md(c.paperRef), `${verdict(c.verdict)}${c.stale ? ' (**stale**)' : ''}`,
      k.decider ? `${md(formatDecider(k.decider))} (${md(k.decider.name)})` : k.failing ? `failed: ${md(k.failing.name)}` : MISSING,
      k.effect ? (k.effect.reads ? md(formatEffect(k.effect)) : `${md(k.effect.name)} = ${md(formatEffect(k.effect))}`) : MISSING,
      ...(cmp ? [previousCell(c, cmp)] : []),
    ];
  })), '');
  if (undecided.length) {
    out.push(`## ❗ Not decided: ${undecided.length} (claim, setting) pair${undecided.length === 1 ? '' : 's'} without an outcome`, '');
    out.push(table(['claim', 'setting', 'why'], undecided.map((p) => [`\`${p.id.replace(/`/g, "'")}\``, `\`${p.setting.replace(/`/g, "'")}\``, md(p.reason)])), '');
  }
  if (!opts.omitClaimSections) for (const i of order) {
    out.push(`<a id="${figures[i]!.dir.toLowerCase()}"></a>`, '');
    out.push(claimSection(input.claims[i]!, figures[i]!, cmp, opts));
  }
  out.push('## Environment', '');
  const shards = input.shards ?? [];
  if (shards.length) {
    const e = (r: (typeof shards)[number], k: string) => md(r.environment?.[k] ?? MISSING);
    out.push('### Shards', '', 'The claims were decided on these machines; the table after it describes the machine that merged them.', '');
    out.push(table(['shard', 'outcomes', 'backend', 'device', 'GPU', 'node', 'commit', 'problem'], shards.map((r) => [
      `\`${r.name.replace(/`/g, "'")}\``, String(r.outcomes), `${e(r, 'backend')} (${e(r, 'backendModule')})`,
      `${e(r, 'device')}${r.environment?.deviceNote ? `<br>${md(r.environment.deviceNote)}` : ''}`, e(r, 'gpu'), e(r, 'node'), e(r, 'commit'), r.problem ? `**${md(r.problem)}**` : 'none',
    ]), [1]), '', '### Report built on', '');
  }
  const env = Object.entries(input.environment ?? {});
  out.push(env.length ? table(['key', 'value'], env.map(([k, v]) => [md(k), md(v)])) : '*not recorded*', '');
  return out.join('\n');
}
