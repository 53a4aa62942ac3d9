import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

/**
 * A new claim is one file: dropped into a claims folder, it is discovered by the claims project,
 * run, and reported, with no other edit. (The suite is pointed at a temporary folder through
 * GROK_CLAIMS_DIR so the real claims are not run here.)
 */
const root = resolve(import.meta.dirname, '../..');

describe('claim discovery', () => {
  it('a claim file dropped into the folder is run and appears in the report', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'grok-discovery-'));
    const claims = join(dir, 'claims');
    mkdirSync(claims);
    writeFileSync(join(claims, 'probe-memorises.claim.ts'), `
import { defineClaim } from '${root}/src/claims/define.ts';
import { denseRun } from '${root}/src/config/schema.ts';
export default defineClaim({
  id: 'probe-memorises',
  title: 'A tiny dense model memorises its training set',
  paperQuote: 'networks initially memorize training data with perfect accuracy',
  paperRef: 'abstract',
  assertion: 'train accuracy reaches 95 % within 300 epochs',
  async decide({ run }) {
    const r = await run(denseRun({ data: { p: 11, fracTrain: 0.5 }, model: { dEmb: 64, dModel: 32 }, epochs: 300, evalEvery: 10, snapshotEvery: 100 }), 'tiny dense');
    return { passed: r.milestones.tMem !== null, reason: 't_mem ' + r.milestones.tMem, statistics: [{ name: 't_mem', value: r.milestones.tMem }], seedTable: { columns: ['seed', 't_mem'], rows: [[0, r.milestones.tMem]] }, figures: [] };
  },
});
`);
    const env = { ...process.env, GROK_CLAIMS_DIR: claims, GROK_CACHE: join(dir, 'cache'), GROK_REPORTS: join(dir, 'reports'), GROK_WORKERS: '1' };
    const results = async (scale: string) => {
      const { stderr } = await promisify(execFile)('npx', ['vitest', 'run', '--project', 'claims'], { cwd: root, env: { ...env, GROK_SCALE: scale } });
      const json = JSON.parse(readFileSync(join(dir, 'reports', 'results.json'), 'utf8')) as { claims: { id: string; verdict: string; reason: string; runs: unknown[]; stale: string | null }[] };
      return { stderr, claims: json.claims };
    };
    const ci = await results('ci');
    expect(ci.claims.map((c) => [c.id, c.verdict, c.stale])).toEqual([['probe-memorises', 'reproduced', null]]);
    expect(readFileSync(join(dir, 'reports', 'index.html'), 'utf8')).toContain('probe-memorises');
    // the suite says where it is: scale first, then claim i of n with runs and ETA
    expect(ci.stderr).toMatch(/claim suite at ci scale \(GROK_SCALE\): 1 \(claim, setting\) pairs/);
    expect(ci.stderr).toMatch(/claim 1\/1 done: probe-memorises@mlp-add in .* runs so far: 1 trained, 0 from the store/);
    // smoke proves the pipeline: the claim trains (here from the store) and decides, but the verdict is skipped
    const smoke = await results('smoke');
    expect(smoke.claims.map((c) => [c.id, c.verdict, c.runs.length])).toEqual([['probe-memorises', 'skipped', 1]]);
    expect(smoke.claims[0]!.reason).toMatch(/^undecidable at smoke scale .*The pipeline ran: 1 runs, 1 statistics, 0 figures; at this size the claim's test said: t_mem \d+/);
  }, 120_000);

  it('two claim files with one id stop the suite before any work, in one line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'grok-dup-'));
    const claims = join(dir, 'claims');
    mkdirSync(claims);
    const body = (id: string) => `import { defineClaim } from '${root}/src/claims/define.ts';
export default defineClaim({ id: '${id}', title: 't', paperQuote: 'q', paperRef: 'r', assertion: 'a',
  async decide() { throw new Error('must not run'); } });
`;
    writeFileSync(join(claims, 'same-id.claim.ts'), body('same-id'));
    writeFileSync(join(claims, 'copy-of-it.claim.ts'), body('same-id'));
    const env = { ...process.env, GROK_CLAIMS_DIR: claims, GROK_CACHE: join(dir, 'cache'), GROK_REPORTS: join(dir, 'reports'), GROK_SCALE: 'ci' };
    const err = await promisify(execFile)('npx', ['vitest', 'run', '--project', 'claims'], { cwd: root, env }).then(() => null, (e: { code: number; stderr: string }) => e);
    expect(err?.code).not.toBe(0);
    expect(err?.stderr).toContain(`[grok] duplicate claim id "same-id" in ${join(claims, 'copy-of-it.claim.ts')} and ${join(claims, 'same-id.claim.ts')}`);
    expect(err?.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(join(dir, 'cache'))).toBe(false);
  }, 60_000);

  it('`vitest claims` (the card\'s command) selects the claim files only, no unit test', async () => {
    // vitest's positional filter matches any path containing "claims": unit tests must not
    const { stdout } = await promisify(execFile)('npx', ['vitest', 'list', 'claims', '--filesOnly'], { cwd: root });
    const files = stdout.trim().split('\n').filter(Boolean);
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) expect(f).toMatch(/^\[claims\] claims\/[a-z0-9-]+\.claim\.ts$/);
  }, 60_000);
});
