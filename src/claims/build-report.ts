import { environment } from '../backend/info.ts';
import { writeReport, type WrittenReport } from '../report/write.ts';
import type { ClaimReport, ReportInput } from '../report/types.ts';
import { readClaimResults } from './results.ts';

import { reportsRoot } from '../util/paths.ts';

export { reportsRoot };

/** Builds reports/ from the claim outcomes stored for a scale: no training happens here. */
export async function buildReport(scale: string, opts: { outDir?: string; claims?: ClaimReport[] } = {}): Promise<WrittenReport & { claims: number }> {
  const claims = opts.claims ?? (await readClaimResults(scale));
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
  };
  const written = await writeReport(input, opts.outDir ?? reportsRoot());
  return { ...written, claims: claims.length };
}
