import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareWithPrevious } from '../../src/report/compare.ts';
import { escapeHtml, formatDuration, formatEffect, formatNumber, formatP, slug, slugger, keyNumbers } from '../../src/report/format.ts';
import { scopeSvgIds } from '../../src/report/html.ts';
import { md } from '../../src/report/markdown.ts';
import type { ReportInput } from '../../src/report/types.ts';

describe('formatting', () => {
  it('p-values', () => {
    expect(formatP(0.03125)).toBe('0.031');
    expect(formatP(0.2)).toBe('0.20');
    expect(formatP(0.0012)).toBe('0.0012');
    expect(formatP(0.00041)).toBe('4.1e-4');
    expect(formatP(0.0000412)).toBe('<1e-4');
    expect(formatP(0)).toBe('<1e-4');
    expect([null, undefined, Number.NaN].map(formatP)).toEqual(['—', '—', '—']);
  });

  it('numbers', () => {
    expect(formatNumber(3012)).toBe('3012');
    expect(formatNumber(7.9312)).toBe('7.931');
    expect(formatNumber(0.5)).toBe('0.5');
    expect(formatNumber(0.0000412)).toBe('4.12e-5');
    expect(formatNumber(Infinity)).toBe('∞');
    expect(formatNumber(Number.NaN)).toBe('—');
    expect(formatNumber(null)).toBe('—');
  });

  it('durations', () => {
    expect(formatDuration(850)).toBe('850 ms');
    expect(formatDuration(12_340)).toBe('12.3 s');
    expect(formatDuration(245_000)).toBe('4 min 05 s');
    expect(formatDuration(3_725_000)).toBe('1 h 02 min');
    expect(formatDuration(undefined)).toBe('—');
  });

  it('escapeHtml leaves no markup characters', () => {
    fc.assert(fc.property(fc.string(), (s) => {
      expect(escapeHtml(s)).not.toMatch(/[<>"']/);
      expect(escapeHtml(s).replace(/&(amp|lt|gt|quot|#39);/g, '')).not.toContain('&');
    }), { numRuns: 30 });
    expect(escapeHtml('a <b> & "c"')).toBe('a &lt;b&gt; &amp; &quot;c&quot;');
  });

  it('md escapes Markdown and HTML', () => {
    expect(md('τ_dense | <b> & *x*')).toBe('τ\\_dense \\| &lt;b&gt; &amp; \\*x\\*');
  });

  it('slugs are path-safe and unique', () => {
    fc.assert(fc.property(fc.string(), (s) => {
      const out = slug(s);
      expect(out).toMatch(/^[A-Za-z0-9_][A-Za-z0-9._-]*$/);
    }), { numRuns: 30 });
    expect(slug('../../etc/passwd')).toBe('etc-passwd');
    const next = slugger();
    expect([next('a b'), next('a/b'), next('A-B')]).toEqual(['a-b', 'a-b-2', 'A-B-3']);
  });

  it('scopeSvgIds prefixes ids and their references', () => {
    const svg = '<clipPath id="clip1"><rect/></clipPath><g clip-path="url(#clip1)"><use href="#clip1"/></g>';
    expect(scopeSvgIds(svg, 'f1-')).toBe('<clipPath id="f1-clip1"><rect/></clipPath><g clip-path="url(#f1-clip1)"><use href="#f1-clip1"/></g>');
  });
});

describe('keyNumbers (the summary table)', () => {
  it('the deciding test is the one with the largest p among several; the effect is marked or the test itself', () => {
    const k = keyNumbers({ statistics: [
      { name: 'L1: mean log ratio', value: 0.9, pValue: 0.01, role: 'both' },
      { name: 'L2: mean log ratio', value: 0.4, pValue: 0.04, role: 'both' },
    ] });
    expect(k.test?.name).toBe('L2: mean log ratio');
    expect(k.effect?.name).toBe('L2: mean log ratio');
    const w = keyNumbers({ statistics: [{ name: 'W', value: 15, pValue: 0.03, role: 'test' }, { name: 'median ratio', value: 12, role: 'effect' }] });
    expect([w.test?.name, w.effect?.name]).toEqual(['W', 'median ratio']);
    expect(keyNumbers({ statistics: [{ name: 'k', value: 0.8 }, { name: 'F', value: 3, pValue: 0.2 }] }).test?.name).toBe('F');
    expect(keyNumbers({ statistics: [] })).toEqual({ test: null, effect: null });
  });
  it('a failed verdict shows the failing statement\'s statistic, never a passing sub-test\'s p-value', () => {
    // the critical-ratio claim: its Fisher test passed (p = 0.004), its critical ratio was out of range
    const c = {
      verdict: 'not-reproduced' as const,
      statements: [
        { id: 'critical-ratio-located', name: 'critical ratio within 0.8 ± 0.1', state: 'fails' as const },
        { id: 'ticket-beats-dense', name: 'tickets generalise more often', state: 'holds' as const },
      ],
      statistics: [
        { name: 'critical pruning ratio k', value: 0.5, role: 'effect' as const, statement: 'critical-ratio-located' },
        { name: 'WD-0 dense models that generalised', value: 0, pValue: 0.004, role: 'test' as const, statement: 'ticket-beats-dense' },
      ],
    };
    const k = keyNumbers(c);
    expect(k.test?.name).toBe('critical pruning ratio k');
    expect(k.test?.pValue).toBeUndefined();
    // a failing statement with no statistic of its own stands for itself, without a p-value
    const bare = keyNumbers({ ...c, statistics: [c.statistics[1]] });
    expect(bare.test).toMatchObject({ name: 'critical ratio within 0.8 ± 0.1', value: null, statement: 'critical-ratio-located' });
    expect(bare.test?.pValue).toBeUndefined();
    // reproduced: the largest p among the tests, as before
    expect(keyNumbers({ ...c, verdict: 'reproduced' }).test?.name).toBe('WD-0 dense models that generalised');
    // a single-statement claim that failed: its own test is the deciding one
    expect(keyNumbers({ verdict: 'not-reproduced', statements: [{ id: 'assertion', name: 'a', state: 'fails' }], statistics: [{ name: 'W', value: 3, pValue: 0.06, role: 'test' }] }).test?.name).toBe('W');
  });
});

describe('formatEffect (effects in words)', () => {
  const tau = { kind: 'ratio' as const, quantity: 'τ', above: 'shorter', below: 'longer' };
  it('a ratio reads as "τ 38× shorter (95 % CI 21–70×)"', () => {
    expect(formatEffect({ value: 38.2, reads: tau, interval: { lo: 21.4, hi: 70.3, level: 0.95, method: 'HL' } })).toBe('τ 38× shorter (95 % CI 21–70×)');
    expect(formatEffect({ value: 3.42, reads: tau })).toBe('τ 3.4× shorter');
  });
  it('a ratio below 1 reads the other way, its interval inverted with it', () => {
    expect(formatEffect({ value: 0.5, reads: tau, interval: { lo: 0.25, hi: 0.8, level: 0.95, method: 'HL' } })).toBe('τ 2.0× longer (95 % CI 1.3–4.0×)');
  });
  it('an unreached level is said as reached (93.8 %), an open end as a one-sided bound', () => {
    expect(formatEffect({ value: 12, reads: tau, interval: { lo: 4, hi: null, level: 0.9375, method: 'HL' } })).toBe('τ 12× shorter (93.8 % CI ≥ 4.0×)');
    expect(formatEffect({ value: 12, reads: tau, interval: { lo: null, hi: 30, level: 0.9375, method: 'HL' } })).toBe('τ 12× shorter (93.8 % CI ≤ 30×)');
    expect(formatEffect({ value: 12, reads: tau, interval: { lo: null, hi: null, level: 0.9375, method: 'HL' } })).toBe('τ 12× shorter (93.8 % CI unbounded)');
    // inverted, the open upper end of 1/r is the open lower end of r
    expect(formatEffect({ value: 0.5, reads: tau, interval: { lo: null, hi: 0.8, level: 0.9375, method: 'HL' } })).toBe('τ 2.0× longer (93.8 % CI ≥ 1.3×)');
  });
  it('a ratio without words reads "t_gen 1.8×"; other values keep three digits with their interval', () => {
    expect(formatEffect({ value: 1.83, reads: { kind: 'ratio', quantity: 't_gen' } })).toBe('t_gen 1.8×');
    expect(formatEffect({ value: 0.123456, interval: { lo: 0.0512, hi: null, level: 0.95, method: 'x' } })).toBe('0.123 (95 % CI 0.0512–∞)');
    expect(formatEffect({ value: null, reads: tau })).toBe('—');
  });
});

describe('compareWithPrevious', () => {
  const claim = (id: string, verdict: ReportInput['claims'][number]['verdict']) => ({
    id, verdict, title: id, paperQuote: '', paperRef: '', assertion: '', statistics: [], seedTable: { columns: [], rows: [] }, figures: [], runs: [], scale: 's',
  });
  it('marks changed, unchanged, new and removed claims', () => {
    const prev: ReportInput = { generatedAt: 'then', environment: {}, scale: 's', claims: [claim('a', 'reproduced'), claim('b', 'reproduced'), claim('gone', 'error')] };
    const now: ReportInput = { generatedAt: 'now', environment: {}, scale: 's', claims: [claim('a', 'not-reproduced'), claim('b', 'reproduced'), claim('c', 'skipped')] };
    const cmp = compareWithPrevious(now, prev)!;
    expect(cmp.byClaim.get('a')).toEqual({ previous: 'reproduced', changed: true });
    expect(cmp.byClaim.get('b')).toEqual({ previous: 'reproduced', changed: false });
    expect(cmp.byClaim.get('c')).toEqual({ previous: null, changed: false });
    expect(cmp.removed).toEqual(['gone']);
    expect(compareWithPrevious(now, null)).toBeNull();
  });
});
