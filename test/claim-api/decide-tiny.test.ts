import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import '../setup-backend.ts';
import type { Claim } from '../../src/claims/define.ts';
import { checkOutcome, holds } from '../../src/claims/outcome.ts';
import { SCALES, type Scale } from '../../src/config/scale.ts';
import { tasks } from '../../src/tasks/index.ts';
import { getSetting, settingAt, type SettingRun } from '../../src/config/settings.ts';
import { getRun } from '../../src/runs/execute.ts';
import { getRuns } from '../../src/runs/pool.ts';
import { writeReport } from '../../src/report/write.ts';
import type { ClaimReport } from '../../src/report/types.ts';

/**
 * Every claim's `decide` runs end to end on tiny runs (the paper network, a few dozen epochs), and
 * its outcome renders into a report. The verdicts mean nothing at this size; what is tested is that
 * the claim code, its statistics and its figures work before a 30-minute suite finds out.
 */
const tiny: Scale = SCALES.smoke;
const claimFiles = readdirSync(join(import.meta.dirname, '../../claims')).filter((f) => f.endsWith('.claim.ts'));

/**
 * Every claim on every code path its settings take: one setting per (model, task source file),
 * so the modular operations, which differ only in the operation, share one test (`GROK_SCALE=smoke
 * npm run claims` runs every pair).
 */
const pairs = await Promise.all(claimFiles.map(async (file) => {
  const def = (await import(`../../claims/${file}`)).default as Claim;
  const seen = new Set<string>();
  // a setting that cannot run here at all (IMDb without its data, or a setting that needs what the loop lacks) says why instead
  return (def.settings ?? ['mlp-add']).filter((name) => {
    const setting = getSetting(name);
    const path = `${setting.model} ${tasks.get(setting.task).source}`;
    if (seen.has(path) || 'undecidable' in settingAt(setting, tiny)) return false;
    seen.add(path);
    return true;
  }).map((setting) => [file, setting] as const);
}));

describe('claims decide on tiny runs', () => {
  process.env.GROK_CACHE = mkdtempSync(join(tmpdir(), 'grok-claims-'));
  // in-process: a worker pool per runAll costs each worker a module load and an import-graph pass
  // (~1–2 s), far more than a tiny run; the pool itself is tested in test/runs/pool.test.ts
  process.env.GROK_WORKERS = '1';
  const reports: ClaimReport[] = [];

  it.each(pairs.flat())('%s on %s', async (file, settingName) => {
    const def = (await import(`../../claims/${file}`)).default as Claim;
    expect(`${def.id}.claim.ts`).toBe(file);
    expect(def.undecidable?.(tiny, settingName)).toMatch(/smoke/);
    const setting = getSetting(settingName);
    const at = settingAt(setting, tiny) as SettingRun;
    const outcome = await def.decide({ scale: at.scale, setting, base: at.base, ticket: at.ticket, run: (c, label) => getRun(c, { label }), runAll: (jobs) => getRuns(jobs) });
    // the runner's own check: statements or passed, finite p-values in [0, 1], valid figures
    const checked = checkOutcome(outcome);
    expect(checked.ok ? '' : checked.problem).toBe('');
    expect(outcome.reason.length).toBeGreaterThan(10);
    for (const row of outcome.seedTable.rows) expect(row.length).toBe(outcome.seedTable.columns.length);
    reports.push({ id: def.id, setting: setting.name, settingTitle: setting.title, title: def.title, paperQuote: def.paperQuote, paperRef: def.paperRef, assertion: def.assertion, verdict: holds(outcome) ? 'reproduced' : 'not-reproduced', reason: outcome.reason, statistics: outcome.statistics, seedTable: outcome.seedTable, figures: outcome.figures, runs: [], choices: outcome.choices, scale: 'tiny' });
  }, 240_000);

  it('their outcomes render into a report with every figure', async () => {
    const out = mkdtempSync(join(tmpdir(), 'grok-report-'));
    const r = await writeReport({ generatedAt: new Date().toISOString(), environment: {}, scale: 'tiny', claims: reports }, out);
    expect(r.figureErrors.join('\n')).toBe('');
    expect(reports.length).toBe(pairs.flat().length);
  }, 120_000);
});
