import { buildReport, NoOutcomesError } from '../claims/build-report.ts';
import { mergeClaimResults } from '../claims/results.ts';
import { currentScale, parseScale } from '../config/scale.ts';
import { openFile } from './open.ts';

export interface ReportOptions { scale?: string; merge?: string[]; open?: boolean; out?: string; compact?: boolean }

export async function report(o: ReportOptions): Promise<number> {
  const scale = o.scale ? parseScale(o.scale) : currentScale();
  // --merge DIR…: claim results written by shards on other machines (each DIR holds <id>.json
  // files, or a store root with claims/<scale>/); one report, a duplicate claim id is an error
  const claims = o.merge ? await mergeClaimResults(o.merge, scale.name) : undefined;
  let r: Awaited<ReturnType<typeof buildReport>>;
  try {
    r = await buildReport(scale.name, { claims, ...(o.out ? { outDir: o.out } : {}), compact: o.compact === true });
  } catch (err) {
    if (!(err instanceof NoOutcomesError)) throw err;
    process.stderr.write(`grok report: ${err.message}\n`);
    return 1;
  }
  process.stdout.write(`report for ${r.claims} claim(s) at ${scale.name} scale${r.stale ? `, ${r.stale} of them stale (decided by older code: rerun them)` : ''}: ${r.html}\n`);
  for (const e of r.figureErrors) process.stderr.write(`figure failed: ${e}\n`);
  if (o.open) await openFile(r.html);
  return r.figureErrors.length ? 1 : 0;
}
