import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import '../setup-backend.ts';
import { buildReport, NoOutcomesError } from '../../src/claims/build-report.ts';
import { checkIds, ClaimPlanError } from '../../src/claims/plan.ts';
import { suiteEta, type SuiteState } from '../../src/claims/progress.ts';
import { mergeClaimResults, readClaimResults } from '../../src/claims/results.ts';
import { claimCodeVersion, currentClaims, stampOutcome } from '../../src/claims/stamp.ts';
import { denseRun } from '../../src/config/schema.ts';
import { renderHtml } from '../../src/report/html.ts';
import type { ClaimReport } from '../../src/report/types.ts';
import { RESULTS_SCHEMA_VERSION } from '../../src/report/types.ts';
import { keyOf } from '../../src/runs/execute.ts';

/** Stored claim outcomes are input: parsed, stamped, checked against the current code. */
const outcome = (id: string, extra: Partial<ClaimReport> = {}): ClaimReport => ({
  id, setting: 'mlp-add', title: id, paperQuote: 'q', paperRef: 'r', assertion: 'a', verdict: 'reproduced',
  statistics: [], seedTable: { columns: [], rows: [] }, figures: [], runs: [], scale: 'ci', ...extra,
});

let claimsDir: string;
let saved: Record<string, string | undefined>;
beforeEach(() => {
  saved = { GROK_CLAIMS_DIR: process.env.GROK_CLAIMS_DIR, GROK_CACHE: process.env.GROK_CACHE, GROK_REPORTS: process.env.GROK_REPORTS };
  const root = mkdtempSync(join(tmpdir(), 'grok-outcomes-'));
  claimsDir = join(root, 'claims');
  mkdirSync(claimsDir);
  process.env.GROK_CLAIMS_DIR = claimsDir;
  process.env.GROK_CACHE = join(root, 'cache');
  process.env.GROK_REPORTS = join(root, 'reports');
});
afterEach(() => {
  for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
});

describe('merged and stored outcomes are parsed with a schema', () => {
  it('a verdict outside the allowed set refuses a merged shard, naming the file; a bare stored object is an error row naming it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'grok-shard-'));
    writeFileSync(join(dir, 'evil@mlp-add.json'), JSON.stringify(outcome('evil', { verdict: 'x"><script>alert(1)</script>' as never })));
    // a shard is foreign input: strict (test/claim-api/shards.test.ts); the local store's outcomes degrade to error rows
    await expect(mergeClaimResults([dir], 'ci')).rejects.toThrow(/evil@mlp-add\.json: not a claim outcome \(verdict: .*allowed: reproduced, not-reproduced, expected-failure, skipped, error/);
    const bare = mkdtempSync(join(tmpdir(), 'grok-shard-'));
    writeFileSync(join(bare, 'bare@mlp-add.json'), JSON.stringify({ id: 'bare', setting: 'mlp-add' }));
    expect((await readClaimResults('ci', bare)).map((c) => [c.verdict, c.reason])).toEqual([['error', expect.stringMatching(/bare@mlp-add\.json: not a claim outcome/)]]);
  });

  it('the badge class comes from the verdict list only, whatever reaches the renderer', () => {
    const html = renderHtml({ generatedAt: 'now', environment: {}, scale: 'ci', claims: [outcome('x', { verdict: 'x"><script>alert(1)</script>' as never })] }, [{ dir: 'x', figures: [] }], null);
    expect(html).not.toContain('<script>');
    expect(html).not.toMatch(/class="badge v-x"/);
  });
});

describe('stale outcomes', () => {
  it('current when the claim file and its runs are unchanged; stale with the reason otherwise; gone when the file is', () => {
    writeFileSync(join(claimsDir, 'probe.claim.ts'), 'export default 1;\n');
    const config = denseRun({ data: { p: 7, fracTrain: 0.5, seed: 0 }, epochs: 5 });
    // the backend the run was keyed with travels with it: a report built elsewhere recomputes that key
    const runs = [{ key: keyOf(config, 'some-gpu-backend@1'), label: 'dense', config, backend: 'some-gpu-backend@1' }];
    const fresh = outcome('probe', { runs, stamp: stampOutcome('probe', 'ci') });
    expect(fresh.stamp!.claimCode).toBe(claimCodeVersion('probe'));
    expect(currentClaims([fresh])[0]!.stale).toBeNull();

    expect(currentClaims([outcome('probe', { runs })])[0]!.stale).toMatch(/without a stamp/);
    expect(currentClaims([outcome('probe', { runs: [{ ...runs[0]!, backend: undefined }], stamp: fresh.stamp })])[0]!.stale).toMatch(/without its backend/);
    const otherRunCode = outcome('probe', { runs: [{ ...runs[0]!, key: '0123456789abcdef' }], stamp: fresh.stamp });
    expect(currentClaims([otherRunCode])[0]!.stale).toMatch(/training code of run "dense" changed \(key 0123456789abcdef is now /);

    writeFileSync(join(claimsDir, 'probe.claim.ts'), 'export default 2;\n');
    expect(currentClaims([fresh])[0]!.stale).toMatch(/the claim's code changed since it was decided .* at commit /);
    // a deleted claim's outcome is not reported at all
    expect(currentClaims([outcome('deleted-claim', { stamp: fresh.stamp })])).toEqual([]);
  });
});

describe('grok report', () => {
  it('with no outcome to report it throws before writing: the previous report stays', async () => {
    writeFileSync(join(claimsDir, 'probe.claim.ts'), 'export default 1;\n');
    const out = mkdtempSync(join(tmpdir(), 'grok-report-'));
    const good = await buildReport('ci', { outDir: out, claims: [outcome('probe', { stamp: stampOutcome('probe', 'ci') })] });
    expect(good.claims).toBe(1);
    const json = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as { schemaVersion: number; claims: { stale: string | null }[] };
    expect(json.schemaVersion).toBe(RESULTS_SCHEMA_VERSION);
    expect(json.claims[0]!.stale).toBeNull();
    const before = readFileSync(join(out, 'index.html'), 'utf8');
    await expect(buildReport('ci', { outDir: out, claims: [] })).rejects.toThrow(NoOutcomesError);
    await expect(buildReport('ci', { outDir: out, claims: [outcome('deleted-claim')] })).rejects.toThrow(/no stored outcomes of existing claims at ci scale.*nothing was written/);
    expect(readFileSync(join(out, 'index.html'), 'utf8')).toBe(before);
  });
});

describe('claim ids', () => {
  it('a duplicate id is an error naming both files; a file is named for its id', () => {
    expect(() => checkIds([{ id: 'a', file: 'a.claim.ts', settings: [] }, { id: 'a', file: 'copy.claim.ts', settings: [] }], '/c'))
      .toThrow(ClaimPlanError);
    expect(() => checkIds([{ id: 'a', file: 'a.claim.ts', settings: [] }, { id: 'a', file: 'copy.claim.ts', settings: [] }], '/c'))
      .toThrow('duplicate claim id "a" in /c/a.claim.ts and /c/copy.claim.ts');
    expect(() => checkIds([{ id: 'b', file: 'a.claim.ts', settings: [] }], '/c')).toThrow('/c/a.claim.ts defines claim "b": name the file b.claim.ts');
    expect(() => checkIds([{ id: 'a', file: 'a.claim.ts', settings: [] }, { id: 'b', file: 'b.claim.ts', settings: [] }], '/c')).not.toThrow();
  });
});

describe('suite progress', () => {
  const state = (done: number, expected: (number | null)[]): SuiteState => ({
    startedAt: 0, scale: 'ci', pairs: expected.map((e, i) => ({ key: `c${i}@s`, expectedMs: e })),
    done: Array.from({ length: done }, (_, i) => ({ key: `c${i}@s`, ms: 60_000, trained: 1, cached: 0 })),
  });
  it('the ETA sums the last durations of what is left, else extrapolates from what is done', () => {
    expect(suiteEta(state(1, [60_000, 120_000, 180_000]))).toBe('5m');
    expect(suiteEta(state(2, [null, null, null, null]))).toBe('~2m');
    // a skipped pair (expected 0) adds nothing; unknown ones are extrapolated from trained pairs
    expect(suiteEta(state(1, [null, 0, 0, null]))).toBe('~60s');
    expect(suiteEta(state(0, [null]))).toMatch(/unknown/);
    expect(suiteEta(state(1, [1]))).toBe('0s');
  });
});
