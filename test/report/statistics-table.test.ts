import { describe, expect, it } from 'vitest';
import { layoutFigures } from '../../src/report/figures.ts';
import { renderHtml } from '../../src/report/html.ts';
import { renderMarkdown } from '../../src/report/markdown.ts';
import type { ReportInput } from '../../src/report/types.ts';

/** One claim whose effect is a ratio with an interval, as the claims now report it. */
function report(): ReportInput {
  return {
    generatedAt: 'now', environment: {}, scale: 'ci',
    claims: [{
      id: 'tickets-cut-tau', title: 't', paperQuote: 'q', paperRef: '§3.2', assertion: 'a', verdict: 'reproduced', scale: 'ci', runs: [], figures: [],
      seedTable: { columns: [], rows: [] },
      statistics: [
        { name: 'Wilcoxon T+', value: 0, pValue: 0.03125, role: 'test' },
        {
          name: 'τ_dense / τ_ticket', value: 38.24, role: 'effect', reads: { kind: 'ratio', quantity: 'τ', above: 'shorter', below: 'longer' },
          interval: { lo: 21.3, hi: null, level: 0.9375, method: 'Hodges–Lehmann estimate, exact Wilcoxon signed-rank interval' },
        },
        { name: 'median τ_dense', value: 123.456789 },
      ],
    }],
  };
}

describe('the statistics table', () => {
  const input = report();
  const figures = layoutFigures(input);
  it('HTML shows an effect in words with its interval and names the interval\'s method', () => {
    const html = renderHtml(input, figures, null);
    const section = html.slice(html.indexOf('<h3>Statistics</h3>'));
    expect(section).toContain('τ 38× shorter (93.8 % CI ≥ 21×)');
    expect(section).toContain('interval: Hodges–Lehmann estimate');
    expect(section).toContain('123'); // a plain value, three significant digits
    expect(section).not.toContain('123.5');
  });
  it('Markdown says the same, in the statistics table and the summary', () => {
    const md = renderMarkdown(input, figures, null);
    expect(md.split('τ 38× shorter (93.8 % CI ≥ 21×)').length - 1).toBe(2);
  });
});
