import { environment } from '../backend/info.ts';
import { SCALE_NAMES, SCALES } from '../config/scale.ts';
import { SETTINGS } from '../config/settings.ts';
import type { Baseline } from '../report/compare.ts';
import { appendJobSummary, writeReport, type WrittenReport } from '../report/write.ts';
import { RESULTS_SCHEMA_VERSION, type ClaimReport, type ReportInput, type ScaleVerdicts, type ShardRecord } from '../report/types.ts';
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
 * Each outcome's column in the report's matrix (group, short header, rank), from the settings as
 * they are now, so outcomes stored before settings had them are grouped too. An outcome of a
 * setting that no longer exists keeps none (the report shows it under its name).
 */
export function withSettingColumns(claims: ClaimReport[]): ClaimReport[] {
  const col = new Map(SETTINGS.map((s, order) => [s.name, { group: s.group, short: s.short, order }]));
  return claims.map((c) => {
    const sc = c.setting === undefined ? undefined : col.get(c.setting);
    return sc ? { ...c, settingColumn: sc } : c;
  });
}

/** One scale's verdicts, as the side-by-side view needs them (no figures, tables or runs). */
export const scaleVerdicts = (scale: string, claims: ClaimReport[]): ScaleVerdicts => ({
  scale,
  verdicts: claims.map((c) => ({
    id: c.id, title: c.title, paperRef: c.paperRef, verdict: c.verdict,
    ...(c.setting !== undefined ? { setting: c.setting } : {}), ...(c.settingTitle !== undefined ? { settingTitle: c.settingTitle } : {}),
    ...(c.settingColumn ? { settingColumn: c.settingColumn } : {}), ...(c.paper ? { paper: c.paper } : {}), ...(c.stale ? { stale: c.stale } : {}),
  })),
});

/**
 * The verdicts of every scale that decides claims (not the pipeline-only smoke scale) and has
 * stored outcomes, with this report's own in its place, in the scales' order; empty unless there
 * are at least two, so a store of one scale shows no comparison.
 */
export async function verdictsByScale(scale: string, claims: ClaimReport[]): Promise<ScaleVerdicts[]> {
  const out: ScaleVerdicts[] = [];
  for (const name of SCALE_NAMES) {
    if (name === scale) {
      if (!SCALES[name].pipelineOnly) out.push(scaleVerdicts(name, claims));
      continue;
    }
    if (SCALES[name].pipelineOnly) continue;
    const other = withSettingColumns(currentClaims(await readClaimResults(name)));
    if (other.length) out.push(scaleVerdicts(name, other));
  }
  return out.length >= 2 ? out : [];
}

/**
 * The report's input from the claim outcomes stored for a scale: no training happens here. Only
 * claims whose file exists are reported, each marked stale when the code changed since it was
 * decided. With nothing to report it throws before anything is written, so a good report is never
 * replaced by an empty one; a merge whose shards all failed still has something to say: the list
 * of what was not decided.
 */
export async function reportInput(scale: string, opts: BuildOptions = {}): Promise<ReportInput> {
  const claims = withSettingColumns(currentClaims(opts.claims ?? (await readClaimResults(scale))));
  const undecided = opts.merge ? undecidedPairs(opts.merge.planned, claims, opts.merge.shards) : [];
  if (claims.length === 0 && undecided.length === 0) {
    throw new NoOutcomesError(`no stored outcomes of existing claims at ${scale} scale: run \`GROK_SCALE=${scale} npm run claims\` first (nothing was written)`);
  }
  const env = await environment();
  // a merge reports the shards' outcomes alone; the local store's other scales are another story
  const byScale = opts.merge || opts.claims ? [] : await verdictsByScale(scale, claims);
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
    ...(byScale.length ? { byScale } : {}),
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
