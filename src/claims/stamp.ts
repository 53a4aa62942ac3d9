import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { gitCommit } from '../backend/info.ts';
import { parseRunConfig } from '../config/schema.ts';
import type { ClaimReport, OutcomeStamp } from '../report/types.ts';
import { keyOf } from '../runs/execute.ts';
import { importedCode } from '../runs/code-identity.ts';
import { codeVersion } from '../store/hash.ts';
import { loadImports } from '../store/import-graph.ts';
import { claimsRoot } from '../util/paths.ts';

/**
 * An outcome is current when its claim file still exists, the claim's own code is what decided it,
 * and every run it used still has the key it had (a run key covers the training code it ran).
 * Anything else is shown as stale with the reason, never as a current verdict.
 */

export const claimFile = (id: string): string => join(claimsRoot(), `${id}.claim.ts`);

/**
 * The code a verdict depends on besides its runs: the claim file and every file it imports (the
 * claim API, the statistics, settings and helpers it uses), from the module graph as the run keys
 * are (src/runs/code-identity.ts), so a new statistic or helper that a claim does not import leaves
 * its outcome current. Null when the claim file is gone. Reread where a file changed: a claim
 * edited while a long-lived process (grok report --merge, a watcher) runs must show.
 */
export function claimCodeFiles(id: string): string[] | null {
  const file = claimFile(id);
  return existsSync(file) ? importedCode([file], { fresh: true }) : null;
}

/** The fingerprint of a claim's code, or null when its file is gone. */
export function claimCodeVersion(id: string): string | null {
  const files = claimCodeFiles(id);
  return files && codeVersion(files, { cache: false });
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
  // one esbuild pass for every claim's imports, rather than one per claim
  loadImports(outcomes.map((c) => claimFile(c.id)).filter((f) => existsSync(f)));
  return outcomes.filter((c) => existsSync(claimFile(c.id))).map((c) => ({ ...c, stale: c.stale || staleness(c) }));
}
