import { currentScale } from '../config/scale.ts';

/**
 * vitest global setup for the claims project: after every claim file has run, the report is
 * rebuilt from the outcomes the claims stored, so `npm run claims` always ends with reports/.
 */
export default function setup() {
  const scale = currentScale();
  return async () => {
    const { buildReport, NoOutcomesError, reportsRoot } = await import('./build-report.ts');
    try {
      const r = await buildReport(scale.name);
      process.stderr.write(`[grok] report for ${r.claims} claim(s) at ${scale.name} scale${r.stale ? ` (${r.stale} stale)` : ''}: ${reportsRoot()}/index.html\n`);
    } catch (err) {
      if (!(err instanceof NoOutcomesError)) throw err;
      process.stderr.write(`[grok] ${err.message}\n`);
    }
  };
}
