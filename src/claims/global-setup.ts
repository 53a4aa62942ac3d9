import { currentScale } from '../config/scale.ts';

/**
 * vitest global setup for the claims project: after every claim file has run, the report is
 * rebuilt from the outcomes the claims stored, so `npm run claims` always ends with reports/.
 */
export default function setup() {
  const scale = currentScale();
  return async () => {
    const { buildReport, reportsRoot } = await import('./build-report.ts');
    const r = await buildReport(scale.name);
    process.stderr.write(`[grok] report for ${r.claims} claim(s) at ${scale.name} scale: ${reportsRoot()}/index.html\n`);
  };
}
