import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isVerdict } from './format.ts';
import { claimKey, type ClaimReport, type ReportInput, type Verdict } from './types.ts';

/**
 * The verdicts a report is compared with, so a reader sees at a glance which claims changed since
 * they were last decided (a regression in the code, a fixed bug). Only outcomes of the report's own
 * scale are compared: a smoke "skipped" beside a ci "reproduced" is not a change, it is another
 * experiment, and a pair decided at another scale is not "no longer present".
 */

/** What a comparison needs of an earlier report: its verdicts, each with its scale. */
export interface Baseline {
  /** When the earlier verdicts were written (a report's generatedAt). */
  generatedAt: string;
  /** The scale of the earlier report; a claim without its own `scale` has this one. */
  scale?: string;
  claims: (Pick<ClaimReport, 'id' | 'setting' | 'verdict'> & { scale?: string })[];
  /** How the report names what it was compared with (default: "the previous report of <generatedAt>"). */
  description?: string;
}

/** The results.json of an earlier report in `outDir`, or null when absent or unreadable. */
export async function readPreviousResults(outDir = 'reports'): Promise<ReportInput | null> {
  let text: string;
  try {
    text = await readFile(join(outDir, 'results.json'), 'utf8');
  } catch {
    return null;
  }
  try {
    const parsed = JSON.parse(text) as Partial<ReportInput>;
    // Shape check only: an old or hand-edited file must not break the new report.
    if (!parsed || !Array.isArray(parsed.claims)) return null;
    return parsed as ReportInput;
  } catch {
    return null;
  }
}

export interface Comparison {
  /** When the previous report was generated (its generatedAt). */
  previousGeneratedAt: string;
  /** What the verdicts were compared with, as the report says it: "the previous report of …". */
  against: string;
  /** Per current claim id: its previous verdict (null = not in the previous report). */
  byClaim: Map<string, { previous: Verdict | null; changed: boolean }>;
  /** Claim ids in the previous report that are gone now. */
  removed: string[];
}

/**
 * The current verdicts against `previous`, outcome by outcome at the current report's scale; null
 * when there is nothing of that scale to compare with (no previous report, or one of another scale).
 */
export function compareWithPrevious(current: ReportInput, previous: Baseline | null): Comparison | null {
  if (!previous || !Array.isArray(previous.claims)) return null;
  const before = new Map<string, Verdict>();
  for (const c of previous.claims) {
    if (!c || typeof c.id !== 'string' || !isVerdict(c.verdict)) continue;
    if ((c.scale ?? previous.scale) !== current.scale) continue;
    before.set(claimKey(c), c.verdict);
  }
  if (before.size === 0) return null;
  const byClaim = new Map<string, { previous: Verdict | null; changed: boolean }>();
  for (const c of current.claims) {
    const prev = before.get(claimKey(c)) ?? null;
    byClaim.set(claimKey(c), { previous: prev, changed: prev !== null && prev !== c.verdict });
  }
  const now = new Set(current.claims.map(claimKey));
  const generatedAt = String(previous.generatedAt ?? 'unknown');
  return {
    previousGeneratedAt: generatedAt,
    against: previous.description ?? `the previous report of ${generatedAt}`,
    byClaim,
    removed: [...before.keys()].filter((id) => !now.has(id)),
  };
}
