import { z } from 'zod';
import { figureSchema, intervalSchema, readingSchema, statementRecordSchema } from '../report/schema.ts';
import type { ClaimReport, Verdict } from '../report/types.ts';
import { allHold, type Statement, type StatementState } from './statements.ts';

/**
 * What a claim's `decide` returns, checked before anything is stored, and the verdict the runner
 * derives from it. A claim never states its verdict: it reports statements (holds / fails /
 * undecided, src/claims/statements.ts), or `passed` for a claim that is one statement, and the
 * verdict follows from those and the claim's expected failure, if any. So a string "false", a
 * NaN p-value or an expected failure that crashed cannot turn into a green test or a stored
 * "reproduced".
 */

/** The id of the one statement of a claim that returns `passed` instead of statements. */
export const ASSERTION = 'assertion';
export const STATEMENT_ID_RE = /^[a-z0-9]+(-[a-z0-9]+)*$/;

export interface ClaimOutcome {
  /** The claim's statements, each decided on its own; the claim holds when every one holds. */
  statements?: Statement[];
  /** For a claim that is one statement (its id is `assertion`): whether it held. Give this or `statements`. */
  passed?: boolean;
  /** Why, with the measured numbers: shown in the report and as the failing test's message. */
  reason: string;
  statistics: ClaimReport['statistics'];
  seedTable: ClaimReport['seedTable'];
  figures: ClaimReport['figures'];
  choices?: ClaimReport['choices'];
}

export type ExpectedState = Exclude<StatementState, 'holds'>;

/**
 * A reviewed failure: the statements expected not to hold, each with the state it is expected in
 * (every statement not listed must hold), and why in words. The numbers belong to the measurement,
 * which the report shows beside it: none are typed here.
 */
export interface ExpectedFailure {
  statements: Record<string, ExpectedState>;
  why: string;
}

const anyNumber = z.custom<number>((v) => typeof v === 'number', 'expected a number');
/** NaN, ±Infinity (a censored median) and null are shown as "—"; a p-value has no such escape. */
const pValue = z.custom<number>((v) => typeof v === 'number' && v >= 0 && v <= 1, 'a p-value must be a number in [0, 1]');
const cell = z.union([z.string(), anyNumber, z.null()]);

const statementSchema = z.object({
  id: z.string().regex(STATEMENT_ID_RE, 'a statement id is kebab-case (a-z, 0-9, -)'),
  name: z.string().min(1),
  state: z.enum(['holds', 'fails', 'undecided']),
  value: z.union([anyNumber, z.null()]),
  pValue: pValue.optional(),
  detail: z.string(),
});

const outcomeSchema = z.object({
  statements: z.array(statementSchema).min(1, 'a claim makes at least one statement').optional(),
  passed: z.boolean().optional(),
  reason: z.string().min(1, 'a reason is required'),
  statistics: z.array(z.object({ name: z.string(), value: z.union([anyNumber, z.null()]), pValue: pValue.optional(), detail: z.string().optional(), role: z.enum(['test', 'effect', 'both']).optional(), interval: intervalSchema.optional(), reads: readingSchema.optional(), statement: z.string().optional() })),
  seedTable: z.object({ columns: z.array(z.string()), rows: z.array(z.array(cell)) }),
  figures: z.array(figureSchema),
  choices: z.array(z.object({ item: z.string(), choice: z.string() })).optional(),
}).superRefine((o, ctx) => {
  if ((o.statements === undefined) === (o.passed === undefined)) {
    ctx.addIssue({ code: 'custom', path: [], message: 'give either `statements` or `passed` (a claim that is one statement), not both or neither' });
  }
  const seen = new Set<string>();
  for (const [i, s] of (o.statements ?? []).entries()) {
    if (seen.has(s.id)) ctx.addIssue({ code: 'custom', path: ['statements', i, 'id'], message: `statement id "${s.id}" appears twice` });
    seen.add(s.id);
  }
});

const describe = (v: unknown): string => {
  if (v === undefined) return 'undefined';
  if (typeof v === 'number' || typeof v === 'boolean' || v === null) return String(v);
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  return Array.isArray(v) ? 'an array' : typeof v;
};

/** "statistics[2] ("Pearson r").pValue": the path, with the name (or id) of the statistic, statement or figure it is in. */
function where(root: unknown, path: PropertyKey[]): { at: string; value: unknown } {
  let at = '';
  let node: unknown = root;
  for (const key of path) {
    node = node !== null && typeof node === 'object' ? (node as Record<PropertyKey, unknown>)[key as string] : undefined;
    at += typeof key === 'number' ? `[${key}]` : `${at ? '.' : ''}${String(key)}`;
    const named = node as { name?: unknown; id?: unknown } | null;
    const name = typeof named?.name === 'string' ? named.name : named?.id;
    if (typeof key === 'number' && node && typeof node === 'object' && typeof name === 'string') at += ` ("${name.length > 60 ? `${name.slice(0, 60)}…` : name}")`;
  }
  return { at: at || '(the outcome)', value: node };
}

/** The outcome `decide` returned, or what is wrong with it (the first few fields, each with its value). */
export function checkOutcome(raw: unknown): { ok: true; outcome: ClaimOutcome } | { ok: false; problem: string } {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return { ok: false, problem: `decide returned ${describe(raw)}, not an outcome object` };
  const r = outcomeSchema.safeParse(raw);
  if (r.success) return { ok: true, outcome: r.data as ClaimOutcome };
  const issues = r.error.issues.slice(0, 3).map((i) => {
    const { at, value } = where(raw, i.path);
    return `${at}: ${i.message}${i.path.length ? `, got ${describe(value)}` : ''}`;
  });
  return { ok: false, problem: `decide returned an invalid outcome: ${issues.join('; ')}${r.error.issues.length > 3 ? ` (and ${r.error.issues.length - 3} more)` : ''}` };
}

const expectationSchema = z.object({
  statements: z.record(z.string().regex(STATEMENT_ID_RE, 'a statement id is kebab-case (a-z, 0-9, -)'), z.enum(['fails', 'undecided'])).refine((s) => Object.keys(s).length > 0, 'name at least one statement expected to fail'),
  why: z.string().min(1, 'say why, in words'),
}).strict();

/** An expected failure as written in a claim file, or an error saying what is wrong with it. */
export function checkExpectation(raw: unknown, claimId: string): ExpectedFailure {
  const r = expectationSchema.safeParse(raw);
  if (r.success) return r.data;
  const issues = r.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(top level)'}: ${i.message}`);
  throw new Error(`claim "${claimId}": expectedFailure must be { statements: { <statement id>: 'fails' | 'undecided', … }, why: '…' } (${issues.join('; ')})`);
}

/** The statements an outcome makes: its own, or the one `assertion` of a claim that returned `passed`. */
export function statementsOf(o: ClaimOutcome): Statement[] {
  return o.statements ?? [{ id: ASSERTION, name: 'the assertion', state: o.passed ? 'holds' : 'fails', value: null, detail: '' }];
}

/** Whether the claim held: every statement it makes holds. */
export const holds = (o: ClaimOutcome): boolean => allHold(statementsOf(o));

export interface Judgement {
  verdict: Extract<Verdict, 'reproduced' | 'not-reproduced' | 'expected-failure' | 'error'>;
  /** The test passes: reproduced without an expectation, or exactly the expected failure. */
  ok: boolean;
  /** What the report adds to the measured reason (the expectation and how the outcome met it), or ''. */
  note: string;
}

const fmtExpected = (e: ExpectedFailure) => Object.entries(e.statements).map(([id, state]) => `${id} ${state}`).join(', ');

/**
 * The verdict of a decided outcome. With an expected failure the test passes only when the
 * statements that do not hold are exactly the ones listed, each in its listed state: another
 * statement failing, or a listed one holding, is a change to look at, so the test fails then.
 */
export function judge(statements: Statement[], expected: ExpectedFailure | null): Judgement {
  const notHolding = statements.filter((s) => s.state !== 'holds');
  const measured: Judgement['verdict'] = notHolding.length ? 'not-reproduced' : 'reproduced';
  if (!expected) return { verdict: measured, ok: measured === 'reproduced', note: '' };
  const unknown = Object.keys(expected.statements).filter((id) => !statements.some((s) => s.id === id));
  if (unknown.length) {
    return {
      verdict: 'error', ok: false,
      note: `expectedFailure names ${unknown.map((id) => `"${id}"`).join(', ')}, which the outcome does not have (its statements: ${statements.map((s) => s.id).join(', ')})`,
    };
  }
  const surprises = statements.filter((s) => s.state !== (expected.statements[s.id] ?? 'holds')).map((s) => `${s.id} ${s.state}, expected ${expected.statements[s.id] ?? 'holds'}`);
  if (!surprises.length) return { verdict: 'expected-failure', ok: true, note: `known (expected: ${fmtExpected(expected)}): ${expected.why}` };
  const advice = measured === 'reproduced' ? '; the claim now reproduces: remove its expectedFailure' : '';
  return { verdict: measured, ok: false, note: `not the known failure (${surprises.join('; ')})${advice}. Known: ${expected.why}` };
}

/**
 * The statements as stored in an outcome: stable ids with their state, and the number and p-value
 * that decided each, so the report shows a failed verdict beside the statement that failed it.
 */
export const statementRecords = (statements: Statement[]): z.infer<typeof statementRecordSchema>[] =>
  statements.map((s) => ({
    id: s.id, name: s.name, state: s.state, ...(s.detail ? { detail: s.detail } : {}),
    ...(s.value !== null ? { value: s.value } : {}), ...(s.pValue !== undefined ? { pValue: s.pValue } : {}),
  }));
