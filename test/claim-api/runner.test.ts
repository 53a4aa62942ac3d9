import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

/**
 * The claim suite as `npm run claims` runs it (`vitest run --project claims`, pointed at a folder of
 * fake claims through GROK_CLAIMS_DIR; no training): what a test's colour and the stored verdict
 * say, when a claim crashes, returns nonsense, or its outcome file is damaged.
 */
const root = resolve(import.meta.dirname, '../..');
const exec = promisify(execFile);

interface Run { code: number; stdout: string; stderr: string }
const suite = (env: NodeJS.ProcessEnv, args: string[] = []): Promise<Run> =>
  exec('npx', ['vitest', 'run', '--project', 'claims', ...args], { cwd: root, env: { ...process.env, GROK_SCALE: 'ci', GROK_WORKERS: '1', ...env } })
    .then((r) => ({ code: 0, ...r }), (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }));

type Stored = { id: string; setting: string; verdict: string; reason: string; stale: string | null };
const results = (dir: string) => (JSON.parse(readFileSync(join(dir, 'reports', 'results.json'), 'utf8')) as { claims: Stored[] }).claims;
const rows = (cs: Stored[]) => cs.map((c) => [c.id, c.setting, c.verdict, c.reason]).sort((a, b) => `${a[0]}@${a[1]}`.localeCompare(`${b[0]}@${b[1]}`));

/** A claim file whose decide returns `outcome` (a JS expression) unless PROBE_BREAK is set. */
function claimFile(dir: string, id: string, body: string) {
  writeFileSync(join(dir, `${id}.claim.ts`), `import { defineClaim } from '${root}/src/claims/define.ts';
const broken = process.env.PROBE_BREAK === '1';
const ok = { passed: true, reason: 'measured: 5/5 seeds', statistics: [{ name: 'seeds', value: 5, pValue: 0.03 }], seedTable: { columns: [], rows: [] }, figures: [] };
const st = (id, state) => ({ id, name: id, state, value: null, detail: '' });
void broken; void ok; void st;
export default defineClaim({ id: '${id}', title: '${id}', paperQuote: 'q', paperRef: 'r', assertion: 'a', ${body} });
`);
}

function folder(prefix: string) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const claims = join(dir, 'claims');
  mkdirSync(claims);
  return { dir, claims, env: { GROK_CLAIMS_DIR: claims, GROK_CACHE: join(dir, 'cache'), GROK_REPORTS: join(dir, 'reports') } };
}

describe('the claim suite', () => {
  it('an expected failure is green only when exactly its statements fail; a crash is red', async () => {
    const f = folder('grok-known-');
    claimFile(f.claims, 'crash-known', `expectedFailure: { statements: { assertion: 'fails' }, why: 'reviewed' }, async decide() { throw new Error('boom at the top of decide'); }`);
    // one claim, three settings: what fails on each (b-part alone is the known failure)
    claimFile(f.claims, 'known', `settings: ['mlp-add', 'transformer-add', 'mlp-parity'],
      expectedFailure: { statements: { 'b-part': 'fails' }, why: 'reviewed' },
      async decide({ setting }) {
        const a = setting.name === 'transformer-add' ? 'fails' : 'holds';
        const b = setting.name === 'mlp-parity' ? 'holds' : 'fails';
        return { ...ok, passed: undefined, statements: [st('a-part', a), st('b-part', b)] };
      }`);
    const json = join(f.dir, 'vitest.json');
    const r = await suite(f.env, ['--reporter=json', `--outputFile=${json}`]);
    expect(r.code).not.toBe(0);
    const tests = (JSON.parse(readFileSync(json, 'utf8')) as { testResults: { assertionResults: { title: string; status: string }[] }[] }).testResults.flatMap((t) => t.assertionResults);
    expect(Object.fromEntries(tests.map((t) => [t.title.split(':')[0], t.status]))).toEqual({
      'crash-known [mlp-add]': 'failed', 'known [mlp-add]': 'passed', 'known [transformer-add]': 'failed', 'known [mlp-parity]': 'failed',
    });
    const stored = Object.fromEntries(results(f.dir).map((c) => [`${c.id} [${c.setting}]`, [c.verdict, c.reason]]));
    expect(stored).toEqual({
      'crash-known [mlp-add]': ['error', expect.stringMatching(/^decide threw: boom at the top of decide/)],
      'known [mlp-add]': ['expected-failure', 'measured: 5/5 seeds — known (expected: b-part fails): reviewed'],
      'known [transformer-add]': ['not-reproduced', expect.stringMatching(/not the known failure \(a-part fails, expected holds\)/)],
      'known [mlp-parity]': ['reproduced', expect.stringMatching(/b-part holds, expected fails.*remove its expectedFailure/)],
    });
  }, 300_000);

  it('a rerun that fails replaces every stored verdict with an error naming the cause; a bad outcome file is an error row', async () => {
    const f = folder('grok-rerun-');
    // one claim broken a different way on each setting, and one more
    claimFile(f.claims, 'probe', `settings: ['mlp-add', 'transformer-add', 'mlp-parity'],
      undecidable: (_scale, setting) => { if (broken && setting === 'mlp-add') throw new Error('no table for this scale'); return null; },
      async decide({ setting }) { return !broken ? ok : setting.name === 'transformer-add' ? undefined : { ...ok, passed: 'false' }; }`);
    claimFile(f.claims, 'probe-nan', `async decide() { return broken ? { ...ok, statistics: [{ name: 'Wilcoxon', value: 1, pValue: NaN }] } : ok; }`);
    const first = await suite(f.env);
    expect(first.code, first.stderr).toBe(0);
    expect(results(f.dir).map((c) => c.verdict)).toEqual(['reproduced', 'reproduced', 'reproduced', 'reproduced']);

    // an outcome with a figure kind no renderer knows, for a setting the suite does not run
    const outcomes = join(f.dir, 'cache', 'claims', 'ci');
    const valid = JSON.parse(readFileSync(join(outcomes, 'probe-nan@mlp-add.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(join(outcomes, 'probe-nan@transformer-add.json'), JSON.stringify({ ...valid, setting: 'transformer-add', figures: [{ id: 'f', title: 'f', kind: 'pie', data: [], encoding: { x: 'x', y: 'y' } }] }));

    const rerun = await suite({ ...f.env, PROBE_BREAK: '1' });
    expect(rerun.code).not.toBe(0);
    // what is on disk: no verdict of the first run survives its broken rerun
    const onDisk = ['probe@mlp-add', 'probe@transformer-add', 'probe@mlp-parity', 'probe-nan@mlp-add'].map((k) => (JSON.parse(readFileSync(join(outcomes, `${k}.json`), 'utf8')) as Stored).verdict);
    expect(onDisk).toEqual(['error', 'error', 'error', 'error']);
    // the teardown built the report, without a stack trace
    expect(rerun.stderr).toMatch(/\[grok\] report for 5 \(claim, setting\) pair\(s\) at ci scale/);
    expect(rerun.stderr).not.toMatch(/\n\s+at /);
    const expected = [
      ['probe-nan', 'mlp-add', 'error', expect.stringMatching(/^decide returned an invalid outcome: statistics\[0\] \("Wilcoxon"\)\.pValue: a p-value must be a number in \[0, 1\], got NaN/)],
      ['probe-nan', 'transformer-add', 'error', expect.stringMatching(/probe-nan@transformer-add\.json: not a claim outcome \(figures\.0\.kind: .*allowed: curves/)],
      ['probe', 'mlp-add', 'error', expect.stringMatching(/^undecidable\(scale, setting\) threw: no table for this scale/)],
      ['probe', 'mlp-parity', 'error', expect.stringMatching(/passed: .*boolean.*got "false"/)],
      ['probe', 'transformer-add', 'error', 'decide returned undefined, not an outcome object'],
    ];
    expect(rows(results(f.dir))).toEqual(expected);

    // and `grok report` keeps working with the bad file in place
    const report = await exec('node', ['bin/grok.js', 'report'], { cwd: root, env: { ...process.env, ...f.env, GROK_SCALE: 'ci' } });
    expect(report.stdout).toMatch(/report for 5 \(claim, setting\) pair\(s\) at ci scale/);
    expect(rows(results(f.dir))).toEqual(expected);
  }, 400_000);
});
