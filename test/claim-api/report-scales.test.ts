import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import '../setup-backend.ts';
import { buildReport, reportInput } from '../../src/claims/build-report.ts';
import { defineClaim } from '../../src/claims/define.ts';
import { pathToFileURL } from 'node:url';
import type { Claim } from '../../src/claims/define.ts';
import { claimResultsDir } from '../../src/claims/results.ts';
import { compareSections } from '../../src/report/order.ts';
import { packageRoot } from '../../src/util/paths.ts';
import { stampOutcome } from '../../src/claims/stamp.ts';
import type { ClaimReport, Verdict } from '../../src/report/types.ts';

/**
 * `grok report` shows the verdicts of every deciding scale the store holds side by side (ci |
 * paper), and gives each outcome its setting's column (group, short header) from the settings.
 */
const outcome = (id: string, setting: string, scale: string, verdict: Verdict): ClaimReport => ({
  id, setting, title: id, paperQuote: 'q', paperRef: '§3.2', assertion: 'a', verdict,
  statistics: [], seedTable: { columns: [], rows: [] }, figures: [], runs: [], scale, stamp: stampOutcome(id, scale),
});

let saved: Record<string, string | undefined>;
beforeEach(() => {
  saved = { GROK_CLAIMS_DIR: process.env.GROK_CLAIMS_DIR, GROK_CACHE: process.env.GROK_CACHE, GROK_REPORTS: process.env.GROK_REPORTS, GROK_RESULTS: process.env.GROK_RESULTS };
  const root = mkdtempSync(join(tmpdir(), 'grok-scales-'));
  mkdirSync(join(root, 'claims'));
  process.env.GROK_CLAIMS_DIR = join(root, 'claims');
  process.env.GROK_CACHE = join(root, 'cache');
  process.env.GROK_REPORTS = join(root, 'reports');
  delete process.env.GROK_RESULTS;
  writeFileSync(join(root, 'claims', 'probe.claim.ts'), 'export default 1;\n');
});
afterEach(() => {
  for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
});

const store = (scale: string, outcomes: ClaimReport[]) => {
  mkdirSync(claimResultsDir(scale), { recursive: true });
  for (const o of outcomes) writeFileSync(join(claimResultsDir(scale), `${o.id}@${o.setting}.json`), JSON.stringify({ ...o, stamp: stampOutcome(o.id, scale) }));
};

describe('verdicts of several scales', () => {
  it('a store of one scale shows no comparison; of ci and paper, both side by side, smoke never', async () => {
    store('ci', [outcome('probe', 'mlp-add', 'ci', 'reproduced'), outcome('probe', 'mlp-parity', 'ci', 'not-reproduced')]);
    store('smoke', [outcome('probe', 'mlp-add', 'smoke', 'skipped')]);
    expect((await reportInput('ci')).byScale).toBeUndefined();

    store('paper', [outcome('probe', 'mlp-parity', 'paper', 'reproduced')]);
    const input = await reportInput('ci');
    expect(input.byScale!.map((s) => [s.scale, s.verdicts.map((v) => `${v.setting}:${v.verdict}`)])).toEqual([
      ['ci', ['mlp-add:reproduced', 'mlp-parity:not-reproduced']],
      ['paper', ['mlp-parity:reproduced']],
    ]);
    const r = await buildReport('ci');
    const html = readFileSync(r.html, 'utf8');
    expect(html).toContain('id="by-scale"');
    expect(html).toContain('<td class="cell differ');
    expect(html).toContain('title="paper: no outcome"');
  });

  it('each outcome gets its setting\'s column from the settings registry', async () => {
    store('ci', [outcome('probe', 'transformer-add', 'ci', 'reproduced'), outcome('probe', 'mlp-parity', 'ci', 'skipped')]);
    const cols = (await reportInput('ci')).claims.map((c) => c.settingColumn);
    expect(cols).toEqual([
      { group: 'beyond modular', short: 'parity', order: expect.any(Number) },
      { group: 'transformer', short: 'a+b', order: 1 },
    ]);
  });
});

describe('a claim\'s place in the paper', () => {
  const def = { id: 'x', title: 't', paperQuote: 'q', paperRef: '§3.2', assertion: 'a', decide: async () => { throw new Error('not run'); } };
  it('is checked when the claim is defined', () => {
    expect(defineClaim({ ...def, paper: { section: '§3.2', order: 1 } }).paper).toEqual({ section: '§3.2', order: 1 });
    expect(() => defineClaim({ ...def, paper: { section: '', order: 1 } })).toThrow(/claim "x": paper must be \{ section: '§3\.2', order: <a number> \}/);
    expect(() => defineClaim({ ...def, paper: { section: '§3.2', order: Number.NaN } })).toThrow(/paper must be/);
  });

  it('every claim file gives one, each rank once, ranks in the order of the sections', async () => {
    const dir = join(packageRoot(), 'claims');
    const files = readdirSync(dir).filter((f) => f.endsWith('.claim.ts'));
    const claims = await Promise.all(files.map(async (f) => ((await import(pathToFileURL(join(dir, f)).href)) as { default: Claim }).default));
    expect(claims.length).toBeGreaterThan(10);
    expect(claims.filter((c) => !c.paper).map((c) => c.id)).toEqual([]);
    const ranked = [...claims].sort((a, b) => a.paper!.order - b.paper!.order);
    expect(new Set(ranked.map((c) => c.paper!.order)).size).toBe(claims.length);
    for (let i = 1; i < ranked.length; i++) expect(compareSections(ranked[i - 1]!.paper!.section, ranked[i]!.paper!.section)).toBeLessThanOrEqual(0);
    // the section a claim names is the one its paperRef starts with
    for (const c of claims) expect(c.paperRef.startsWith(c.paper!.section), c.id).toBe(true);
  }, 60_000);
});
