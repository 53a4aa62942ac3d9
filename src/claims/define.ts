import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, inject, test } from 'vitest';
import { currentScale, type Scale } from '../config/scale.ts';
import type { RunConfig, RunConfigInput } from '../config/schema.ts';
import { getSetting, selectedSettings, settingAt, type Setting } from '../config/settings.ts';
import type { ClaimReport, FigureInput } from '../report/types.ts';
import { getRun, type RunResult } from '../runs/execute.ts';
import { getRuns, type Job } from '../runs/pool.ts';
import { writeFileAtomic } from '../store/files.ts';
import { toJson } from '../report/write.ts';
import { claimResultsDir } from './results.ts';
import { progressPrinter, suiteProgress } from './progress.ts';
import { stampOutcome } from './stamp.ts';

/**
 * The claim API. A claim file in claims/ calls `defineClaim` once; vitest discovers the file, the
 * test trains (or reuses from the store) the runs it asks for, decides the claim with its
 * statistic, and leaves a ClaimReport for the report. Nothing to register anywhere else.
 */

export interface ClaimOutcome {
  /** The assertion held. */
  passed: boolean;
  /** Why, with the numbers: shown in the report and as the test's failure message. */
  reason: string;
  statistics: ClaimReport['statistics'];
  seedTable: ClaimReport['seedTable'];
  figures: FigureInput[];
  choices?: ClaimReport['choices'];
}

export interface ClaimContext {
  /** The scale as this setting trains at it (a setting may train longer or on fewer seeds). */
  scale: Scale;
  setting: Setting;
  /** The setting's dense base run of one seed at this scale. */
  base(seed: number): RunConfigInput;
  /** The setting's grokking ticket of a dense run (its horizon and empty-layer rule at this scale). */
  ticket(dense: RunConfig, keepFraction: number): RunConfig;
  /** Gets a run from the store or trains it, with progress; recorded in the report. */
  run(config: RunConfig | RunConfigInput, label: string): Promise<RunResult>;
  /** Several independent runs at once (one per core); results in the order asked. Ask for base
   * runs before the runs derived from them, so no worker waits on another's lock. */
  runAll(jobs: Job[]): Promise<RunResult[]>;
}

export interface ClaimDefinition {
  /** kebab-case; the file is claims/<id>.claim.ts. */
  id: string;
  title: string;
  paperQuote: string;
  paperRef: string;
  /** The assertion in plain words. */
  assertion: string;
  /** The settings this claim is tested on (default: mlp-add); each is its own test and verdict. */
  settings?: string[];
  /** A reason when the claim cannot be decided at this scale (it is then skipped, never passed);
   * `setting` for a claim whose test has no power on one setting's horizon. */
  undecidable?(scale: Scale, setting: string): string | null;
  /** Set after reviewing the implementation when the paper's claim does not reproduce: the test
   * becomes `test.fails` (CI stays green and flags the day it starts to pass). Say why, with the
   * numbers. A function limits it to the scales (and settings) where the failure was observed. */
  expectedFailure?: string | ((scale: Scale, setting: string) => string | null);
  decide(ctx: ClaimContext): Promise<ClaimOutcome>;
}

const ID_RE = /^[a-z0-9]+(-[a-z0-9]+)*$/;

/** The file name of a stored outcome, and the key of a (claim, setting) pair across reports. */
export const outcomeKey = (id: string, setting: string): string => `${id}@${setting}`;

export function defineClaim(def: ClaimDefinition): ClaimDefinition {
  if (!ID_RE.test(def.id)) throw new Error(`claim id: "${def.id}" is invalid; use kebab-case (a-z, 0-9, -)`);
  const settingNames = def.settings ?? ['mlp-add'];
  for (const n of settingNames) getSetting(n);
  const bodyFor = (settingName: string) => async (testCtx: { skip: (note?: string) => void }) => {
    const suiteScale = currentScale();
    const setting = getSetting(settingName);
    const at = settingAt(setting, suiteScale);
    const scale = 'undecidable' in at ? suiteScale : at.scale;
    const expectedFailure = typeof def.expectedFailure === 'function' ? def.expectedFailure(scale, settingName) : (def.expectedFailure ?? null);
    const started = Date.now();
    const runs: ClaimReport['runs'] = [];
    const base = { id: def.id, setting: setting.name, settingTitle: setting.title, title: def.title, paperQuote: def.paperQuote, paperRef: def.paperRef, assertion: def.assertion, scale: suiteScale.name };
    const suite = suiteProgress(inject('grokSuiteProgress'));
    suite.start(outcomeKey(def.id, setting.name));
    const save = (r: ClaimReport) => {
      r = { ...r, stamp: stampOutcome(def.id, suiteScale.name) };
      suite.finish(outcomeKey(def.id, setting.name), r.runs, r.durationMs ?? 0);
      mkdirSync(claimResultsDir(suiteScale.name), { recursive: true });
      // statistics may be ±Infinity (a censored median): stored as null, as in results.json
      return writeFileAtomic(join(claimResultsDir(suiteScale.name), `${outcomeKey(def.id, setting.name)}.json`), `${toJson(r)}\n`);
    };

    const skipReason = 'undecidable' in at ? at.undecidable : (def.undecidable?.(scale, settingName) ?? null);
    // a pipeline-only scale (smoke) runs the claim anyway, to prove every step short of the verdict
    if ('undecidable' in at || (skipReason && !scale.pipelineOnly)) {
      await save({ ...base, verdict: 'skipped', reason: skipReason ?? undefined, statistics: [], seedTable: { columns: [], rows: [] }, figures: [], runs, durationMs: 0 });
      testCtx.skip(`${def.id} on ${setting.name} at ${suiteScale.name} scale: ${skipReason}`);
      return;
    }
    const run = at as Exclude<typeof at, { undecidable: string }>;

    const progress = progressPrinter(`${def.id} [${setting.name}]`);
    const record = (r: RunResult, label: string) => {
      runs.push({ key: r.key, label, config: r.config, durationMs: r.meta.durationMs, cached: r.cached, backend: r.backend });
      progress.done(label, r);
      return r;
    };
    const ctx: ClaimContext = {
      scale,
      setting,
      base: run.base,
      ticket: run.ticket,
      run: async (config, label) => record(await getRun(config, { label, onProgress: progress }), label),
      runAll: async (jobs) => (await getRuns(jobs, { onProgress: progress })).map((r, i) => record(r, jobs[i].label)),
    };
    let outcome: ClaimOutcome;
    try {
      outcome = await def.decide(ctx);
    } catch (err) {
      await save({ ...base, verdict: 'error', reason: err instanceof Error ? err.message : String(err), statistics: [], seedTable: { columns: [], rows: [] }, figures: [], runs, durationMs: Date.now() - started });
      throw err;
    }
    if (scale.pipelineOnly) {
      const why = `undecidable at ${suiteScale.name} scale (${skipReason ?? `${scale.epochs} epochs decide nothing`}). The pipeline ran: ${runs.length} runs, ${outcome.statistics.length} statistics, ${outcome.figures.length} figures; at this size the claim's test said: ${outcome.reason}`;
      await save({ ...base, verdict: 'skipped', reason: why, statistics: outcome.statistics, seedTable: outcome.seedTable, figures: outcome.figures, runs, choices: outcome.choices, durationMs: Date.now() - started });
      testCtx.skip(`${def.id} on ${setting.name}: ${why}`);
      return;
    }
    const verdict = outcome.passed ? 'reproduced' : expectedFailure ? 'expected-failure' : 'not-reproduced';
    const reason = expectedFailure && !outcome.passed ? `${outcome.reason} — known: ${expectedFailure}` : outcome.reason;
    const choices = [{ item: 'setting', choice: `${setting.name}: ${setting.title} (${setting.paperRef})${setting.note ? `; ${setting.note}` : ''}` }, ...(outcome.choices ?? [])];
    await save({ ...base, verdict, reason, statistics: outcome.statistics, seedTable: outcome.seedTable, figures: outcome.figures, runs, choices, durationMs: Date.now() - started });
    expect(outcome.passed, `${def.id} on ${setting.name} not reproduced: ${outcome.reason}`).toBe(true);
  };
  // unit tests import claim files to exercise `decide` on tiny runs without registering the claim
  if ((globalThis as { __GROK_DEFINE_ONLY__?: boolean }).__GROK_DEFINE_ONLY__) return def;
  const selected = selectedSettings();
  const scale = currentScale();
  // vitest fails a file without tests: a claim GROK_SETTINGS leaves out is a skipped test, no outcome
  if (selected && !settingNames.some((n) => selected.has(n))) test.skip(`${def.id}: none of its settings (${settingNames.join(', ')}) is in GROK_SETTINGS`, () => {});
  for (const settingName of settingNames) {
    if (selected && !selected.has(settingName)) continue;
    const at = settingAt(getSetting(settingName), scale);
    const expectedFailure = 'undecidable' in at || at.scale.pipelineOnly ? null : typeof def.expectedFailure === 'function' ? def.expectedFailure(at.scale, settingName) : (def.expectedFailure ?? null);
    const name = `${def.id} [${settingName}]: ${def.title}`;
    if (expectedFailure) test.fails(name, bodyFor(settingName));
    else test(name, bodyFor(settingName));
  }
  return def;
}
