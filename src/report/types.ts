/**
 * The report's input contract. Claims (src/claims/) produce one ClaimReport each; the report writer
 * (write.ts) turns a ReportInput into index.html, summary.md, results.json and per-figure files.
 * Fields marked "added" are optional extensions beyond the original contract.
 */

export type Verdict = 'reproduced' | 'not-reproduced' | 'expected-failure' | 'skipped' | 'error';
// reproduced: assertion passed. not-reproduced: assertion failed. expected-failure: not reproduced and
// marked test.fails after review (report shows "not reproduced (known)"). skipped: undecidable at this scale (reason given).

export interface SeriesPoint { series: string; seed: number; x: number; y: number | null } // y null/NaN allowed

export interface FigureInput {
  id: string; title: string; caption?: string;
  kind: 'curves' | 'paired' | 'bars' | 'scatter' | 'heatmap';
  // curves: y vs x per series (and seed), x axis may be log (xScale:'log'); paired: one point per seed per arm with lines joining a seed's arms;
  // bars: category/value with optional error; scatter: x/y points; heatmap: matrix
  data: Record<string, unknown>[]; // rows; field names given below
  encoding: {
    x: string; y: string; color?: string; detail?: string; xTitle?: string; yTitle?: string;
    xScale?: 'linear' | 'log' | 'symlog'; yScale?: 'linear' | 'log' | 'symlog'; facet?: string;
    /** added: legend title (defaults to the colour field's name). */
    colorTitle?: string;
    /** added, bars: field holding a symmetric error (bar ± error). */
    yError?: string;
    /** added, bars: fields holding an explicit interval (e.g. a 95 % CI); wins over yError. */
    yLow?: string; yHigh?: string;
  };
  censoredNote?: string; // e.g. "▲ = never reached within 8000 epochs"
}

export interface ClaimReport {
  id: string;               // e.g. 'tickets-cut-tau'
  title: string;            // short
  paperQuote: string;       // the claim in the paper's words
  paperRef: string;         // e.g. '§3.2, Fig. 1 and Fig. 2a'
  assertion: string;        // the assertion in plain words, e.g. 'one-sided Wilcoxon signed-rank p ≤ 0.05 and median τ_dense/τ_ticket ≥ 2'
  verdict: Verdict; reason?: string;
  statistics: { name: string; value: number | null; pValue?: number | null; detail?: string }[];
  seedTable: { columns: string[]; rows: (string | number | null)[][] };
  figures: FigureInput[];
  runs: { key: string; label: string; config: unknown; durationMs?: number; cached?: boolean }[];
  choices?: { item: string; choice: string }[];   // paper-vs-code decisions used by this claim
  scale: string; durationMs?: number;
  /** added: the setting (task × model × hyperparameters) this outcome is for; one claim has one per setting. */
  setting?: string; settingTitle?: string;
}

export interface ReportInput { generatedAt: string; environment: Record<string, string>; scale: string; claims: ClaimReport[] }

/** One outcome per (claim, setting): the key that names it across shards and reports. */
export const claimKey = (c: Pick<ClaimReport, 'id' | 'setting'>): string => (c.setting ? `${c.id}@${c.setting}` : c.id);
