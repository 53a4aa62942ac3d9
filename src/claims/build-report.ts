import { environment } from '../backend/info.ts';
import { writeReport, type WrittenReport } from '../report/write.ts';
import { RESULTS_SCHEMA_VERSION, type ClaimReport, type ReportInput } from '../report/types.ts';
import { readClaimResults } from './results.ts';
import { currentClaims } from './stamp.ts';

import { reportsRoot } from '../util/paths.ts';

export { reportsRoot };

export class NoOutcomesError extends Error {}

/**
 * Builds reports/ from the claim outcomes stored for a scale: no training happens here. Only
 * claims whose file exists are reported, each marked stale when the code changed since it was
 * decided. With nothing to report it throws before writing, so a good report is never replaced
 * by an empty one.
 */
export async function buildReport(scale: string, opts: { outDir?: string; claims?: ClaimReport[]; compact?: boolean } = {}): Promise<WrittenReport & { claims: number; stale: number }> {
  const claims = currentClaims(opts.claims ?? (await readClaimResults(scale)));
  if (claims.length === 0) {
    throw new NoOutcomesError(`no stored outcomes of existing claims at ${scale} scale: run \`GROK_SCALE=${scale} npm run claims\` first (nothing was written)`);
  }
  const env = await environment();
  const input: ReportInput = {
    generatedAt: new Date().toISOString(),
    scale,
    environment: {
      backend: `${env.backend} (${env.backendModule})`,
      'backend note': env.backendNote,
      threads: env.threads,
      node: env.node,
      platform: env.platform,
      commit: env.commit,
      ...env.versions,
    },
    claims,
    schemaVersion: RESULTS_SCHEMA_VERSION,
  };
  const written = await writeReport(input, opts.outDir ?? reportsRoot(), { compact: opts.compact });
  return { ...written, claims: claims.length, stale: claims.filter((c) => c.stale).length };
}
