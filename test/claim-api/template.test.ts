import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Claim, ClaimContext } from '../../src/claims/define.ts';
import { SCALES } from '../../src/config/scale.ts';
import { getSetting, settingAt, type SettingRun } from '../../src/config/settings.ts';
import type { RunResult } from '../../src/runs/execute.ts';

/**
 * The claim template (claims/_template.claim.ts.example) as a new claim's author copies it: it
 * defines a valid claim, and its words say what its test decides. Its decide runs on fake runs
 * with chosen t_mem: no training.
 */
const root = resolve(import.meta.dirname, '../..');

async function template(): Promise<Claim> {
  const text = readFileSync(join(root, 'claims', '_template.claim.ts.example'), 'utf8').replaceAll(`'../src/`, `'${root}/src/`);
  const file = join(mkdtempSync(join(tmpdir(), 'grok-template-')), 'your-claim-id.claim.ts');
  writeFileSync(file, text);
  return (await import(pathToFileURL(file).href)).default as Claim;
}

/** A run that memorised at `tMem` (null: never), with the few log columns the template's figure reads. */
const fakeRun = (seed: number, tMem: number | null) => ({
  config: { data: { seed } }, milestones: { tMem, tGen: null, tauGrok: null, horizon: 3000 },
  log: { epochs: [0, 3000], trainAcc: [0, 1], testAcc: [0, 0.5] },
}) as unknown as RunResult;

async function decideWith(claim: Claim, tMems: (number | null)[]) {
  const at = settingAt(getSetting('mlp-add'), SCALES.quick) as SettingRun;
  const scale = { ...at.scale, seeds: tMems.map((_, i) => i) };
  const ctx = { scale, setting: at.setting, base: at.base, ticket: at.ticket, run: () => Promise.reject(new Error('unused')), runAll: async (jobs: unknown[]) => jobs.map((_, i) => fakeRun(i, tMems[i]!)) } as unknown as ClaimContext;
  return claim.decide(ctx) as Promise<{ passed: boolean; reason: string; statistics: { pValue?: number }[] }>;
}

describe('the claim template', () => {
  it('its words and its binomial test agree: more seeds than chance, not every seed', async () => {
    const claim = await template();
    expect(claim.id).toBe('your-claim-id');
    // five seeds: all five must memorise (4/5 has p = 0.19)
    expect((await decideWith(claim, [100, 120, 90, 110, 130])).passed).toBe(true);
    const four = await decideWith(claim, [100, 120, 90, 110, 900]);
    expect(four.passed).toBe(false);
    expect(four.reason).toMatch(/^4\/5 seeds memorised before epoch 500 .*one-sided binomial p = 0\.188$/);
    // ten seeds, one of which never memorises: the test passes, so the words must not promise every seed
    const nine = await decideWith(claim, [100, 120, 90, 110, 130, 100, 120, 90, 110, null]);
    expect(nine.passed).toBe(true);
    expect(claim.assertion).not.toMatch(/\b(every|each|all) seeds?\b/i);
    expect(claim.assertion).toMatch(/binomial test.*p0 = 0\.5, p ≤ 0\.05/);
  });
});
