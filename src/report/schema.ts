import { z } from 'zod';
import type { ClaimReport } from './types.ts';

/**
 * A stored or merged claim outcome is input like any other: a shard's file can be stale, truncated
 * or crafted, and its strings end up in HTML. Parsed here so a verdict outside the allowed set, or
 * a missing field, is an error naming the file rather than a badge reading "undefined".
 */
const num = z.number().nullable();
const cell = z.union([z.string(), z.number(), z.null()]);
/** A stored p-value is a probability; a NaN the writer turned into null is not one (src/claims/outcome.ts rejects it first). */
const pValue = z.number().min(0).max(1);
/**
 * The claim-id rule (kebab-case: a-z, 0-9, single dashes; the claim file is claims/<id>.claim.ts),
 * as src/claims/define.ts checks it when a claim is defined: an outcome's id is a path segment and
 * a key, so "./tickets-cut-tau" must not pass as a claim of its own.
 */
export const CLAIM_ID_RE = /^[a-z0-9]+(-[a-z0-9]+)*$/;

/** A statement of a claim as stored: a stable id (what an expected failure names) and its state. */
export const statementRecordSchema = z.object({
  id: z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/),
  name: z.string(),
  state: z.enum(['holds', 'fails', 'undecided']),
  detail: z.string().optional(),
  // optional: outcomes stored before statements kept their numbers still parse
  value: num.optional(),
  pValue: pValue.optional(),
});

/** Where a claim sits in the paper: its section as printed (§3.2, App. E) and its rank in the paper's order. */
export const paperPlaceSchema = z.object({ section: z.string().min(1), order: z.number().finite() });
const settingColumnSchema = z.object({ group: z.string(), short: z.string(), order: z.number() });

export const figureSchema = z.object({
  id: z.string(),
  title: z.string(),
  caption: z.string().optional(),
  kind: z.enum(['curves', 'paired', 'bars', 'scatter', 'heatmap', 'mask']),
  data: z.array(z.record(z.string(), z.unknown())),
  encoding: z.object({ x: z.string(), y: z.string() }).catchall(z.unknown()),
  censoredNote: z.string().optional(),
}).passthrough();

/** An interval's bounds: null where censoring leaves one open; a level in (0, 1). */
export const intervalSchema = z.object({
  lo: num,
  hi: num,
  level: z.number().gt(0).lt(1),
  method: z.string().min(1),
}).refine((i) => i.lo === null || i.hi === null || !(i.lo > i.hi), 'an interval\'s lo must not exceed its hi');

/** How a ratio reads in words (types.ts EffectReading); short strings, they end up in table cells. */
export const readingSchema = z.object({
  kind: z.literal('ratio'),
  quantity: z.string().min(1).max(40),
  above: z.string().min(1).max(40).optional(),
  below: z.string().min(1).max(40).optional(),
});

export const claimReportSchema = z.object({
  id: z.string().regex(CLAIM_ID_RE, { message: 'not a claim id (kebab-case: a-z, 0-9 and single dashes, as the claim file claims/<id>.claim.ts)' }),
  title: z.string(),
  paperQuote: z.string(),
  paperRef: z.string(),
  assertion: z.string(),
  verdict: z.enum(['reproduced', 'not-reproduced', 'expected-failure', 'skipped', 'error']),
  reason: z.string().optional(),
  statistics: z.array(z.object({ name: z.string(), value: num, pValue: pValue.optional(), detail: z.string().optional(), role: z.enum(['test', 'effect', 'both']).optional(), interval: intervalSchema.optional(), reads: readingSchema.optional(), statement: z.string().optional() })),
  seedTable: z.object({ columns: z.array(z.string()), rows: z.array(z.array(cell)) }),
  figures: z.array(figureSchema),
  runs: z.array(z.object({ key: z.string(), label: z.string(), config: z.unknown(), durationMs: z.number().optional(), cached: z.boolean().optional(), backend: z.string().optional() })),
  choices: z.array(z.object({ item: z.string(), choice: z.string() })).optional(),
  scale: z.string(),
  durationMs: z.number().optional(),
  setting: z.string().optional(),
  settingTitle: z.string().optional(),
  stamp: z.object({ commit: z.string(), decidedAt: z.string(), scale: z.string(), claimCode: z.string() }).optional(),
  stale: z.string().nullable().optional(),
  statements: z.array(statementRecordSchema).optional(),
  expectedFailure: z.object({ statements: z.record(z.string(), z.enum(['fails', 'undecided'])), why: z.string() }).optional(),
  paper: paperPlaceSchema.optional(),
  settingColumn: settingColumnSchema.optional(),
});

/** The outcome in `file`, or an error naming the file and the first fields that are wrong. */
export function parseClaimReport(value: unknown, file: string): ClaimReport {
  const r = claimReportSchema.safeParse(value);
  if (r.success) return r.data as ClaimReport;
  const issues = r.error.issues.slice(0, 3).map((i) => {
    const at = i.path.join('.') || '(top level)';
    const allowed = i.code === 'invalid_value' && 'values' in i ? `; allowed: ${(i.values as unknown[]).join(', ')}` : '';
    // the value given, when short enough to quote: "statistics.0.pValue: 7 is invalid (…)"
    const given = i.path.reduce<unknown>((v, k) => (v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[k] : undefined), value);
    const quoted = given === undefined || typeof given === 'object' ? undefined : JSON.stringify(given);
    return quoted !== undefined && quoted.length <= 80 ? `${at}: ${quoted} is invalid (${i.message}${allowed})` : `${at}: ${i.message}${allowed}`;
  });
  throw new Error(`${file}: not a claim outcome (${issues.join('; ')})`);
}
