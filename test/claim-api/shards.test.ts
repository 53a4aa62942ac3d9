import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import '../setup-backend.ts';
import { buildJobSummary, buildReport } from '../../src/claims/build-report.ts';
import { MAX_OUTCOME_BYTES, mergeShards, undecidedPairs } from '../../src/claims/results.ts';
import { report } from '../../src/cli/report.ts';
import type { ClaimReport, ReportInput } from '../../src/report/types.ts';

/**
 * A GPU workflow's shards are merged into one report: a shard that failed or never uploaded must
 * leave a report naming the claims it did not decide, and each shard's machine (backend, device)
 * is shown, since the machine that merges them is not the one that trained.
 */
const outcome = (id: string, setting: string, extra: Partial<ClaimReport> = {}): ClaimReport => ({
  id, setting, title: id, paperQuote: 'q', paperRef: 'r', assertion: 'a', verdict: 'reproduced',
  statistics: [], seedTable: { columns: [], rows: [] }, runs: [], scale: 'ci',
  figures: [{ id: 'curve', title: 'Test accuracy', kind: 'curves', data: [{ x: 1, y: 0.5, series: 'dense', seed: 0 }], encoding: { x: 'x', y: 'y', color: 'series' } }],
  ...extra,
});

const GPU_ENV = { backend: 'tensorflow', backendModule: '@tensorflow/tfjs-node-gpu', device: 'GPU', deviceNote: 'TensorFlow placed its ops on a GPU device', gpu: 'NVIDIA H200, 139.8 GiB', node: 'v20.20.2', commit: 'abc123', versions: { x: '1' } };

let root: string;
let saved: Record<string, string | undefined>;
beforeEach(() => {
  saved = { GROK_CLAIMS_DIR: process.env.GROK_CLAIMS_DIR, GROK_CACHE: process.env.GROK_CACHE, GROK_REPORTS: process.env.GROK_REPORTS, GROK_SETTINGS: process.env.GROK_SETTINGS };
  root = mkdtempSync(join(tmpdir(), 'grok-shards-'));
  const claims = join(root, 'claims');
  mkdirSync(claims);
  // the suite: two claims, three (claim, setting) pairs
  writeFileSync(join(claims, 'alpha.claim.ts'), "export default { id: 'alpha', settings: ['mlp-add', 'mlp-parity'], decide: async () => { throw new Error('not run'); } };\n");
  writeFileSync(join(claims, 'beta.claim.ts'), "export default { id: 'beta', settings: ['mlp-add'], decide: async () => { throw new Error('not run'); } };\n");
  process.env.GROK_CLAIMS_DIR = claims;
  process.env.GROK_CACHE = join(root, 'cache');
  process.env.GROK_REPORTS = join(root, 'reports');
  delete process.env.GROK_SETTINGS;
});
afterEach(() => {
  for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
});

/** A shard folder as the workflow uploads it: <scale>/<id>@<setting>.json and environment.json. */
function shard(name: string, outcomes: ClaimReport[], env: object | null = GPU_ENV): string {
  const dir = join(root, 'shards', name);
  mkdirSync(join(dir, 'ci'), { recursive: true });
  for (const o of outcomes) writeFileSync(join(dir, 'ci', `${o.id}@${o.setting}.json`), JSON.stringify(o));
  if (env) writeFileSync(join(dir, 'environment.json'), JSON.stringify(env));
  return dir;
}

describe('merging shards', () => {
  it('a shard folder that does not exist is an error, or with allowMissing a missing shard', async () => {
    const one = shard('claims-shard-1', [outcome('alpha', 'mlp-add')]);
    const gone = join(root, 'shards', 'claims-shard-2');
    await expect(mergeShards([one, gone], 'ci')).rejects.toThrow(/claims-shard-2 does not exist \(--allow-missing/);
    const m = await mergeShards([one, gone], 'ci', { allowMissing: true });
    expect(m.claims.map((c) => c.id)).toEqual(['alpha']);
    expect(m.shards).toEqual([
      { name: 'claims-shard-1', outcomes: 1, environment: { backend: 'tensorflow', backendModule: '@tensorflow/tfjs-node-gpu', device: 'GPU', deviceNote: GPU_ENV.deviceNote, gpu: GPU_ENV.gpu, node: 'v20.20.2', commit: 'abc123' }, problem: null },
      { name: 'claims-shard-2', outcomes: 0, environment: null, problem: expect.stringMatching(/^missing: no results were uploaded/) },
    ]);
  });

  it('a shard without its environment record, or without outcomes, is named with the problem', async () => {
    const noEnv = shard('s1', [outcome('alpha', 'mlp-add')], null);
    const empty = shard('s2', []);
    const bad = shard('s3', [outcome('beta', 'mlp-add')]);
    writeFileSync(join(bad, 'environment.json'), '{ truncated');
    const m = await mergeShards([noEnv, empty, bad], 'ci');
    expect(m.shards.map((s) => s.problem)).toEqual([
      expect.stringMatching(/no environment\.json/),
      'no claim outcomes at ci scale',
      expect.stringMatching(/s3\/environment\.json is not JSON/),
    ]);
  });

  it('every planned pair without an outcome is listed with the shards\' problems', () => {
    const planned = [{ id: 'alpha', setting: 'mlp-add' }, { id: 'alpha', setting: 'mlp-parity' }];
    const u = undecidedPairs(planned, [outcome('alpha', 'mlp-add')], [{ name: 'claims-shard-3', outcomes: 0, environment: null, problem: 'missing: gone' }]);
    expect(u).toEqual([{ id: 'alpha', setting: 'mlp-parity', reason: 'no outcome in the merged shards; claims-shard-3: missing: gone' }]);
    expect(undecidedPairs(planned, [], [{ name: 'a', outcomes: 3, environment: {}, problem: null }])[0]!.reason).toMatch(/none reported a problem/);
  });
});

describe('a merged shard is input from another machine: strict', () => {
  it('an id that breaks the claim-id rule is refused, so one claim cannot carry three verdicts', async () => {
    const dir = shard('s1', [outcome('alpha', 'mlp-add')]);
    for (const [i, id] of ['./alpha', '../claims/alpha'].entries()) {
      writeFileSync(join(dir, 'ci', `x${i}.json`), JSON.stringify(outcome(id, 'mlp-add', { verdict: i ? 'not-reproduced' : 'error' })));
    }
    await expect(mergeShards([dir], 'ci')).rejects.toThrow(/x0\.json: not a claim outcome \(id: "\.\/alpha" is invalid \(not a claim id \(kebab-case/);
    rmSync(join(dir, 'ci', 'x0.json'));
    await expect(mergeShards([dir], 'ci')).rejects.toThrow(/x1\.json: not a claim outcome \(id: "\.\.\/claims\/alpha" is invalid/);
  });

  it('an id with no claim file in this checkout is refused, naming the file it looked for', async () => {
    const dir = shard('s1', [outcome('gamma', 'mlp-add')]);
    await expect(mergeShards([dir], 'ci')).rejects.toThrow(`gamma@mlp-add.json: claim "gamma" has no claim file here (${join(root, 'claims', 'gamma.claim.ts')})`);
  });

  it('a p-value outside [0, 1] is refused, naming the field and the value', async () => {
    const dir = shard('s1', [outcome('alpha', 'mlp-add', { statistics: [{ name: 'W', value: 15, pValue: 7 }] })]);
    await expect(mergeShards([dir], 'ci')).rejects.toThrow(/alpha@mlp-add\.json: not a claim outcome \(statistics\.0\.pValue: 7 is invalid \(Too big/);
    const neg = shard('s2', [outcome('beta', 'mlp-add', { statistics: [{ name: 'W', value: 15, pValue: -0.1 }] })]);
    await expect(mergeShards([neg], 'ci')).rejects.toThrow(/statistics\.0\.pValue: -0\.1 is invalid/);
  });

  it('an outcome of another scale than the merge is refused, by its scale or its stamp', async () => {
    const paper = shard('s1', [outcome('alpha', 'mlp-add', { scale: 'paper' })]);
    await expect(mergeShards([paper], 'ci')).rejects.toThrow(/alpha@mlp-add\.json: decided at "paper" scale, but this merge is at ci scale/);
    const stamped = shard('s2', [outcome('beta', 'mlp-add', { stamp: { commit: 'abc', decidedAt: 'now', scale: 'smoke', claimCode: 'x' } })]);
    await expect(mergeShards([stamped], 'ci')).rejects.toThrow(/decided at "smoke" scale/);
  });

  it('an unknown setting is named, with the settings there are', async () => {
    const dir = shard('s1', [outcome('alpha', 'mlp-sub')]);
    await expect(mergeShards([dir], 'ci')).rejects.toThrow(/alpha@mlp-sub\.json: setting "mlp-sub" is not a setting of this checkout \(settings: mlp-add, .*mlp-parity/);
  });

  it('an outcome over the size bound is refused at once, before it is read', async () => {
    const dir = shard('s1', []);
    // valid JSON, padded past the bound: the bound is on the bytes, not on what they parse to
    writeFileSync(join(dir, 'ci', 'alpha@mlp-add.json'), JSON.stringify(outcome('alpha', 'mlp-add')) + ' '.repeat(MAX_OUTCOME_BYTES));
    const t = Date.now();
    await expect(mergeShards([dir], 'ci')).rejects.toThrow(new RegExp(`alpha@mlp-add\\.json: \\d+ bytes, over the ${MAX_OUTCOME_BYTES} \\(4\\.0 MiB\\) a claim outcome may have`));
    expect(Date.now() - t).toBeLessThan(5000);
  });

  it('a shard path that is a file is named as such (no raw ENOTDIR)', async () => {
    const file = join(root, 'shards-file.json');
    writeFileSync(file, '{}');
    await expect(mergeShards([file], 'ci')).rejects.toThrow(`report --merge: ${file} is a file, not a shard folder`);
    const dir = join(root, 'shards', 'odd');
    mkdirSync(join(dir, 'claims'), { recursive: true });
    writeFileSync(join(dir, 'claims', 'ci'), 'x');
    await expect(mergeShards([dir], 'ci')).rejects.toThrow(`${join(dir, 'claims', 'ci')} is a file, not a folder of claim outcomes`);
  });

  it('bad JSON in a shard gets advice for a shard, not the local store\'s "it is rewritten"', async () => {
    const dir = shard('s1', []);
    writeFileSync(join(dir, 'ci', 'alpha@mlp-add.json'), '{"id": "alpha", ');
    const err = await mergeShards([dir], 'ci').catch((e: Error) => e);
    expect((err as Error).message).toMatch(/alpha@mlp-add\.json: invalid or truncated JSON .*It came from a shard: download that shard's results again or rerun its job, or leave its folder out of --merge/);
    expect((err as Error).message).not.toMatch(/rewritten/);
  });

  it('a flat shard folder (outcomes beside environment.json) reads its outcomes, not its environment', async () => {
    const dir = join(root, 'shards', 'flat');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'alpha@mlp-add.json'), JSON.stringify(outcome('alpha', 'mlp-add')));
    writeFileSync(join(dir, 'environment.json'), JSON.stringify(GPU_ENV));
    const m = await mergeShards([dir], 'ci');
    expect(m.claims.map((c) => `${c.id}@${c.setting}`)).toEqual(['alpha@mlp-add']);
    expect(m.shards[0]!.problem).toBeNull();
  });
});

describe('grok report --merge with a failed shard', () => {
  it('writes a report naming the claims not decided and each shard\'s backend and device; exit status 1', async () => {
    const one = shard('claims-shard-1', [outcome('alpha', 'mlp-add')]);
    const out = join(root, 'out');
    const code = await report({ scale: 'ci', merge: [one, join(root, 'shards', 'claims-shard-2')], allowMissing: true, out });
    expect(code).toBe(1);
    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as ReportInput;
    expect(results.claims.map((c) => `${c.id}@${c.setting}`)).toEqual(['alpha@mlp-add']);
    expect(results.undecided!.map((p) => `${p.id}@${p.setting}`).sort()).toEqual(['alpha@mlp-parity', 'beta@mlp-add']);
    expect(results.undecided![0]!.reason).toMatch(/claims-shard-2: missing/);
    const html = readFileSync(join(out, 'index.html'), 'utf8');
    expect(html).toMatch(/<section id="undecided"[\s\S]*<code>beta<\/code>[\s\S]*claims-shard-2: missing/);
    expect(html).toMatch(/<h3>Shards<\/h3>[\s\S]*claims-shard-1[\s\S]*tensorflow \(@tensorflow\/tfjs-node-gpu\)[\s\S]*GPU[\s\S]*NVIDIA H200/);
    const md = readFileSync(join(out, 'summary.md'), 'utf8');
    expect(md).toMatch(/## ❗ Not decided: 2 \(claim, setting\) pairs without an outcome/);
    expect(md).toMatch(/\| `claims-shard-1` \| 1 \| tensorflow \(@tensorflow\/tfjs-node-gpu\) \| GPU<br>/);
  });

  it('with every shard missing there is still a report: the whole suite, not decided', async () => {
    const out = join(root, 'out');
    const r = await buildReport('ci', {
      outDir: out, claims: [],
      merge: { shards: [{ name: 'claims-shard-1', outcomes: 0, environment: null, problem: 'missing: gone' }], planned: [{ id: 'alpha', setting: 'mlp-add' }, { id: 'beta', setting: 'mlp-add' }] },
    });
    expect(r.claims).toBe(0);
    expect(r.undecided).toBe(2);
    expect(readFileSync(join(out, 'summary.md'), 'utf8')).toMatch(/Not decided: 2 \(claim, setting\) pairs/);
  });
});

describe('the job summary', () => {
  it('links figures to the served report instead of embedding image files it cannot show, and writes nothing else', async () => {
    const one = shard('claims-shard-1', [outcome('alpha', 'mlp-add'), outcome('alpha', 'mlp-parity'), outcome('beta', 'mlp-add')]);
    const file = join(root, 'step-summary.md');
    writeFileSync(file, 'earlier step\n');
    const m = await mergeShards([one], 'ci');
    await buildJobSummary('ci', file, 'https://github.com/o/r/actions/runs/1/artifacts/2', { claims: m.claims });
    const text = readFileSync(file, 'utf8');
    expect(text.startsWith('earlier step\n# ')).toBe(true); // appended, as GitHub expects
    expect(text).not.toMatch(/!\[/); // no image embed: relative PNGs do not exist in a job summary
    expect(text).not.toMatch(/data:image|<svg/);
    expect(text).toContain('[Test accuracy](https://github.com/o/r/actions/runs/1/artifacts/2#claim-alpha-mlp-add)');
    expect(text).toContain('**[Open the full report with its figures](https://github.com/o/r/actions/runs/1/artifacts/2)**');
    expect(existsSync(join(root, 'reports')) ? readdirSync(join(root, 'reports')) : []).toEqual([]);
  });

  it('over GitHub\'s 1 MiB limit it keeps the verdict table and leaves the claim sections to the report', async () => {
    const file = join(root, 'step-summary.md');
    const huge = outcome('alpha', 'mlp-add', { reason: 'x'.repeat(1_100_000) });
    await buildJobSummary('ci', file, 'https://example.org/report', { claims: [huge] });
    const text = readFileSync(file, 'utf8');
    expect(Buffer.byteLength(text)).toBeLessThan(1_000_000);
    expect(text).toMatch(/1 claim sections left out: over GitHub's 1 MiB job-summary limit/);
    expect(text).toMatch(/\| \[alpha\]/);
  });
});
