import type { Comparison } from './compare.ts';
import {
  VERDICT_LABEL, decidingNumbers, escapeHtml as h, formatDecider, formatEffect, isVerdict,
} from './format.ts';
import { claimsInPaperOrder, columnsInOrder, type Column } from './order.ts';
import { claimKey, type ClaimReport, type ScaleVerdicts, type Verdict } from './types.ts';

/**
 * The report's verdict matrix, for people: claims in the paper's order grouped by section, settings
 * grouped by kind under short headers, each cell a verdict with the number that decided it. Wide
 * screens get a table that fits the page (fixed layout, a sticky first column where it must
 * scroll); phones (≤ 600 px) one card per claim. A checkbox hides settings and claims whose pairs
 * were all skipped, in CSS alone: the page has no scripts.
 */

export const MATRIX_CSS = `
.sr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
.toc { font-size: 14px; margin: 8px 0 4px; } .toc a { margin-right: 10px; white-space: nowrap; }
.legend { font-size: 13px; color: var(--muted); margin: 4px 0; } .legend .verdict { margin: 0 2px 0 8px; }
.toggle-row { font-size: 14px; margin: 6px 0; }
.verdict { display: inline-block; min-width: 22px; padding: 0 5px; border-radius: 9px; color: #fff; font-weight: 700; font-size: 13px; line-height: 19px; text-align: center; text-decoration: none; }
.matrix-scroll { overflow-x: auto; max-width: 100%; }
table.matrix { table-layout: fixed; width: 100%; min-width: calc(190px + var(--cols) * 50px); margin: 0; font-size: 13px; }
table.matrix th, table.matrix td { padding: 3px 4px; overflow-wrap: anywhere; }
table.matrix col.c-claim { width: 190px; }
table.matrix .sticky { position: sticky; left: 0; background: #fff; z-index: 1; }
table.matrix thead .sticky, table.matrix tr.sec .sticky { background: var(--bg-soft); }
table.matrix th.grp { text-align: center; font-size: 12px; overflow-wrap: normal; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
table.matrix th.set { text-align: center; font-weight: 600; font-size: 12px; line-height: 1.25; }
table.matrix td.cell { text-align: center; line-height: 1.3; }
table.matrix td.na { background: repeating-linear-gradient(45deg, #fff, #fff 4px, #f6f8fa 4px, #f6f8fa 8px); }
table.matrix tr.sec th { background: var(--bg-soft); font-size: 13px; }
table.matrix td.claim-name { font-size: 13px; line-height: 1.3; }
.cellnum { font-size: 10.5px; line-height: 1.25; color: var(--muted); font-variant-numeric: tabular-nums; }
.cellnum.fail { color: #82071e; }
.stale-mini { font-size: 10px; color: #82071e; font-weight: 600; }
table.matrix td.differ { background: #fff8c5; }
.cards { display: none; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: 8px 10px; margin: 8px 0; }
.card .card-title { font-weight: 600; } .card ul { list-style: none; padding: 0; margin: 6px 0 0; }
.card li { margin: 3px 0; font-size: 14px; } .card li .set { display: inline-block; min-width: 7.5em; color: var(--muted); }
.cards h3 { margin: 14px 0 2px; }
input.hide-skipped:checked ~ .matrix-scroll .all-skipped, input.hide-skipped:checked ~ .cards .all-skipped { display: none; }
table.matrix tr.g-kept { display: none; }
input.hide-skipped:checked ~ .matrix-scroll tr.g-kept { display: table-row; }
input.hide-skipped:checked ~ .matrix-scroll tr.g-all { display: none; }
@media (max-width: 600px) {
  body { padding: 14px 12px 60px; }
  h1 { font-size: 20px; } .legend, .note { display: none; }
  .matrix-scroll { display: none; }
  .cards { display: block; }
}
`;

const SYMBOL: Record<Verdict, string> = { reproduced: '✓', 'not-reproduced': '✗', 'expected-failure': '✗', skipped: '–', error: '!' };

/** A verdict as a small coloured mark; its words for screen readers and in the tooltip. */
export function verdictMark(v: Verdict, title?: string, href?: string): string {
  const cls = isVerdict(v) ? v : 'error';
  const words = VERDICT_LABEL[cls];
  const tag = href ? `a href="${h(href)}"` : 'span';
  return `<${tag} class="verdict v-${cls}" title="${h(title ?? words)}">${SYMBOL[cls]}<span class="sr"> ${h(words)}</span></${href ? 'a' : 'span'}>`;
}

/** The verdict's legend, for the matrix's symbols. */
export const legendHtml = (): string =>
  `<p class="legend">${(['reproduced', 'not-reproduced', 'expected-failure', 'skipped', 'error'] as Verdict[]).map((v) => `${verdictMark(v)}${h(VERDICT_LABEL[v])}`).join(' ')}</p>`;

/** What a grid shows in one (claim, setting) place; null where the claim is not tested on that setting. */
interface Place { verdict: Verdict; skipped: boolean; cell: string; card: string; cellClass?: string }

interface Grid {
  /** Names the grid's toggle (several grids share a page). */
  id: string;
  rows: { id: string; section: string; title: string }[];
  groups: { group: string; columns: Column[] }[];
  place(id: string, setting: string): Place | null;
}

const isSkip = (v: Verdict) => v === 'skipped';

/** The matrix as a table (wide screens) and as cards (phones), one toggle hiding the all-skipped. */
function renderGrid(g: Grid): string {
  const cols = g.groups.flatMap((x) => x.columns);
  const colSkipped = new Set(cols.filter((c) => g.rows.every((r) => { const p = g.place(r.id, c.setting); return !p || p.skipped; })).map((c) => c.setting));
  const rowSkipped = new Set(g.rows.filter((r) => cols.every((c) => { const p = g.place(r.id, c.setting); return !p || p.skipped; })).map((r) => r.id));
  const sections = [...new Set(g.rows.map((r) => r.section))];
  const secSkipped = new Set(sections.filter((s) => g.rows.filter((r) => r.section === s).every((r) => rowSkipped.has(r.id))));
  const hideCol = (c: Column) => (colSkipped.has(c.setting) ? ' all-skipped' : '');
  const groupRow = (cls: string, keep: (c: Column) => boolean) => `<tr class="${cls}"><th class="sticky"></th>${g.groups
    .map((x) => ({ x, n: x.columns.filter(keep).length })).filter(({ n }) => n > 0)
    .map(({ x, n }) => `<th class="grp" colspan="${n}">${h(x.group)}</th>`).join('')}</tr>`;
  const head = [
    groupRow('g-all', () => true),
    groupRow('g-kept', (c) => !colSkipped.has(c.setting)),
    `<tr><th class="sticky">claim</th>${cols.map((c) => `<th class="set${hideCol(c)}" title="${h(c.setting)}: ${h(c.title)}">${h(c.short)}</th>`).join('')}</tr>`,
  ].join('\n');
  const body: string[] = [];
  for (const s of sections) {
    // a cell per column, not one spanning them: a hidden column must leave the row's grid too
    body.push(`<tr class="sec${secSkipped.has(s) ? ' all-skipped' : ''}"><th class="sticky">${h(s)}</th>${cols.map((c) => `<th class="${hideCol(c).trim()}"></th>`).join('')}</tr>`);
    for (const r of g.rows.filter((x) => x.section === s)) {
      const cells = cols.map((c) => {
        const p = g.place(r.id, c.setting);
        return p ? `<td class="cell${p.cellClass ? ` ${p.cellClass}` : ''}${hideCol(c)}">${p.cell}</td>` : `<td class="na${hideCol(c)}"><span class="sr">not tested</span></td>`;
      });
      body.push(`<tr class="${rowSkipped.has(r.id) ? 'all-skipped' : ''}"><td class="sticky claim-name">${h(r.title)}<br><code class="muted">${h(r.id)}</code></td>${cells.join('')}</tr>`);
    }
  }
  const table = `<div class="matrix-scroll"><table class="matrix" style="--cols: ${cols.length}"><colgroup><col class="c-claim">${cols.map((c) => `<col class="${hideCol(c).trim()}">`).join('')}</colgroup>
<thead>
${head}
</thead>
<tbody>
${body.join('\n')}
</tbody></table></div>`;
  const cards = sections.map((s) => {
    const items = g.rows.filter((r) => r.section === s).map((r) => {
      const lis = cols.map((c) => ({ c, p: g.place(r.id, c.setting) })).filter((x): x is { c: Column; p: Place } => x.p !== null)
        .map(({ c, p }) => `<li class="${p.skipped ? 'all-skipped' : ''}"><span class="set">${h(c.group === 'beyond modular' || c.group === 'other settings' ? c.short : `${c.group.replace(/^modular /, '')} ${c.short}`)}</span> ${p.card}</li>`);
      return `<div class="card${rowSkipped.has(r.id) ? ' all-skipped' : ''}"><div class="card-title">${h(r.title)} <code class="muted">${h(r.id)}</code></div><ul>${lis.join('')}</ul></div>`;
    });
    return `<h3 class="${secSkipped.has(s) ? 'all-skipped' : ''}">${h(s)}</h3>\n${items.join('\n')}`;
  }).join('\n');
  const toggle = `<input type="checkbox" class="hide-skipped" id="hide-skipped-${g.id}"> <label for="hide-skipped-${g.id}" class="toggle-row">hide settings and claims whose (claim, setting) pairs were all skipped (${colSkipped.size} of ${cols.length} settings, ${rowSkipped.size} of ${g.rows.length} claims)</label>`;
  return `<div class="grid">\n${toggle}\n${table}\n<div class="cards">\n${cards}\n</div>\n</div>`;
}

/** "reproduced: 3 · not reproduced: 1 (claim, setting) pairs" in words. */
export function pairCounts(verdicts: Verdict[]): string {
  const n = verdicts.length;
  return `${n} (claim, setting) pair${n === 1 ? '' : 's'}`;
}

/**
 * The verdict matrix of one scale's outcomes. `anchor(i)` is the id of outcome i's section; `cmp`
 * marks verdicts that changed since the previous report.
 */
export function renderMatrix(claims: ClaimReport[], anchor: (i: number) => string, cmp: Comparison | null = null): string {
  const byKey = new Map(claims.map((c, i) => [`${c.id}@${c.setting ?? ''}`, i]));
  const titles = new Map<string, string>();
  for (const c of claims) if (!titles.has(c.id)) titles.set(c.id, c.title);
  const grid: Grid = {
    id: 'matrix',
    rows: claimsInPaperOrder(claims).map((r) => ({ ...r, title: titles.get(r.id) ?? r.id })),
    groups: columnsInOrder(claims),
    place(id, setting) {
      const i = byKey.get(`${id}@${setting}`);
      if (i === undefined) return null;
      const c = claims[i]!;
      const { decider, effect, failing } = decidingNumbers(c);
      const numTitle = decider ? `${decider.name}: ${formatDecider(decider)}` : failing ? `failed: ${failing.name}` : '';
      // p=0.031 without spaces: a column is ~60 px wide at 1280 px
      const num = decider ? `<div class="cellnum${failing ? ' fail' : ''}" title="${h(numTitle)}">${h(formatDecider(decider).replace(/ = /, '='))}</div>` : '';
      const eff = effect ? `<div class="cellnum" title="${h(effect.name)}">${h(formatEffect(effect))}</div>` : '';
      const stale = c.stale ? `<div class="stale-mini" title="${h(c.stale)}">stale</div>` : '';
      const e = cmp?.byClaim.get(claimKey(c));
      const changed = e?.changed && e.previous ? `<div class="changed cellnum">was ${verdictMark(e.previous)}</div>` : '';
      const title = `${c.title} on ${c.settingTitle ?? c.setting ?? ''}: ${VERDICT_LABEL[c.verdict] ?? c.verdict}${numTitle ? ` (${numTitle})` : ''}`;
      const href = `#${anchor(i)}`;
      const cardNums = [decider ? `<span class="cellnum${failing ? ' fail' : ''}" title="${h(decider.name)}">${h(formatDecider(decider))}</span>` : '', effect ? `<span class="cellnum" title="${h(effect.name)}">${h(formatEffect(effect))}</span>` : '']
        .filter(Boolean).join(' · ');
      const isV = isVerdict(c.verdict) ? c.verdict : 'error';
      return {
        verdict: c.verdict,
        skipped: isSkip(c.verdict),
        cell: `${verdictMark(c.verdict, title, href)}${num}${eff}${stale}${changed}`,
        card: `<a href="${h(href)}" class="verdict badge v-${isV}">${h(VERDICT_LABEL[isV])}</a>${c.stale ? ' <span class="stale-mini">stale</span>' : ''} ${cardNums}`,
      };
    },
  };
  return `<p class="muted note">Claims in the paper's order; under each verdict the number that decided it (for a failed verdict, the failing statement's) and the effect size; hover for names. Striped: the claim is not made for that setting.</p>
${legendHtml()}
${renderGrid(grid)}`;
}

/**
 * The verdicts of several scales side by side (e.g. ci | paper), per (claim, setting): a cell
 * where the decided verdicts differ is highlighted. `scales` in the order to show them.
 */
export function renderScaleMatrix(scales: ScaleVerdicts[]): string {
  const all = scales.flatMap((s) => s.verdicts);
  const titles = new Map<string, string>();
  for (const c of all) if (!titles.has(c.id)) titles.set(c.id, c.title);
  const lookup = scales.map((s) => new Map(s.verdicts.map((c) => [`${c.id}@${c.setting ?? ''}`, c])));
  let differ = 0;
  let agree = 0;
  const places = new Map<string, Place | null>();
  const place = (id: string, setting: string): Place | null => {
    const key = `${id}@${setting}`;
    if (places.has(key)) return places.get(key)!;
    const found = lookup.map((m) => m.get(key));
    let p: Place | null = null;
    if (found.some(Boolean)) {
      const decided = found.filter((c) => c && !c.stale && c.verdict !== 'skipped' && c.verdict !== 'error').map((c) => (c!.verdict === 'expected-failure' ? 'not-reproduced' : c!.verdict));
      const differs = new Set(decided).size > 1;
      if (differs) differ++;
      else if (decided.length > 1) agree++;
      const marks = found.map((c, i) => (c ? verdictMark(c.verdict, `${scales[i]!.scale}: ${VERDICT_LABEL[c.verdict] ?? c.verdict}${c.stale ? ' (stale)' : ''}`) : `<span class="muted" title="${h(scales[i]!.scale)}: no outcome">·</span>`));
      const names = `<div class="cellnum">${scales.map((s) => h(s.scale)).join(' | ')}</div>`;
      p = {
        verdict: found.find(Boolean)!.verdict,
        skipped: found.every((c) => !c || c.verdict === 'skipped'),
        cell: `${marks.join(' ')}${names}`,
        card: `${found.map((c, i) => `${h(scales[i]!.scale)} ${c ? verdictMark(c.verdict) : '·'}`).join(' | ')}${differs ? ' <strong>differ</strong>' : ''}`,
        cellClass: differs ? 'differ' : undefined,
      };
    }
    places.set(key, p);
    return p;
  };
  const grid: Grid = {
    id: 'by-scale',
    rows: claimsInPaperOrder(all).map((r) => ({ ...r, title: titles.get(r.id) ?? r.id })),
    groups: columnsInOrder(all),
    place,
  };
  const html = renderGrid(grid);
  const names = scales.map((s) => `<strong>${h(s.scale)}</strong>`).join(' | ');
  return `<p class="muted">Each cell shows the verdicts at ${names}, in that order. A highlighted cell: the scales decided differently (stale, skipped and error outcomes decide nothing); ${agree} (claim, setting) pair${agree === 1 ? '' : 's'} decided alike, ${differ} differently.</p>
${html}`;
}
