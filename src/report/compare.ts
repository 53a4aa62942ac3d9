import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isVerdict } from './format.ts';
import { claimKey, type ReportInput, type Verdict } from './types.ts';

/**
 * The previous report's verdicts, so a reader sees at a glance which claims changed since the last
 * run (a regression in the code, a different scale, a fixed bug).
 */

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
  /** Per current claim id: its previous verdict (null = not in the previous report). */
  byClaim: Map<string, { previous: Verdict | null; changed: boolean }>;
  /** Claim ids in the previous report that are gone now. */
  removed: string[];
}

export function compareWithPrevious(current: ReportInput, previous: ReportInput | null): Comparison | null {
  if (!previous) return null;
  const before = new Map<string, Verdict>();
  for (const c of previous.claims) if (c && typeof c.id === 'string' && isVerdict(c.verdict)) before.set(claimKey(c), c.verdict);
  const byClaim = new Map<string, { previous: Verdict | null; changed: boolean }>();
  for (const c of current.claims) {
    const prev = before.get(claimKey(c)) ?? null;
    byClaim.set(claimKey(c), { previous: prev, changed: prev !== null && prev !== c.verdict });
  }
  const now = new Set(current.claims.map(claimKey));
  return {
    previousGeneratedAt: String(previous.generatedAt ?? 'unknown'),
    byClaim,
    removed: [...before.keys()].filter((id) => !now.has(id)),
  };
}
