import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { test, expect } from 'vitest';
import { currentScale, type Scale } from '../config/scale.ts';
import type { RunConfig, RunConfigInput } from '../config/schema.ts';
import type { ClaimReport, FigureInput } from '../report/types.ts';
import { getRun, type RunResult } from '../runs/execute.ts';
import { getRuns, type Job } from '../runs/pool.ts';
import { writeFileAtomic } from '../store/files.ts';
import { toJson } from '../report/write.ts';
import { claimResultsDir } from './results.ts';
import { progressPrinter } from './progress.ts';

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
  scale: Scale;
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
  /** A reason when the claim cannot be decided at this scale (it is then skipped, never passed). */
  undecidable?(scale: Scale): string | null;
  /** Set after reviewing the implementation when the paper's claim does not reproduce: the test
   * becomes `test.fails` (CI stays green and flags the day it starts to pass). Say why, with the
   * numbers. A function limits it to the scales where the failure was observed. */
  expectedFailure?: string | ((scale: Scale) => string | null);
  decide(ctx: ClaimContext): Promise<ClaimOutcome>;
}

const ID_RE = /^[a-z0-9]+(-[a-z0-9]+)*$/;

export function defineClaim(def: ClaimDefinition): ClaimDefinition {
  if (!ID_RE.test(def.id)) throw new Error(`claim id: "${def.id}" is invalid; use kebab-case (a-z, 0-9, -)`);
  const expectedFailure = typeof def.expectedFailure === 'function' ? def.expectedFailure(currentScale()) : (def.expectedFailure ?? null);
  const body = async (testCtx: { skip: (note?: string) => void }) => {
    const scale = currentScale();
    const started = Date.now();
    const runs: ClaimReport['runs'] = [];
    const base = { id: def.id, title: def.title, paperQuote: def.paperQuote, paperRef: def.paperRef, assertion: def.assertion, scale: scale.name };
    const save = (r: ClaimReport) => {
      mkdirSync(claimResultsDir(scale.name), { recursive: true });
      // statistics may be ±Infinity (a censored median): stored as null, as in results.json
      return writeFileAtomic(join(claimResultsDir(scale.name), `${def.id}.json`), `${toJson(r)}\n`);
    };

    const skipReason = def.undecidable?.(scale) ?? null;
    if (skipReason) {
      await save({ ...base, verdict: 'skipped', reason: skipReason, statistics: [], seedTable: { columns: [], rows: [] }, figures: [], runs, durationMs: 0 });
      testCtx.skip(`${def.id} at ${scale.name} scale: ${skipReason}`);
      return;
    }

    const progress = progressPrinter(def.id);
    const record = (r: RunResult, label: string) => {
      runs.push({ key: r.key, label, config: r.config, durationMs: r.meta.durationMs, cached: r.cached });
      progress.done(label, r);
      return r;
    };
    const ctx: ClaimContext = {
      scale,
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
    const verdict = outcome.passed ? 'reproduced' : expectedFailure ? 'expected-failure' : 'not-reproduced';
    const reason = expectedFailure && !outcome.passed ? `${outcome.reason} — known: ${expectedFailure}` : outcome.reason;
    await save({ ...base, verdict, reason, statistics: outcome.statistics, seedTable: outcome.seedTable, figures: outcome.figures, runs, choices: outcome.choices, durationMs: Date.now() - started });
    expect(outcome.passed, `${def.id} not reproduced: ${outcome.reason}`).toBe(true);
  };
  // unit tests import claim files to exercise `decide` on tiny runs without registering the claim
  if ((globalThis as { __GROK_DEFINE_ONLY__?: boolean }).__GROK_DEFINE_ONLY__) return def;
  const name = `${def.id}: ${def.title}`;
  if (expectedFailure) test.fails(name, body);
  else test(name, body);
  return def;
}
