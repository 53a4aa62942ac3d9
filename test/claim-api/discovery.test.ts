import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
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
    const env = { ...process.env, GROK_CLAIMS_DIR: claims, GROK_CACHE: join(dir, 'cache'), GROK_REPORTS: join(dir, 'reports'), GROK_SCALE: 'smoke', GROK_WORKERS: '1' };
    await promisify(execFile)('npx', ['vitest', 'run', '--project', 'claims'], { cwd: root, env });
    const results = JSON.parse(readFileSync(join(dir, 'reports', 'results.json'), 'utf8')) as { claims: { id: string; verdict: string }[] };
    expect(results.claims.map((c) => [c.id, c.verdict])).toEqual([['probe-memorises', 'reproduced']]);
    expect(readFileSync(join(dir, 'reports', 'index.html'), 'utf8')).toContain('probe-memorises');
  }, 120_000);

  it('`vitest claims` (the card\'s command) selects the claim files only, no unit test', async () => {
    // vitest's positional filter matches any path containing "claims": unit tests must not
    const { stdout } = await promisify(execFile)('npx', ['vitest', 'list', 'claims', '--filesOnly'], { cwd: root });
    const files = stdout.trim().split('\n').filter(Boolean);
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) expect(f).toMatch(/^\[claims\] claims\/[a-z0-9-]+\.claim\.ts$/);
  }, 60_000);
});
