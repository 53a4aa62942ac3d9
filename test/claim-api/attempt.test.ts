import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { attemptClaim, type AttemptOptions } from '../../src/claims/attempt.ts';
import { reportInput } from '../../src/claims/build-report.ts';
import { defineClaim, type ClaimDefinition, type ClaimOutcome } from '../../src/claims/define.ts';
import { checkOutcome, judge } from '../../src/claims/outcome.ts';
import { claimResultsDir, readClaimResults } from '../../src/claims/results.ts';
import type { Statement } from '../../src/claims/statements.ts';
import { writeFileAtomic } from '../../src/util/atomic-write.ts';
import { claimsSandbox } from '../helpers/claims-sandbox.ts';

/**
 * Every attempt at a (claim, setting) leaves an outcome that tells the truth: whatever the claim's
 * code does, the stored outcome is replaced by one this attempt decided, or by an error naming the
 * cause; and where not even that can be written, the old one is shown stale. Fake claims, no training.
 */

const claimsDir = claimsSandbox('grok-attempt-');

const good = (extra: Partial<ClaimOutcome> = {}): ClaimOutcome => ({
  passed: true, reason: 'measured: 5/5 seeds', statistics: [{ name: 'seeds', value: 5, pValue: 0.03 }], seedTable: { columns: ['seed'], rows: [[0]] }, figures: [], ...extra,
});

/** A claim whose file exists (the report shows only claims with a file), deciding with `decide`. */
function probe(id: string, decide: ClaimDefinition['decide'], extra: Partial<ClaimDefinition> = {}) {
  writeFileSync(join(claimsDir(), `${id}.claim.ts`), `// ${id}\n`);
  return defineClaim({ id, title: id, paperQuote: 'q', paperRef: 'r', assertion: 'a', decide, ...extra });
}

const stored = (id: string) => JSON.parse(readFileSync(join(claimResultsDir('ci'), `${id}@mlp-add.json`), 'utf8')) as { verdict: string; reason: string; statistics: { pValue?: number }[] };
const shown = async (id: string) => (await reportInput('ci')).claims.find((c) => c.id === id)!;

/** Stores a reproduced outcome, then reruns the claim broken in one way: the verdict must not survive. */
async function rerunBroken(id: string, broken: Partial<ClaimDefinition>, opts: AttemptOptions = {}) {
  const first = await attemptClaim(probe(id, async () => good()), 'mlp-add');
  expect([first.outcome.verdict, first.test.status, first.stored]).toEqual(['reproduced', 'pass', true]);
  expect((await shown(id)).verdict).toBe('reproduced');
  return attemptClaim(probe(id, async () => good(), broken), 'mlp-add', opts);
}

describe('a rerun that goes wrong replaces the stored verdict with an error naming the cause', () => {
  it('undecidable() throws', async () => {
    const a = await rerunBroken('probe-undecidable', { undecidable: () => { throw new Error('no scale table'); } });
    expect(a.test).toMatchObject({ status: 'fail', message: expect.stringMatching(/undecidable\(scale, setting\) threw: no scale table/) });
    expect(stored('probe-undecidable')).toMatchObject({ verdict: 'error', reason: expect.stringMatching(/^undecidable\(scale, setting\) threw: no scale table/) });
    expect(await shown('probe-undecidable')).toMatchObject({ verdict: 'error', stale: null });
  });

  it('decide() returns undefined', async () => {
    const a = await rerunBroken('probe-undefined', { decide: async () => undefined as unknown as ClaimOutcome });
    expect(a.test.status).toBe('fail');
    expect(stored('probe-undefined')).toMatchObject({ verdict: 'error', reason: 'decide returned undefined, not an outcome object' });
  });

  it('the outcome cannot be serialised', async () => {
    const big = { id: 'f', title: 'f', kind: 'curves' as const, data: [{ x: 10n }], encoding: { x: 'x', y: 'y' } };
    const a = await rerunBroken('probe-bigint', { decide: async () => good({ figures: [big] }) });
    expect(a.test.status).toBe('fail');
    expect(stored('probe-bigint')).toMatchObject({ verdict: 'error', reason: expect.stringMatching(/^its outcome \(reproduced\) cannot be stored: .*BigInt/) });
  });

  it('the outcome fails the stored schema (a figure kind no renderer knows)', async () => {
    const bad = { id: 'f', title: 'f', kind: 'pie', data: [], encoding: { x: 'x', y: 'y' } } as unknown as ClaimOutcome['figures'][number];
    await rerunBroken('probe-figure', { decide: async () => good({ figures: [bad] }) });
    expect(stored('probe-figure')).toMatchObject({ verdict: 'error', reason: expect.stringMatching(/figures\[0\] \("f"\)\.kind: .*got "pie"/) });
  });

  it('`passed` is the string "false"', async () => {
    await rerunBroken('probe-string', { decide: async () => good({ passed: 'false' as unknown as boolean }) });
    expect(stored('probe-string')).toMatchObject({ verdict: 'error', reason: expect.stringMatching(/passed: .*boolean.*got "false"/) });
  });

  it('`passed: true` with a NaN p-value', async () => {
    await rerunBroken('probe-nan', { decide: async () => good({ statistics: [{ name: 'Wilcoxon on t_gen', value: 1, pValue: Number.NaN }] }) });
    const s = stored('probe-nan');
    expect(s).toMatchObject({ verdict: 'error', reason: expect.stringMatching(/statistics\[0\] \("Wilcoxon on t_gen"\)\.pValue: a p-value must be a number in \[0, 1\], got NaN/) });
    expect(s.statistics).toEqual([]);
  });

  it('expectedFailure() throws: an error before any training', async () => {
    let decided = false;
    await rerunBroken('probe-expectation', { decide: async () => { decided = true; return good(); }, expectedFailure: () => { throw new Error('typo'); } });
    expect(decided).toBe(false);
    expect(stored('probe-expectation')).toMatchObject({ verdict: 'error', reason: expect.stringMatching(/^expectedFailure\(scale, setting\) threw: .*typo/) });
  });
});

describe('an outcome that cannot be written', () => {
  const enospc = async () => { throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' }); };

  it('disk full: nothing can be written, so the old verdict is shown stale, not current', async () => {
    const a = await rerunBroken('probe-full', {}, { writeFile: enospc });
    expect(a.stored).toBe(false);
    expect(a.test).toMatchObject({ status: 'fail', message: expect.stringMatching(/could not be written to .*ENOSPC.*nor could an error outcome be .*kept as .*\.previous and shown stale/) });
    const c = await shown('probe-full');
    expect(c.verdict).toBe('reproduced');
    expect(c.stale).toMatch(/^an attempt at this claim started .* and stored no outcome/);
    // the next attempt that can write replaces it and clears the mark
    await attemptClaim(probe('probe-full', async () => good()), 'mlp-add');
    expect(await shown('probe-full')).toMatchObject({ verdict: 'reproduced', stale: null });
    expect(existsSync(join(claimResultsDir('ci'), 'probe-full@mlp-add.json.previous'))).toBe(false);
  });

  it('only the large outcome fails to write: a small error outcome names the cause', async () => {
    let calls = 0;
    const firstFails = async (p: string, t: string) => { if (calls++ === 0) return enospc(); return writeFileAtomic(p, t); };
    const a = await rerunBroken('probe-half', {}, { writeFile: firstFails });
    expect(a.stored).toBe(true);
    expect(stored('probe-half')).toMatchObject({ verdict: 'error', reason: expect.stringMatching(/^its outcome \(reproduced\) could not be written to .*ENOSPC/) });
  });

  it('a process killed mid-attempt leaves the old verdict set aside, shown stale', async () => {
    await attemptClaim(probe('probe-killed', async () => good()), 'mlp-add');
    // the attempt sets the old outcome aside before deciding; a kill stops it right there
    const never = new Promise<ClaimOutcome>(() => {});
    void attemptClaim(probe('probe-killed', () => never), 'mlp-add');
    await new Promise((r) => setTimeout(r, 200));
    const c = (await readClaimResults('ci')).find((x) => x.id === 'probe-killed')!;
    expect(c.stale).toMatch(/stored no outcome/);
  });
});

describe('expected failures name what fails', () => {
  const st = (id: string, state: Statement['state']): Statement => ({ id, name: id, state, value: null, detail: '' });
  const known = { statements: { 'high-rate': 'fails' as const, 'low-rate': 'undecided' as const }, why: 'reviewed' };

  it('green only when exactly the listed statements are in their listed states', () => {
    expect(judge([st('u', 'holds'), st('high-rate', 'fails'), st('low-rate', 'undecided')], known)).toMatchObject({ verdict: 'expected-failure', ok: true, note: 'known (expected: high-rate fails, low-rate undecided): reviewed' });
    // another statement fails too
    expect(judge([st('u', 'fails'), st('high-rate', 'fails'), st('low-rate', 'undecided')], known)).toMatchObject({ verdict: 'not-reproduced', ok: false, note: expect.stringMatching(/^not the known failure \(u fails, expected holds\)/) });
    // a listed statement starts to hold
    expect(judge([st('u', 'holds'), st('high-rate', 'holds'), st('low-rate', 'undecided')], known)).toMatchObject({ verdict: 'not-reproduced', ok: false, note: expect.stringMatching(/high-rate holds, expected fails/) });
    // every statement holds: reproduced, and the test says to remove the expectation
    expect(judge([st('u', 'holds'), st('high-rate', 'holds'), st('low-rate', 'holds')], known)).toMatchObject({ verdict: 'reproduced', ok: false, note: expect.stringMatching(/remove its expectedFailure/) });
    // undecided where fails was expected is a change too
    expect(judge([st('u', 'holds'), st('high-rate', 'undecided'), st('low-rate', 'undecided')], known).ok).toBe(false);
    // naming a statement the claim does not make is the claim's error
    expect(judge([st('u', 'fails')], { statements: { 'no-such': 'fails' }, why: 'w' })).toMatchObject({ verdict: 'error', ok: false, note: expect.stringMatching(/names "no-such", which the outcome does not have \(its statements: u\)/) });
    // without an expectation: reproduced only when every statement holds
    expect(judge([st('u', 'holds')], null)).toMatchObject({ verdict: 'reproduced', ok: true });
    expect(judge([st('u', 'undecided')], null)).toMatchObject({ verdict: 'not-reproduced', ok: false });
  });

  it('an expected failure that crashes is an error and a failing test', async () => {
    const a = await attemptClaim(probe('probe-crash', async () => { throw new Error('boom'); }, { expectedFailure: { statements: { assertion: 'fails' }, why: 'reviewed' } }), 'mlp-add');
    expect(a.outcome.verdict).toBe('error');
    expect(a.test).toMatchObject({ status: 'fail', message: expect.stringMatching(/decide threw: boom \(at /) });
  });

  it('the stored outcome carries the statements by id and the expectation; the reason is the measured one', async () => {
    const statements = [st('u', 'holds'), st('high-rate', 'fails'), st('low-rate', 'undecided')];
    const a = await attemptClaim(probe('probe-known', async () => ({ ...good(), passed: undefined, statements, reason: 'measured: 4/5 tickets at k = 0.9 generalised' }), { expectedFailure: known }), 'mlp-add');
    expect(a.test.status).toBe('pass');
    expect(a.outcome).toMatchObject({
      verdict: 'expected-failure',
      reason: 'measured: 4/5 tickets at k = 0.9 generalised — known (expected: high-rate fails, low-rate undecided): reviewed',
      statements: [{ id: 'u', state: 'holds' }, { id: 'high-rate', state: 'fails' }, { id: 'low-rate', state: 'undecided' }],
      expectedFailure: known,
    });
  });

  it('an expectation is checked where it is written: ids, states and a why', () => {
    const def = (e: unknown) => () => defineClaim({ id: 'x', title: 't', paperQuote: 'q', paperRef: 'r', assertion: 'a', decide: async () => good(), expectedFailure: e as never });
    expect(def({ statements: { 'a-b': 'fails' }, why: 'w' })).not.toThrow();
    expect(def('at ci 3 of 5 fail')).toThrow(/expectedFailure must be \{ statements: .*why/);
    expect(def({ statements: {}, why: 'w' })).toThrow(/name at least one statement/);
    expect(def({ statements: { 'a-b': 'holds' }, why: 'w' })).toThrow(/statements\.a-b/);
    expect(def({ statements: { 'a-b': 'fails' } })).toThrow(/why/);
  });
});

describe('the outcome schema of decide', () => {
  it('statements or passed, unique kebab-case ids, p-values in [0, 1]', () => {
    expect(checkOutcome(good())).toMatchObject({ ok: true });
    expect(checkOutcome(null)).toEqual({ ok: false, problem: 'decide returned null, not an outcome object' });
    const st = (id: string) => ({ id, name: id, state: 'holds', value: null, detail: '' });
    expect(checkOutcome({ ...good(), statements: [st('a')] })).toMatchObject({ ok: false, problem: expect.stringMatching(/either `statements` or `passed`/) });
    expect(checkOutcome({ ...good(), passed: undefined, statements: [st('a'), st('a')] })).toMatchObject({ ok: false, problem: expect.stringMatching(/statement id "a" appears twice/) });
    expect(checkOutcome({ ...good(), passed: undefined, statements: [st('Bad Id')] })).toMatchObject({ ok: false, problem: expect.stringMatching(/kebab-case/) });
    expect(checkOutcome(good({ statistics: [{ name: 's', value: 1, pValue: 1.5 }] }))).toMatchObject({ ok: false, problem: expect.stringMatching(/got 1\.5/) });
    // a value may be NaN or infinite (shown "—": a censored median); only the p-value may not
    expect(checkOutcome(good({ statistics: [{ name: 's', value: Number.POSITIVE_INFINITY }, { name: 't', value: Number.NaN }] }))).toMatchObject({ ok: true });
  });
});
