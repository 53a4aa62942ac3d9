import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { gitCommit } from '../backend/info.ts';
import { parseRunConfig } from '../config/schema.ts';
import type { ClaimReport, OutcomeStamp } from '../report/types.ts';
import { keyOf } from '../runs/execute.ts';
import { codeVersion } from '../store/hash.ts';
import { claimsRoot, packageRoot } from '../util/paths.ts';

/**
 * An outcome is current when its claim file still exists, the claim's own code is what decided it,
 * and every run it used still has the key it had (a run key covers the training code it ran).
 * Anything else is shown as stale with the reason, never as a current verdict.
 */

/**
 * The code a verdict depends on besides its runs: the claim API and every helper a claim may import
 * from src/claims (a new helper file is covered without being listed), its statistics and settings.
 * Left out: the modules that only run the suite or write the report, which cannot change a verdict.
 */
const SUITE_ONLY = new Set(['build-report.ts', 'global-setup.ts', 'plan.ts', 'progress.ts', 'results.ts', 'runner.ts', 'stamp.ts']);
const claimCode = (): string[] => [
  ...readdirSync(join(packageRoot(), 'src/claims')).filter((f) => f.endsWith('.ts') && !SUITE_ONLY.has(f)).sort().map((f) => `src/claims/${f}`),
  'src/stats', 'src/analysis', 'src/config/settings.ts', 'src/config/scale.ts',
];

export const claimFile = (id: string): string => join(claimsRoot(), `${id}.claim.ts`);

/** The fingerprint of a claim's code, or null when its file is gone. */
export function claimCodeVersion(id: string): string | null {
  const file = claimFile(id);
  // uncached: a claim file edited while a long-lived process (grok report --merge, a watcher) runs must show
  return existsSync(file) ? codeVersion([file, ...claimCode()], { cache: false }) : null;
}

export function stampOutcome(id: string, scale: string): OutcomeStamp {
  return { commit: gitCommit(), decidedAt: new Date().toISOString(), scale, claimCode: claimCodeVersion(id) ?? 'missing' };
}

/** Why a stored outcome no longer describes the current code, or null when it does. */
export function staleness(c: ClaimReport): string | null {
  const s = c.stamp;
  if (!s) return 'stored without a stamp by older code: rerun the claim';
  const since = `decided ${s.decidedAt} at commit ${s.commit}`;
  if (claimCodeVersion(c.id) !== s.claimCode) return `the claim's code changed since it was ${since}: rerun the claim`;
  for (const r of c.runs) {
    if (!r.backend) return `run "${r.label}" (${r.key}) was stored without its backend by older code: rerun the claim`;
    let now: string;
    try {
      // the run's own backend, not this process's: a report merged from GPU shards is built on a CPU
      now = keyOf(parseRunConfig(r.config), r.backend);
    } catch {
      return `run "${r.label}" (${r.key}) has a config the current code no longer accepts; ${since}: rerun the claim`;
    }
    if (now !== r.key) return `the training code of run "${r.label}" changed (key ${r.key} is now ${now}) since it was ${since}: rerun the claim`;
  }
  return null;
}

/**
 * Outcomes of claims whose file exists, each marked with its staleness. A reason set when it was
 * read (src/claims/results.ts: set aside by an attempt that stored nothing, or not a valid file) is
 * kept: a stale mark can be added here, never taken away.
 */
export function currentClaims(outcomes: ClaimReport[]): ClaimReport[] {
  return outcomes.filter((c) => existsSync(claimFile(c.id))).map((c) => ({ ...c, stale: c.stale || staleness(c) }));
}
