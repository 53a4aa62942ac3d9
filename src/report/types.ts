/**
 * The report's input contract. Claims (src/claims/) produce one ClaimReport each; the report writer
 * (write.ts) turns a ReportInput into index.html, summary.md, results.json and per-figure files.
 * Fields marked "added" are optional extensions beyond the original contract.
 */

export type Verdict = 'reproduced' | 'not-reproduced' | 'expected-failure' | 'skipped' | 'error';
// reproduced: every statement held. not-reproduced: one did not. expected-failure: exactly the statements
// a review listed did not hold (report shows "not reproduced (known)"). skipped: undecidable at this scale
// (reason given). error: the attempt did not produce a valid outcome (the reason names the cause).

export interface SeriesPoint { series: string; seed: number; x: number; y: number | null } // y null/NaN allowed

export interface FigureInput {
  id: string; title: string; caption?: string;
  kind: 'curves' | 'paired' | 'bars' | 'scatter' | 'heatmap' | 'mask';
  // curves: y vs x per series (and seed), x axis may be log (xScale:'log'); paired: one point per seed per arm with lines joining a seed's arms;
  // bars: category/value with optional error; scatter: x/y points; heatmap: matrix; mask: runs of kept entries of a 0/1 matrix (spec-mask.ts)
  data: Record<string, unknown>[]; // rows; field names given below
  // A row with `censored: true` (curves, paired, scatter) is only known to lie above its y (a milestone
  // never reached: y is its horizon or bound, or null when it has none): it is drawn there with its own
  // mark and legend entry, and a curves median ranks it worst, as the claims' tables do. Every summary
  // a figure draws is computed in TypeScript (specs.ts), never by a Vega-Lite aggregate over the rows.
  encoding: {
    x: string; y: string; color?: string; detail?: string; xTitle?: string; yTitle?: string;
    xScale?: 'linear' | 'log' | 'symlog'; yScale?: 'linear' | 'log' | 'symlog'; facet?: string;
    /** added: legend title (defaults to the colour field's name). */
    colorTitle?: string;
    /** added, bars: field holding a symmetric error (bar ± error). */
    yError?: string;
    /** added, bars: fields holding an explicit interval (e.g. a 95 % CI); wins over yError. */
    yLow?: string; yHigh?: string;
    /** added, curves: a fixed y domain, e.g. [0, 1] for accuracies (comparable across figures). */
    yDomain?: [number, number];
    /** added, curves: a field drawn as the line's dash pattern, e.g. train solid vs test dashed. */
    dash?: string; dashTitle?: string;
    /** added, mask: the field holding a run's end (exclusive; default 'end'). */
    x2?: string;
  };
  censoredNote?: string; // e.g. "▲ = never reached within 8000 epochs"
  /** added, curves: epochs marked by a vertical rule and a label, e.g. t_mem and t_gen (of one arm: `series`, its colour value). */
  milestones?: { x: number; label: string; series?: string }[];
}

export interface ClaimReport {
  id: string;               // e.g. 'tickets-cut-tau'
  title: string;            // short
  paperQuote: string;       // the claim in the paper's words
  paperRef: string;         // e.g. '§3.2, Fig. 1 and Fig. 2a'
  assertion: string;        // the assertion in plain words, e.g. 'one-sided Wilcoxon signed-rank p ≤ 0.05 and median τ_dense/τ_ticket ≥ 2'
  verdict: Verdict; reason?: string;
  statistics: Statistic[];
  seedTable: { columns: string[]; rows: (string | number | null)[][] };
  figures: FigureInput[];
  /** backend (added): the backend id the run was keyed with, so staleness can recompute its key. */
  runs: { key: string; label: string; config: unknown; durationMs?: number; cached?: boolean; backend?: string }[];
  choices?: { item: string; choice: string }[];   // paper-vs-code decisions used by this claim
  scale: string; durationMs?: number;
  /** added: the setting (task × model × hyperparameters) this outcome is for; one claim has one per setting. */
  setting?: string; settingTitle?: string;
  /** added: where the outcome came from, so an outcome of older code is never shown as current. */
  stamp?: OutcomeStamp;
  /** added by the report builder: why this outcome no longer matches the code (null/absent = current). */
  stale?: string | null;
  /**
   * added: the claim's statements, by stable id, as decided (one `assertion` for a single-statement
   * claim), each with the number and p-value that decided it where it has them (outcomes stored
   * before these were kept have neither).
   */
  statements?: StatementRecord[];
  /** added: where the claim sits in the paper (its section, and its rank in the paper's order), from its definition. */
  paper?: PaperPlace;
  /** added by the report builder: the setting's column in the matrix (from src/config/settings.ts). */
  settingColumn?: SettingColumn;
  /** added: the reviewed failure this outcome was judged against: the statements expected not to hold, and why. */
  expectedFailure?: { statements: Record<string, 'fails' | 'undecided'>; why: string };
}

export interface StatementRecord {
  id: string; name: string; state: 'holds' | 'fails' | 'undecided'; detail?: string;
  /** The statement's measured value (null where it has none or it was not finite). */
  value?: number | null;
  pValue?: number;
}

/** e.g. { section: '§3.2', order: 2 }: the report lists claims by `order`, grouped by `section`. */
export interface PaperPlace { section: string; order: number }

/** A setting's place among the matrix's columns: its group, short header and rank. */
export interface SettingColumn { group: string; short: string; order: number }

/**
 * A statistic a claim reports. role (added): 'test' is a decision statistic with its p-value,
 * 'effect' the effect size; the summary table shows the test with the largest p (it decides the
 * verdict) and the effect.
 */
export interface Statistic {
  name: string; value: number | null; pValue?: number | null; detail?: string; role?: 'test' | 'effect' | 'both';
  /** added: the effect's interval over seeds (a bound is null where censoring leaves it open). */
  interval?: StatisticInterval;
  /** added: how the value reads in words (a ratio: "τ 38× shorter"); absent, it is a plain number. */
  reads?: EffectReading;
  /** added: the id of the statement this statistic decides, so a failed verdict shows the failing statement's number. */
  statement?: string;
}

/**
 * A ratio effect in words: a value r ≥ 1 reads "<quantity> r× <above>", a value r < 1 reads
 * "<quantity> (1/r)× <below>", e.g. τ_dense/τ_ticket = 38 with { quantity: 'τ', above: 'shorter',
 * below: 'longer' } reads "τ 38× shorter". Without the words it reads "<quantity> r×".
 */
export interface EffectReading {
  kind: 'ratio';
  quantity: string;
  above?: string;
  below?: string;
}

export interface StatisticInterval {
  lo: number | null; hi: number | null;
  /** e.g. 0.95 */
  level: number;
  /** how it was computed, in words, e.g. "exact Wilcoxon signed-rank interval of the Hodges–Lehmann estimate" */
  method: string;
}

export interface OutcomeStamp {
  /** git commit of the code that decided it ("unknown" outside a checkout). */
  commit: string;
  decidedAt: string;
  scale: string;
  /** Fingerprint of the claim's own code (its file, the claim API, statistics, settings). */
  claimCode: string;
}

/** results.json's format; bumped on any change a reader of the file would notice. */
export const RESULTS_SCHEMA_VERSION = 2;

export interface ReportInput {
  generatedAt: string; environment: Record<string, string>; scale: string; claims: ClaimReport[]; schemaVersion?: number;
  /** added: (claim, setting) pairs of the suite with no outcome in a merged report, and why. */
  undecided?: UndecidedPair[];
  /** added: the shards a merged report came from, each with the environment it recorded. */
  shards?: ShardRecord[];
  /**
   * added: the verdicts of every deciding scale the store holds outcomes for, this report's
   * included, in the scales' order; only when there are several (src/report/matrix.ts shows them side by side).
   */
  byScale?: ScaleVerdicts[];
}

export interface UndecidedPair { id: string; setting: string; reason: string }

/** One scale's verdicts beside the report's own, for the side-by-side view (src/report/matrix.ts). */
export interface ScaleVerdicts {
  scale: string;
  verdicts: Pick<ClaimReport, 'id' | 'setting' | 'settingTitle' | 'settingColumn' | 'title' | 'paper' | 'paperRef' | 'verdict' | 'stale'>[];
}

export interface ShardRecord {
  /** The folder's name (the artifact's, on CI). */
  name: string;
  /** Outcomes it held. */
  outcomes: number;
  /** Its environment.json (`grok info --json` on the shard): backend, device, GPU, …; null when absent. */
  environment: Record<string, string> | null;
  /** What is wrong with it (missing, no environment record, no outcomes), or null. */
  problem: string | null;
}

/** One outcome per (claim, setting): the key that names it across shards and reports. */
export const claimKey = (c: Pick<ClaimReport, 'id' | 'setting'>): string => (c.setting ? `${c.id}@${c.setting}` : c.id);
