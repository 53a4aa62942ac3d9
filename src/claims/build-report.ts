import { environment } from '../backend/info.ts';
import type { Baseline } from '../report/compare.ts';
import { appendJobSummary, writeReport, type WrittenReport } from '../report/write.ts';
import { RESULTS_SCHEMA_VERSION, type ClaimReport, type ReportInput, type ShardRecord } from '../report/types.ts';
import { readClaimResults, undecidedPairs } from './results.ts';
import { currentClaims } from './stamp.ts';

import { reportsRoot } from '../util/paths.ts';

export { reportsRoot };

export class NoOutcomesError extends Error {}

/** A report merged from shards: where the outcomes came from, and what the suite should have decided. */
export interface MergeInfo {
  shards: ShardRecord[];
  /** The suite's (claim, setting) pairs: those without an outcome are listed as not decided. */
  planned: { id: string; setting: string }[];
}

export interface BuildOptions {
  outDir?: string;
  claims?: ClaimReport[];
  compact?: boolean;
  merge?: MergeInfo;
  /** The verdicts to compare with (default: the results.json in the output folder, if of the same scale). */
  previous?: Baseline | null;
}

/**
 * The report's input from the claim outcomes stored for a scale: no training happens here. Only
 * claims whose file exists are reported, each marked stale when the code changed since it was
 * decided. With nothing to report it throws before anything is written, so a good report is never
 * replaced by an empty one; a merge whose shards all failed still has something to say: the list
 * of what was not decided.
 */
export async function reportInput(scale: string, opts: BuildOptions = {}): Promise<ReportInput> {
  const claims = currentClaims(opts.claims ?? (await readClaimResults(scale)));
  const undecided = opts.merge ? undecidedPairs(opts.merge.planned, claims, opts.merge.shards) : [];
  if (claims.length === 0 && undecided.length === 0) {
    throw new NoOutcomesError(`no stored outcomes of existing claims at ${scale} scale: run \`GROK_SCALE=${scale} npm run claims\` first (nothing was written)`);
  }
  const env = await environment();
  return {
    generatedAt: new Date().toISOString(),
    scale,
    environment: {
      backend: `${env.backend} (${env.backendModule})`,
      'backend note': env.backendNote,
      device: env.device,
      threads: env.threads,
      node: env.node,
      platform: env.platform,
      commit: env.commit,
      ...env.versions,
    },
    claims,
    schemaVersion: RESULTS_SCHEMA_VERSION,
    ...(opts.merge ? { shards: opts.merge.shards, undecided } : {}),
  };
}

/** Builds reports/ (or opts.outDir). */
export async function buildReport(scale: string, opts: BuildOptions = {}): Promise<WrittenReport & { claims: number; stale: number; undecided: number }> {
  const input = await reportInput(scale, opts);
  const written = await writeReport(input, opts.outDir ?? reportsRoot(), { compact: opts.compact, ...(opts.previous !== undefined ? { previous: opts.previous } : {}) });
  return { ...written, claims: input.claims.length, stale: input.claims.filter((c) => c.stale).length, undecided: input.undecided?.length ?? 0 };
}

/** Appends the report as a GitHub job summary to `file`, figures linked to `reportUrl`; writes nothing else. */
export async function buildJobSummary(scale: string, file: string, reportUrl: string, opts: BuildOptions = {}): Promise<ReportInput> {
  const input = await reportInput(scale, opts);
  await appendJobSummary(input, file, reportUrl);
  return input;
}
