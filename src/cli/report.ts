import { buildJobSummary, buildReport, NoOutcomesError, type MergeInfo } from '../claims/build-report.ts';
import { discoverClaims } from '../claims/plan.ts';
import { mergeShards } from '../claims/results.ts';
import { currentScale, parseScale } from '../config/scale.ts';
import { selectedSettings } from '../config/settings.ts';
import { UsageError } from './errors.ts';
import { openFile } from './open.ts';

export interface ReportOptions {
  scale?: string; merge?: string[]; open?: boolean; out?: string; compact?: boolean;
  allowMissing?: boolean; jobSummary?: string; reportUrl?: string;
}

/** The run page (it lists the artifacts) when no better URL is given on GitHub Actions. */
function runPageUrl(env = process.env): string | null {
  const { GITHUB_SERVER_URL: server, GITHUB_REPOSITORY: repo, GITHUB_RUN_ID: run } = env;
  return server && repo && run ? `${server}/${repo}/actions/runs/${run}` : null;
}

export async function report(o: ReportOptions): Promise<number> {
  const scale = o.scale ? parseScale(o.scale) : currentScale();
  if (o.allowMissing && !o.merge) throw new UsageError('--allow-missing needs --merge (it reports a shard folder that does not exist as a missing shard)');
  if (o.reportUrl && !o.jobSummary) throw new UsageError('--report-url needs --job-summary (it is where the job summary\'s figure links point)');
  // --merge DIR…: claim results written by shards on other machines (each DIR holds <id>.json
  // files, or a store root with claims/<scale>/); one report, a duplicate claim id is an error.
  // The suite's pairs that no shard decided are listed in the report, with the shards' problems.
  let merge: MergeInfo | undefined;
  let claims;
  if (o.merge) {
    const m = await mergeShards(o.merge, scale.name, { allowMissing: o.allowMissing === true });
    const selected = selectedSettings();
    const planned = (await discoverClaims()).flatMap((c) => c.settings.filter((s) => !selected || selected.has(s)).map((setting) => ({ id: c.id, setting })));
    claims = m.claims;
    merge = { shards: m.shards, planned };
  }
  try {
    if (o.jobSummary) {
      const url = o.reportUrl || runPageUrl(); // empty when the upload step before it failed
      if (!url) throw new UsageError('--job-summary needs --report-url URL (where index.html is served; on GitHub Actions the run page is the default)');
      const input = await buildJobSummary(scale.name, o.jobSummary, url, { claims, merge });
      process.stdout.write(`job summary for ${input.claims.length} (claim, setting) pair(s) at ${scale.name} scale appended to ${o.jobSummary}; figures link to ${url}\n`);
      return input.undecided?.length ? 1 : 0;
    }
    const r = await buildReport(scale.name, { claims, merge, ...(o.out ? { outDir: o.out } : {}), compact: o.compact === true });
    const undecided = r.undecided ? `; ${r.undecided} not decided (listed in the report)` : '';
    process.stdout.write(`report for ${r.claims} (claim, setting) pair(s) at ${scale.name} scale${r.stale ? `, ${r.stale} of them stale (decided by older code: rerun them)` : ''}${undecided}: ${r.html}\n`);
    for (const e of r.figureErrors) process.stderr.write(`figure failed: ${e}\n`);
    if (o.open) await openFile(r.html);
    // the report is written either way; the exit status says it is incomplete
    return r.figureErrors.length || r.undecided ? 1 : 0;
  } catch (err) {
    if (!(err instanceof NoOutcomesError)) throw err;
    process.stderr.write(`grok report: ${err.message}\n`);
    return 1;
  }
}
