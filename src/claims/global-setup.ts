import { currentScale } from '../config/scale.ts';
import { workerCount } from '../config/workers.ts';

/**
 * vitest global setup for the claims project: after every claim file has run, the report is
 * rebuilt from the outcomes the claims stored, so `npm run claims` always ends with reports/.
 */
export default function setup() {
  // a bad GROK_SCALE or GROK_WORKERS stops the suite here, as one line, before any claim trains
  const scale = currentScale();
  workerCount();
  return async () => {
    const { buildReport, reportsRoot } = await import('./build-report.ts');
    const r = await buildReport(scale.name);
    process.stderr.write(`[grok] report for ${r.claims} claim(s) at ${scale.name} scale: ${reportsRoot()}/index.html\n`);
  };
}
