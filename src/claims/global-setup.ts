import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { currentScale, type Scale } from '../config/scale.ts';
import { getSetting, selectedSettings, settingAt } from '../config/settings.ts';
import { populationChoice } from '../config/population.ts';
import { workerCount } from '../config/workers.ts';
import { isVerdict } from '../report/format.ts';
import type { Baseline } from '../report/compare.ts';
import { claimsRoot } from '../util/paths.ts';
import { outcomeKey } from './define.ts';
import { discoverClaims } from './plan.ts';
import { writeSuiteState, type SuiteState } from './progress.ts';
import { selectedPairs, vitestSelection } from './selection.ts';
import { claimResultsDir } from './results.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The suite's progress file (see progress.ts), shared by the claim tests. */
    grokSuiteProgress: string;
  }
}

/**
 * What is stored at this scale before the suite runs: how long each pair took last time (for the
 * ETA) and its verdict (what the report compares with: the outcomes of this scale, never the
 * report of another scale that reports/ may hold).
 */
function storedBefore(scale: string): { durations: Map<string, number>; baseline: Baseline } {
  const durations = new Map<string, number>();
  const baseline: Baseline = { generatedAt: 'unknown', scale, claims: [], description: `the outcomes stored at ${scale} scale before this run` };
  const dir = claimResultsDir(scale);
  let files: string[] = [];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.json'));
  } catch {
    return { durations, baseline };
  }
  let newest = '';
  for (const f of files) {
    try {
      const o = JSON.parse(readFileSync(join(dir, f), 'utf8')) as { id?: unknown; setting?: unknown; verdict?: unknown; scale?: unknown; durationMs?: unknown; stamp?: { decidedAt?: unknown } };
      if (typeof o.durationMs === 'number' && Number.isFinite(o.durationMs)) durations.set(f.replace(/\.json$/, ''), o.durationMs);
      if (typeof o.id === 'string' && typeof o.setting === 'string' && isVerdict(o.verdict)) {
        baseline.claims.push({ id: o.id, setting: o.setting, verdict: o.verdict, ...(typeof o.scale === 'string' ? { scale: o.scale } : {}) });
        if (typeof o.stamp?.decidedAt === 'string' && o.stamp.decidedAt > newest) newest = o.stamp.decidedAt;
      }
    } catch { /* an unreadable outcome only costs the estimate and its comparison */ }
  }
  if (newest) {
    baseline.generatedAt = newest;
    baseline.description = `the outcomes stored at ${scale} scale before this run (the newest decided ${newest})`;
  }
  return { durations, baseline };
}

/**
 * vitest global setup for the claims project. Before any claim runs: the environment is checked
 * (scale, settings, workers) and the claim files are read (a duplicate id is an error), each with a
 * one-line error and no work done. The progress line counts the pairs this run selected (the files
 * and `-t` filter given to vitest, GROK_SETTINGS; src/claims/selection.ts). After every claim file
 * has run, the scale's report is rebuilt from every outcome stored at that scale, those this run
 * decided and those it did not run, so running one claim updates its rows and keeps the others.
 */
export default async function setup(project: TestProject) {
  let scale: Scale;
  let pairs: string[];
  let skipped: Set<string>;
  try {
    scale = currentScale();
    workerCount();
    populationChoice();
    const claims = await discoverClaims();
    pairs = selectedPairs(claims, claimsRoot(), vitestSelection(project, selectedSettings()));
    // a setting this scale cannot decide is skipped at once: it costs the estimate nothing
    skipped = new Set(claims.flatMap((c) => c.settings.filter((s) => 'undecidable' in settingAt(getSetting(s), scale)).map((s) => outcomeKey(c.id, s))));
  } catch (err) {
    // a mistyped variable or a broken claim folder is the user's input: one line, no stack trace
    process.stderr.write(`[grok] ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(2);
  }
  const { durations: last, baseline } = storedBefore(scale.name);
  const state: SuiteState = { startedAt: Date.now(), scale: scale.name, pairs: pairs.map((key) => ({ key, expectedMs: skipped.has(key) ? 0 : (last.get(key) ?? null) })), done: [] };
  const file = join(mkdtempSync(join(tmpdir(), 'grok-suite-')), 'progress.json');
  writeSuiteState(file, state);
  project.provide('grokSuiteProgress', file);
  process.stderr.write(`[grok] claim suite at ${scale.name} scale (GROK_SCALE): ${pairs.length} (claim, setting) pairs; seeds ${scale.seeds.join(', ')}, ${scale.epochs} epochs by default\n`);

  return async () => {
    const { buildReport, NoOutcomesError, reportsRoot } = await import('./build-report.ts');
    try {
      const r = await buildReport(scale.name, { previous: baseline });
      process.stderr.write(`[grok] report for ${r.claims} (claim, setting) pair(s) at ${scale.name} scale${r.stale ? ` (${r.stale} stale)` : ''}: ${reportsRoot()}/index.html\n`);
    } catch (err) {
      if (!(err instanceof NoOutcomesError)) throw err;
      process.stderr.write(`[grok] ${err.message}\n`);
    }
  };
}
