import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareWithPrevious } from '../../src/report/compare.ts';
import { escapeHtml, formatDuration, formatNumber, formatP, slug, slugger, keyNumbers } from '../../src/report/format.ts';
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
