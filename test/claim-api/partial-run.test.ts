import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

/**
 * Running some claims of the suite (a claim file, a `-t` filter, GROK_SETTINGS) at a scale updates
 * those outcomes in that scale's report and keeps the others; verdict changes are against outcomes
 * of the same scale only; the progress line counts only what was selected; and a quick verdict is
 * stored and reported as quick, never among the ci ones. Fake claims through GROK_CLAIMS_DIR, as in
 * runner.test.ts: no training.
 */
const root = resolve(import.meta.dirname, '../..');
const exec = promisify(execFile);

interface Run { code: number; stderr: string }
const suite = (env: NodeJS.ProcessEnv, args: string[] = []): Promise<Run> =>
  exec('npx', ['vitest', 'run', '--project', 'claims', ...args], { cwd: root, env: { ...process.env, GROK_WORKERS: '1', ...env } })
    .then((r) => ({ code: 0, stderr: r.stderr }), (e: { code: number; stderr: string }) => ({ code: e.code, stderr: e.stderr }));

type Row = { id: string; setting: string; verdict: string; scale: string; stamp: { scale: string } };

function claimFile(dir: string, id: string, settings: string[]) {
  // FLIP names the claim that fails this time
  writeFileSync(join(dir, `${id}.claim.ts`), `import { defineClaim } from '${root}/src/claims/define.ts';
export default defineClaim({ id: '${id}', title: 'the ${id} claim', paperQuote: 'q', paperRef: 'r', assertion: 'a', settings: ${JSON.stringify(settings)},
  async decide() {
    return { passed: process.env.FLIP !== '${id}', reason: 'measured', statistics: [], seedTable: { columns: [], rows: [] }, figures: [] };
  } });
`);
}

describe('a partial run of the claim suite', () => {
  it('updates its outcomes in its scale\'s report, keeps the others, compares within the scale and counts only what it runs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'grok-partial-'));
    const claims = join(dir, 'claims');
    mkdirSync(claims);
    claimFile(claims, 'first-claim', ['mlp-add', 'mlp-parity']);
    claimFile(claims, 'second-claim', ['mlp-add']);
    const env = { GROK_CLAIMS_DIR: claims, GROK_CACHE: join(dir, 'cache'), GROK_REPORTS: join(dir, 'reports') };
    const report = () => JSON.parse(readFileSync(join(dir, 'reports', 'results.json'), 'utf8')) as { scale: string; claims: Row[] };
    const summary = () => readFileSync(join(dir, 'reports', 'summary.md'), 'utf8');
    const verdicts = () => Object.fromEntries(report().claims.map((c) => [`${c.id}@${c.setting}`, c.verdict]));

    const ci = await suite({ ...env, GROK_SCALE: 'ci' });
    expect(ci.code, ci.stderr).toBe(0);
    expect(ci.stderr).toMatch(/claim 3\/3 done/);
    // reports/ then holds another scale's report
    const smoke = await suite({ ...env, GROK_SCALE: 'smoke' });
    expect(smoke.code, smoke.stderr).toBe(0);
    expect(report().scale).toBe('smoke');

    // one claim file, at ci, failing this time
    const one = await suite({ ...env, GROK_SCALE: 'ci', FLIP: 'second-claim' }, ['second-claim.claim']);
    expect(one.code).not.toBe(0);
    expect(one.stderr).toMatch(/ci scale \(GROK_SCALE\): 1 \(claim, setting\) pairs/);
    expect(one.stderr).toMatch(/claim 1\/1 at ci scale: second-claim@mlp-add/);
    expect(one.stderr).toMatch(/claim 1\/1 done: second-claim@mlp-add in \S+ · .*ETA 0s/);
    expect(one.stderr).not.toMatch(/claim \d+\/3/);
    expect(report().scale).toBe('ci');
    expect(verdicts()).toEqual({ 'first-claim@mlp-add': 'reproduced', 'first-claim@mlp-parity': 'reproduced', 'second-claim@mlp-add': 'not-reproduced' });
    // compared with the ci outcomes before it, not with the smoke report reports/ held
    const md = summary();
    expect(md).toMatch(/Compared with the outcomes stored at ci scale before this run/);
    expect(md).not.toMatch(/No longer present/);
    expect(md).not.toMatch(/was ⚪|skipped\*?\*?\)/);
    expect(md).toMatch(/second-claim.*\*\*changed\*\* \(was 🟢 \*\*reproduced\*\*\)/);
    expect(md.match(/\| unchanged \|/g)).toHaveLength(2);

    // a name filter and GROK_SETTINGS, at the quick scale: counted alone, stored and reported as quick
    const quick = await suite({ ...env, GROK_SCALE: 'quick', GROK_SETTINGS: 'mlp-add,mlp-parity' }, ['-t', 'first-claim \\[mlp-parity\\]']);
    expect(quick.code, quick.stderr).toBe(0);
    expect(quick.stderr).toMatch(/claim 1\/1 done: first-claim@mlp-parity/);
    expect(report().scale).toBe('quick');
    expect(report().claims.map((c) => [c.id, c.setting, c.scale, c.stamp.scale])).toEqual([['first-claim', 'mlp-parity', 'quick', 'quick']]);
    expect(readdirSync(join(dir, 'cache', 'claims', 'quick'))).toEqual(['first-claim@mlp-parity.json']);
    expect(summary()).not.toMatch(/Compared with/);
    expect(existsSync(join(dir, 'cache', 'claims', 'ci', 'first-claim@mlp-parity.json'))).toBe(true);

    // the ci report rebuilt afterwards holds the ci outcomes only
    await exec('node', ['bin/grok.js', 'report', '--scale', 'ci'], { cwd: root, env: { ...process.env, ...env } });
    expect(report().claims.map((c) => [c.scale, c.stamp.scale])).toEqual([['ci', 'ci'], ['ci', 'ci'], ['ci', 'ci']]);
    expect(verdicts()['first-claim@mlp-parity']).toBe('reproduced');
  }, 600_000);
});
