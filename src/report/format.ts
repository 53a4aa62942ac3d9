import type { ClaimReport, StatementRecord, Verdict } from './types.ts';

/** Text formatting shared by the HTML and Markdown writers, so both say the same thing the same way. */

export const VERDICT_LABEL: Record<Verdict, string> = {
  reproduced: 'reproduced',
  'not-reproduced': 'not reproduced',
  'expected-failure': 'not reproduced (known)',
  skipped: 'skipped',
  error: 'error',
};

/** Markdown has no colour; a coloured circle keeps the summary table scannable. */
export const VERDICT_ICON: Record<Verdict, string> = {
  reproduced: '🟢',
  'not-reproduced': '🔴',
  'expected-failure': '🟠',
  skipped: '⚪',
  error: '⛔',
};

export const VERDICT_ORDER: Verdict[] = ['reproduced', 'not-reproduced', 'expected-failure', 'skipped', 'error'];

export function isVerdict(v: unknown): v is Verdict {
  return typeof v === 'string' && (VERDICT_ORDER as string[]).includes(v);
}

const HTML_ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** For element text and attribute values alike. */
export function escapeHtml(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => HTML_ENTITIES[c]!);
}

export const MISSING = '—';

/** Four significant digits, integers as they are, exponent only for very large or tiny values. */
export function formatNumber(v: number | null | undefined): string {
  if (v === null || v === undefined || Number.isNaN(v)) return MISSING;
  if (v === Infinity) return '∞';
  if (v === -Infinity) return '−∞';
  const a = Math.abs(v);
  if (Number.isInteger(v) && a < 1e9) return String(v);
  if (a >= 1e6 || (a > 0 && a < 1e-3)) return v.toExponential(2);
  return String(Number(v.toPrecision(4)));
}

/** p-values the way papers print them: 0.031, 0.0012, 4.1e-4, <1e-4. */
export function formatP(p: number | null | undefined): string {
  if (p === null || p === undefined || Number.isNaN(p)) return MISSING;
  if (p < 1e-4) return '<1e-4';
  if (p < 1e-3) return p.toExponential(1);
  return p.toPrecision(2);
}

export function formatCell(v: string | number | null | undefined): string {
  return typeof v === 'number' ? formatNumber(v) : v === null || v === undefined ? MISSING : v;
}

export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms < 0) return MISSING;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const totalS = Math.round(s);
  if (totalS < 3600) return `${Math.floor(totalS / 60)} min ${String(totalS % 60).padStart(2, '0')} s`;
  const totalMin = Math.round(totalS / 60);
  return `${Math.floor(totalMin / 60)} h ${String(totalMin % 60).padStart(2, '0')} min`;
}

/** Safe file/anchor name: ids come from claim authors, paths must not escape the report folder. */
export function slug(id: string): string {
  const s = String(id).replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[.-]+/, '').slice(0, 120);
  return s || 'item';
}

/** Hands out slugs that stay unique within one scope (two ids may collapse to the same slug). */
export function slugger(): (id: string) => string {
  const used = new Set<string>();
  return (id) => {
    const base = slug(id);
    let s = base;
    for (let i = 2; used.has(s.toLowerCase()); i++) s = `${base}-${i}`;
    used.add(s.toLowerCase());
    return s;
  };
}

/** Counts per verdict in display order, zero counts left out: "3 reproduced · 1 not reproduced". */
export function verdictCounts(verdicts: Verdict[]): { verdict: Verdict; count: number }[] {
  return VERDICT_ORDER.map((verdict) => ({ verdict, count: verdicts.filter((v) => v === verdict).length })).filter((c) => c.count > 0);
}

type Statistic = ClaimReport['statistics'][number];

/** A confidence level as a percentage, one decimal where it has one: 0.95 → "95", 0.9375 → "93.8". */
export function formatLevel(level: number): string {
  return String(Number((level * 100).toFixed(1)));
}

/** Three significant digits: an effect is read, not recomputed (the detail and results.json keep more). */
function effectNumber(v: number | null): string {
  if (v === null || Number.isNaN(v)) return MISSING;
  if (!Number.isFinite(v) || (Number.isInteger(v) && Math.abs(v) < 1e9)) return formatNumber(v);
  const a = Math.abs(v);
  if (a >= 1e6 || (a > 0 && a < 1e-3)) return v.toExponential(1);
  return String(Number(v.toPrecision(3)));
}

/** A ratio ≥ 1: whole numbers from 10 up (38×), else two significant digits (3.4×, 1.0×). */
function ratioNumber(r: number): string {
  if (!Number.isFinite(r)) return '∞';
  if (r >= 1e6) return r.toExponential(1);
  return r >= 10 ? String(Math.round(r)) : r.toPrecision(2);
}

/** "95 % CI 21–70×", "93.8 % CI ≥ 21×" (upper end open), "93.8 % CI ≤ 70×", "93.8 % CI unbounded". */
function ratioInterval(lo: number | null, hi: number | null, level: number): string {
  const l = lo === null || lo <= 0 ? null : lo;
  const u = hi === null || !Number.isFinite(hi) ? null : hi;
  const range = l !== null && u !== null ? `${ratioNumber(l)}–${ratioNumber(u)}×` : l !== null ? `≥ ${ratioNumber(l)}×` : u !== null ? `≤ ${ratioNumber(u)}×` : 'unbounded';
  return `${formatLevel(level)} % CI ${range}`;
}

/**
 * A statistic's value with its interval, if it has one. A ratio with a reading reads in words
 * and turned to be ≥ 1: "τ 38× shorter (95 % CI 21–70×)", a ratio below 1 by its `below` word
 * with its interval inverted the same way ("t_gen 2.0× longer (93.8 % CI 1.5–3.1×)"). Any other
 * value is three significant digits with its interval: "2.64 (95 % CI 1.9–∞)", an open end ∞ or −∞.
 */
export function formatEffect(s: Pick<Statistic, 'value' | 'interval' | 'reads'>): string {
  const r = s.reads;
  if (r?.kind === 'ratio' && s.value !== null && s.value > 0 && Number.isFinite(s.value)) {
    const flip = s.value < 1 && r.below !== undefined;
    const value = flip ? 1 / s.value : s.value;
    const word = flip ? r.below : r.above;
    const iv = s.interval;
    const inv = (b: number | null): number | null => (b === null || b === 0 ? null : 1 / b);
    const ci = iv ? (flip ? ratioInterval(inv(iv.hi), inv(iv.lo), iv.level) : ratioInterval(iv.lo, iv.hi, iv.level)) : '';
    return `${r.quantity} ${ratioNumber(value)}×${word ? ` ${word}` : ''}${ci ? ` (${ci})` : ''}`;
  }
  const v = effectNumber(s.value);
  if (!s.interval) return v;
  const { lo, hi, level } = s.interval;
  const bound = (b: number | null, open: string) => (b === null ? open : effectNumber(b));
  return `${v} (${formatLevel(level)} % CI ${bound(lo, '−∞')}–${bound(hi, '∞')})`;
}

/**
 * The numbers of a claim the summary table shows: the decisive test (of several, the one with the
 * largest p-value, since every one must hold) and the effect size. Without roles, the first
 * statistic with a p-value is the test.
 *
 * A verdict that failed is decided by a statement that did not hold, so a passing sub-test's
 * p-value must not stand for it: given the verdict and statements, the test is the statistic of a
 * failing statement (linked by `statement`), and for a claim of several statements whose failing
 * one has no statistic, the failing statement itself, without a p-value.
 */
export function keyNumbers(
  c: Pick<ClaimReport, 'statistics'> & Partial<Pick<ClaimReport, 'verdict' | 'statements'>>,
): { test: Statistic | null; effect: Statistic | null } {
  const stats = c.statistics ?? [];
  const worst = (xs: Statistic[]) => xs.reduce<Statistic | null>((w, s) => (w === null || (s.pValue ?? 1) > (w.pValue ?? 1) ? s : w), null);
  const failed = c.verdict === 'not-reproduced' || c.verdict === 'expected-failure';
  const failing = failed ? (c.statements ?? []).filter((s) => s.state !== 'holds') : [];
  if (failing.length) {
    const ids = new Set(failing.map((s) => s.id));
    const linked = stats.filter((s) => s.statement !== undefined && ids.has(s.statement));
    const linkedTests = linked.filter((s) => s.role === 'test' || s.role === 'both' || (s.pValue !== undefined && s.pValue !== null));
    const effect = linked.find((s) => s.role === 'effect' || s.role === 'both') ?? stats.find((s) => s.role === 'effect') ?? null;
    if (linkedTests.length || linked.length) return { test: worst(linkedTests.length ? linkedTests : linked), effect };
    if ((c.statements ?? []).length > 1) {
      const f = failing[0];
      return { test: { name: f.name, value: null, role: 'test', statement: f.id, detail: `${f.state}${f.detail ? `: ${f.detail}` : ''}` }, effect };
    }
  }
  const tests = stats.filter((s) => s.role === 'test' || s.role === 'both');
  const withP = (tests.length ? tests : stats.filter((s) => s.pValue !== undefined && s.pValue !== null).slice(0, 1));
  const test = worst(withP);
  const effect = stats.find((s) => s.role === 'effect') ?? (test?.role === 'both' ? test : null);
  return { test, effect };
}

/** The number that decided a verdict: a statistic or a statement, with its name (for a tooltip). */
export interface DecidingNumber { name: string; value: number | null; pValue?: number | null }

/**
 * What a verdict cell shows: the number that decided it and the effect size. A reproduced claim is
 * decided by its weakest test (keyNumbers). A failed one by the statement that failed (of several,
 * the first that fails, else the first undecided): its own p-value or value, never a passing
 * sub-test's. Outcomes stored before statements kept their numbers are matched to the statistics
 * line of the same statement (src/claims/statements.ts writes "<name> — <state>"). Nothing for a
 * skipped or error outcome: its numbers decided nothing.
 */
export function decidingNumbers(c: Pick<ClaimReport, 'verdict' | 'statistics' | 'statements'>): { decider: DecidingNumber | null; effect: Statistic | null; failing: StatementRecord | null } {
  if (c.verdict === 'skipped' || c.verdict === 'error') return { decider: null, effect: null, failing: null };
  const k = keyNumbers(c);
  if (c.verdict === 'reproduced') return { decider: k.test, effect: k.effect, failing: null };
  const statements = c.statements ?? [];
  const failing = statements.find((s) => s.state === 'fails') ?? statements.find((s) => s.state !== 'holds') ?? null;
  if (!failing) return { decider: k.test, effect: k.effect, failing: null };
  const hasNumber = (x: { value?: number | null; pValue?: number | null }) => (x.value !== undefined && x.value !== null) || (x.pValue !== undefined && x.pValue !== null);
  if (hasNumber(failing)) return { decider: { name: failing.name, value: failing.value ?? null, pValue: failing.pValue }, effect: k.effect, failing };
  const line = (c.statistics ?? []).find((s) => s.name === `${failing.name} — ${failing.state}`);
  if (line && hasNumber(line)) return { decider: { name: failing.name, value: line.value, pValue: line.pValue }, effect: k.effect, failing };
  // one statement: the claim's weakest test is the one that failed it
  if (statements.length === 1) return { decider: k.test, effect: k.effect, failing };
  return { decider: null, effect: k.effect, failing };
}

/** A decider in a few characters: "p = 0.031", else its value. */
export function formatDecider(d: DecidingNumber): string {
  return d.pValue !== undefined && d.pValue !== null ? `p = ${formatP(d.pValue)}` : formatNumber(d.value);
}
