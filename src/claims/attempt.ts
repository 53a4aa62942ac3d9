import { rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { currentScale, type Scale } from '../config/scale.ts';
import { getSetting, settingAt } from '../config/settings.ts';
import { parseClaimReport } from '../report/schema.ts';
import type { ClaimReport } from '../report/types.ts';
import { toJson } from '../report/write.ts';
import { getRun, type RunResult } from '../runs/execute.ts';
import { getRuns } from '../runs/pool.ts';
import { writeFileAtomic } from '../util/atomic-write.ts';
import { expectationOf, outcomeKey, sequentialDesignOf, type Claim, type ClaimContext } from './define.ts';
import { checkOutcome, judge, statementRecords, statementsOf, type ExpectedFailure } from './outcome.ts';
import { progressPrinter, suiteProgress } from './progress.ts';
import { decideSequentially } from './sequential.ts';
import { claimResultsDir, PREVIOUS_SUFFIX } from './results.ts';
import { stampOutcome } from './stamp.ts';

/**
 * One attempt at a (claim, setting): whatever happens in it leaves an outcome. Before the claim
 * runs, its stored outcome is set aside as `<key>.json.previous`, which the report shows as stale
 * unless this attempt stores a new one; so a crash, a kill or a full disk never leaves an older
 * verdict looking current. A throw (in `undecidable`, `expectedFailure` or `decide`), an outcome
 * that fails its schema, or one that cannot be serialised becomes an `error` outcome naming the
 * cause, and the test fails.
 */

export type TestResult = { status: 'pass' } | { status: 'skip'; note: string } | { status: 'fail'; message: string };

export interface Attempt {
  outcome: ClaimReport;
  file: string;
  /** The outcome is on disk (else the previous one, if any, is shown stale). */
  stored: boolean;
  test: TestResult;
}

export interface AttemptOptions {
  /** How the claim gets its runs (default: the run store and the worker pool, with progress). */
  run?: ClaimContext['run'];
  runAll?: ClaimContext['runAll'];
  /** How an outcome file is written (default: the one atomic write). */
  writeFile?: (path: string, text: string) => Promise<void>;
  /** The suite's progress file, from the claims project's global setup. */
  progressFile?: string;
}

const firstLine = (s: string) => s.split('\n')[0];

/** An error in the user's terms: its message and where it was thrown (the first frame outside node). */
function describeError(err: unknown): string {
  if (!(err instanceof Error)) return `a thrown ${typeof err}: ${String(err)}`;
  const frame = (err.stack ?? '').split('\n').slice(1).map((l) => l.trim()).find((l) => l.startsWith('at ') && !l.includes('node:'));
  return `${firstLine(err.message) || err.name}${frame ? ` (${frame})` : ''}`;
}

class AttemptError extends Error {}

/** Runs one step of the claim's own code; a throw becomes an error naming the step. */
async function step<T>(what: string, fn: () => T | Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw new AttemptError(`${what} threw: ${describeError(err)}`);
  }
}

/** The outcome file as it will be stored, validated with the outcome schema (src/report/schema.ts). */
function serialise(report: ClaimReport, where: string): string {
  const text = `${toJson(report)}\n`;
  parseClaimReport(JSON.parse(text), where);
  return text;
}

async function tryWrite(write: (p: string, t: string) => Promise<void>, file: string, text: string): Promise<string | null> {
  try {
    await write(file, text);
    return null;
  } catch (err) {
    return err instanceof Error ? firstLine(err.message) : String(err);
  }
}

/** Sets the stored outcome aside for this attempt; a rename needs no free space. Why it could not, or null. */
async function supersede(file: string): Promise<string | null> {
  try {
    await rename(file, file + PREVIOUS_SUFFIX);
    return null;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    // the verdict must not outlive an attempt that may fail: without a rename, delete it
    try {
      await rm(file, { force: true });
      return null;
    } catch (err2) {
      return `${describeError(err)}; nor could it be deleted: ${describeError(err2)}`;
    }
  }
}

export async function attemptClaim(claim: Claim, settingName: string, opts: AttemptOptions = {}): Promise<Attempt> {
  const suiteScale = currentScale();
  const setting = getSetting(settingName);
  const key = outcomeKey(claim.id, setting.name);
  const file = join(claimResultsDir(suiteScale.name), `${key}.json`);
  const where = `the outcome of ${key}`;
  const stamp = () => ({ stamp: stampOutcome(claim.id, suiteScale.name) });
  const started = Date.now();
  const runs: ClaimReport['runs'] = [];
  const base = { id: claim.id, setting: setting.name, settingTitle: setting.title, title: claim.title, paperQuote: claim.paperQuote, paperRef: claim.paperRef, ...(claim.paper ? { paper: { section: claim.paper.section, order: claim.paper.order } } : {}), assertion: claim.assertion, scale: suiteScale.name };
  const empty = { statistics: [], seedTable: { columns: [], rows: [] }, figures: [] };
  const errorOutcome = (cause: string, keepRuns = true): ClaimReport => ({ ...base, ...empty, verdict: 'error', reason: cause, runs: keepRuns ? runs : [], durationMs: Date.now() - started });
  const failed = (cause: string): TestResult => ({ status: 'fail', message: `${key}: ${cause}` });

  const setAside = await supersede(file);
  const suite = suiteProgress(opts.progressFile);
  suite.start(key);

  let report: ClaimReport;
  let test: TestResult;
  try {
    ({ report, test } = await decideOnce());
  } catch (err) {
    const cause = err instanceof AttemptError ? err.message : `the runner failed: ${describeError(err)}`;
    report = errorOutcome(cause);
    test = failed(cause);
  }

  let text: string;
  try {
    report = { ...report, ...stamp() };
    text = serialise(report, where);
  } catch (err) {
    const cause = `its outcome (${report.verdict}) cannot be stored: ${describeError(err)}`;
    report = errorOutcome(cause);
    test = failed(cause);
    text = storableError(cause);
  }
  const write = opts.writeFile ?? writeFileAtomic;
  let problem = await tryWrite(write, file, text);
  if (problem) {
    const cause = `its outcome (${report.verdict}) could not be written to ${file}: ${problem}`;
    report = errorOutcome(cause);
    const again = await tryWrite(write, file, storableError(cause));
    const previous = setAside ? `the previous outcome could not be set aside (${setAside}) and still shows as current` : `the previous outcome, if any, is kept as ${file}${PREVIOUS_SUFFIX} and shown stale`;
    test = failed(again ? `${cause}; nor could an error outcome be (${again}): ${previous}` : cause);
    problem = again;
  }
  // the new outcome is on disk: the one set aside has nothing left to say
  if (!problem) await rm(file + PREVIOUS_SUFFIX, { force: true }).catch(() => {});
  suite.finish(key, report.runs, report.durationMs ?? 0);
  return { outcome: report, file, stored: !problem, test };

  /** An error outcome's file: with its runs if they serialise, else without (it must always be writable). */
  function storableError(cause: string): string {
    try {
      return serialise({ ...errorOutcome(cause), ...stamp() }, where);
    } catch {
      return `${toJson(errorOutcome(cause, false))}\n`;
    }
  }

  async function decideOnce(): Promise<{ report: ClaimReport; test: TestResult }> {
    const at = settingAt(setting, suiteScale);
    const scale: Scale = 'undecidable' in at ? suiteScale : at.scale;
    const skipReason = 'undecidable' in at ? at.undecidable : await step('undecidable(scale, setting)', () => claim.undecidable?.(scale, settingName) ?? null);
    // a pipeline-only scale (smoke) runs the claim anyway, to prove every step short of the verdict
    if ('undecidable' in at || (skipReason && !scale.pipelineOnly)) {
      const note = `${claim.id} on ${setting.name} at ${suiteScale.name} scale: ${skipReason}`;
      return { report: { ...base, ...empty, verdict: 'skipped', reason: skipReason ?? undefined, runs, durationMs: 0 }, test: { status: 'skip', note } };
    }
    const run = at as Exclude<typeof at, { undecidable: string }>;
    // asked before any training: a broken expectation costs seconds, not the claim's runs
    const expected: ExpectedFailure | null = scale.pipelineOnly ? null : await step('expectedFailure(scale, setting)', () => expectationOf(claim, scale, settingName));
    // a pipeline-only scale decides once, on its own seeds
    const design = scale.pipelineOnly ? null : await step('seeds(scale, setting)', () => sequentialDesignOf(claim, scale, settingName));

    const progress = progressPrinter(`${claim.id} [${setting.name}]`);
    const record = (r: RunResult, label: string) => {
      // a later look of sequential seeds asks again for the earlier seeds' runs: list each once
      if (!runs.some((x) => x.key === r.key && x.label === label)) runs.push({ key: r.key, label, config: r.config, durationMs: r.meta.durationMs, cached: r.cached, backend: r.backend });
      progress.done(label, r);
      return r;
    };
    const getOne = opts.run ?? ((config, label) => getRun(config, { label, onProgress: progress }));
    const getAll = opts.runAll ?? ((jobs) => getRuns(jobs, { onProgress: progress }));
    const ctx: ClaimContext = {
      scale,
      setting,
      base: run.base,
      ticket: run.ticket,
      run: async (config, label) => record(await getOne(config, label), label),
      runAll: async (jobs) => (await getAll(jobs)).map((r, i) => record(r, jobs[i].label)),
    };
    const check = (raw: unknown) => {
      const checked = checkOutcome(raw);
      if (!checked.ok) throw new AttemptError(checked.problem);
      return checked.outcome;
    };
    const outcome = design
      ? await decideSequentially(design, ctx, (c) => step('decide', () => claim.decide(c)), check).catch((err) => {
        throw err instanceof AttemptError ? err : new AttemptError(`sequential seeds: ${describeError(err)}`);
      })
      : check(await step('decide', () => claim.decide(ctx)));
    const statements = statementsOf(outcome);
    const shown = { statistics: outcome.statistics, seedTable: outcome.seedTable, figures: outcome.figures, runs, statements: statementRecords(statements) };
    if (scale.pipelineOnly) {
      const why = `undecidable at ${suiteScale.name} scale (${skipReason ?? `${scale.epochs} epochs decide nothing`}). The pipeline ran: ${runs.length} runs, ${outcome.statistics.length} statistics, ${outcome.figures.length} figures; at this size the claim's test said: ${outcome.reason}`;
      return { report: { ...base, ...shown, verdict: 'skipped', reason: why, choices: outcome.choices, durationMs: Date.now() - started }, test: { status: 'skip', note: `${claim.id} on ${setting.name}: ${why}` } };
    }
    const j = judge(statements, expected);
    const reason = !j.note ? outcome.reason : j.verdict === 'error' ? `${j.note}. Measured: ${outcome.reason}` : `${outcome.reason} — ${j.note}`;
    const choices = [{ item: 'setting', choice: `${setting.name}: ${setting.title} (${setting.paperRef})${setting.note ? `; ${setting.note}` : ''}` }, ...(outcome.choices ?? [])];
    const report: ClaimReport = { ...base, ...shown, verdict: j.verdict, reason, choices, ...(expected ? { expectedFailure: expected } : {}), durationMs: Date.now() - started };
    return { report, test: j.ok ? { status: 'pass' } : failed(`${j.verdict}: ${reason}`) };
  }
}
