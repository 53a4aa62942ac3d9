import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { currentScale, type Scale } from '../config/scale.ts';
import { getSetting, selectedSettings, settingAt } from '../config/settings.ts';
import { populationChoice } from '../config/population.ts';
import { workerCount } from '../config/workers.ts';
import { outcomeKey } from './define.ts';
import { discoverClaims } from './plan.ts';
import { writeSuiteState, type SuiteState } from './progress.ts';
import { claimResultsDir } from './results.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The suite's progress file (see progress.ts), shared by the claim tests. */
    grokSuiteProgress: string;
  }
}

/** How long each pair took the last time, from the outcomes stored at this scale. */
function lastDurations(scale: string): Map<string, number> {
  const out = new Map<string, number>();
  const dir = claimResultsDir(scale);
  let files: string[] = [];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.json'));
  } catch {
    return out;
  }
  for (const f of files) {
    try {
      const ms = (JSON.parse(readFileSync(join(dir, f), 'utf8')) as { durationMs?: unknown }).durationMs;
      if (typeof ms === 'number' && Number.isFinite(ms)) out.set(f.replace(/\.json$/, ''), ms);
    } catch { /* an unreadable outcome only costs the estimate */ }
  }
  return out;
}

/**
 * vitest global setup for the claims project. Before any claim runs: the environment is checked
 * (scale, settings, workers) and the claim files are read (a duplicate id is an error), each with a
 * one-line error and no work done. After every claim file has run, the report is rebuilt from the
 * outcomes the claims stored, so `npm run claims` always ends with reports/.
 */
export default async function setup(project: TestProject) {
  let scale: Scale;
  let pairs: string[];
  let skipped: Set<string>;
  try {
    scale = currentScale();
    workerCount();
    populationChoice();
    const selected = selectedSettings();
    const claims = await discoverClaims();
    pairs = claims.flatMap((c) => c.settings.filter((s) => !selected || selected.has(s)).map((s) => outcomeKey(c.id, s)));
    // a setting this scale cannot decide is skipped at once: it costs the estimate nothing
    skipped = new Set(claims.flatMap((c) => c.settings.filter((s) => 'undecidable' in settingAt(getSetting(s), scale)).map((s) => outcomeKey(c.id, s))));
  } catch (err) {
    // a mistyped variable or a broken claim folder is the user's input: one line, no stack trace
    process.stderr.write(`[grok] ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(2);
  }
  const last = lastDurations(scale.name);
  const state: SuiteState = { startedAt: Date.now(), scale: scale.name, pairs: pairs.map((key) => ({ key, expectedMs: skipped.has(key) ? 0 : (last.get(key) ?? null) })), done: [] };
  const file = join(mkdtempSync(join(tmpdir(), 'grok-suite-')), 'progress.json');
  writeSuiteState(file, state);
  project.provide('grokSuiteProgress', file);
  process.stderr.write(`[grok] claim suite at ${scale.name} scale (GROK_SCALE): ${pairs.length} (claim, setting) pairs; seeds ${scale.seeds.join(', ')}, ${scale.epochs} epochs by default\n`);

  return async () => {
    const { buildReport, NoOutcomesError, reportsRoot } = await import('./build-report.ts');
    try {
      const r = await buildReport(scale.name);
      process.stderr.write(`[grok] report for ${r.claims} claim(s) at ${scale.name} scale${r.stale ? ` (${r.stale} stale)` : ''}: ${reportsRoot()}/index.html\n`);
    } catch (err) {
      if (!(err instanceof NoOutcomesError)) throw err;
      process.stderr.write(`[grok] ${err.message}\n`);
    }
  };
}
