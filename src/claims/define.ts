import type { Scale } from '../config/scale.ts';
import type { RunConfig, RunConfigInput } from '../config/schema.ts';
import { getSetting, type Setting } from '../config/settings.ts';
import type { RunResult } from '../runs/execute.ts';
import type { Job } from '../runs/pool.ts';
import { checkDesign, type SequentialDesign } from '../stats/sequential.ts';
import type { PaperPlace } from '../report/types.ts';
import { checkExpectation, type ClaimOutcome, type ExpectedFailure } from './outcome.ts';

export type { ClaimOutcome, ExpectedFailure, ExpectedState } from './outcome.ts';

/**
 * The claim API. A claim file in claims/ is `export default defineClaim({...})`: a plain value that
 * creates no tests. The claims project's runner (src/claims/runner.ts, its vitest setup file) turns
 * each discovered claim file into one test per (claim, setting), and every attempt stores an
 * outcome (src/claims/attempt.ts). Nothing to register anywhere else.
 */

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
  /**
   * Set only for a claim with sequential seeds (`seeds.sequential`): which look this decision is
   * and the level its test must use there (the design's share of α). `scale.seeds` then holds the
   * look's seeds. A claim that holds with a test p-value above `alpha` is an error.
   */
  look?: { index: number; count: number; alpha: number };
}

/** How many seeds a claim uses beyond its scale's: more only while its test is undecided (src/stats/sequential.ts). */
export interface SeedPlan {
  sequential: SequentialDesign;
}

export interface ClaimDefinition {
  /** kebab-case; the file is claims/<id>.claim.ts. */
  id: string;
  title: string;
  paperQuote: string;
  paperRef: string;
  /**
   * Where the claim sits in the paper: the section as printed ('§3.2', 'App. E') and its rank in
   * the paper's order (the report lists claims by it, grouped by section). Without it the report
   * places the claim by the section its paperRef starts with, after the ranked claims.
   */
  paper?: PaperPlace;
  /** The assertion in plain words. */
  assertion: string;
  /** The settings this claim is tested on (default: mlp-add); each is its own test and verdict. */
  settings?: string[];
  /** A reason when the claim cannot be decided at this scale (it is then skipped, never passed);
   * `setting` for a claim whose test has no power on one setting's horizon. */
  undecidable?(scale: Scale, setting: string): string | null;
  /**
   * Set after reviewing the implementation when the paper's claim does not reproduce: the
   * statements expected not to hold (by id; `assertion` for a claim that returns `passed`), and
   * why in words. The test passes when exactly those statements do not hold, each in its listed
   * state; a crash, an invalid outcome, another statement failing or a listed one holding fails
   * it. No measured numbers here: the report shows the measured reason beside it. A function
   * limits it to the scales (and settings) where the failure was observed.
   */
  expectedFailure?: ExpectedFailure | ((scale: Scale, setting: string) => ExpectedFailure | null);
  /**
   * Sequential seeds: `decide` runs at each look of the design, on the first n_k seeds (the
   * scale's, then the next integers), until its claim holds at the look's level or the looks run
   * out; a function limits it to scales and settings. A pipeline-only scale decides once, on its
   * own seeds. Without it a claim uses the scale's seeds once.
   */
  seeds?: SeedPlan | ((scale: Scale, setting: string) => SeedPlan | null);
  decide(ctx: ClaimContext): Promise<ClaimOutcome>;
}

/** A defined claim: its definition, checked, with its settings filled in. */
export type Claim = Readonly<Omit<ClaimDefinition, 'settings'>> & { readonly settings: readonly string[] };

const ID_RE = /^[a-z0-9]+(-[a-z0-9]+)*$/;

/** The file name of a stored outcome, and the key of a (claim, setting) pair across reports. */
export const outcomeKey = (id: string, setting: string): string => `${id}@${setting}`;

/** Checks a claim's definition and returns it as a frozen value; it runs nothing and creates no test. */
export function defineClaim(def: ClaimDefinition): Claim {
  if (!ID_RE.test(def.id)) throw new Error(`claim id: "${def.id}" is invalid; use kebab-case (a-z, 0-9, -)`);
  if (typeof def.decide !== 'function') throw new Error(`claim "${def.id}": decide must be a function`);
  const settings = def.settings ?? ['mlp-add'];
  for (const n of settings) getSetting(n);
  if (def.expectedFailure !== undefined && typeof def.expectedFailure !== 'function') checkExpectation(def.expectedFailure, def.id);
  if (def.seeds !== undefined && typeof def.seeds !== 'function') checkSeedPlan(def.seeds, def.id);
  if (def.paper !== undefined) {
    const p = def.paper as unknown as Partial<PaperPlace> | null;
    if (!p || typeof p.section !== 'string' || !p.section.trim() || typeof p.order !== 'number' || !Number.isFinite(p.order)) {
      throw new Error(`claim "${def.id}": paper must be { section: '§3.2', order: <a number> } (the section as printed and the claim's rank in the paper), got ${JSON.stringify(def.paper)}`);
    }
  }
  return Object.freeze({ ...def, settings: Object.freeze([...settings]) });
}

/** Whether a module's default export is a claim (what the runner and the suite's plan accept). */
export const isClaim = (v: unknown): v is Claim =>
  v !== null && typeof v === 'object' && typeof (v as Claim).id === 'string' && typeof (v as Claim).decide === 'function' && Array.isArray((v as Claim).settings);

/** The expected failure of a claim on a setting at a scale, checked; null when none. */
export function expectationOf(claim: Claim, scale: Scale, setting: string): ExpectedFailure | null {
  const e = typeof claim.expectedFailure === 'function' ? claim.expectedFailure(scale, setting) : claim.expectedFailure;
  return e === null || e === undefined ? null : checkExpectation(e, claim.id);
}

/** A seed plan as written in a claim file, checked: `{ sequential: { looks, alpha, spending } }`. */
export function checkSeedPlan(raw: unknown, claimId: string): SeedPlan {
  const where = `claim "${claimId}": seeds`;
  if (raw === null || typeof raw !== 'object' || !('sequential' in raw) || Object.keys(raw).length !== 1) {
    throw new Error(`${where} must be { sequential: { looks: [n₁, n₂, …], alpha, spending } } (got ${raw === null || typeof raw !== 'object' ? String(raw) : `fields ${Object.keys(raw).join(', ') || 'none'}`})`);
  }
  return { sequential: checkDesign((raw as SeedPlan).sequential, `${where}.sequential`) };
}

/** The sequential design of a claim on a setting at a scale, checked; null when it uses the scale's seeds once. */
export function sequentialDesignOf(claim: Claim, scale: Scale, setting: string): SequentialDesign | null {
  const plan = typeof claim.seeds === 'function' ? claim.seeds(scale, setting) : claim.seeds;
  return plan === null || plan === undefined ? null : checkSeedPlan(plan, claim.id).sequential;
}
