import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { claimCodeFiles, claimCodeVersion } from '../../src/claims/stamp.ts';
import { packagePath } from '../../src/store/import-graph.ts';
import { packageRoot } from '../../src/util/paths.ts';

/** A claim's stamp hashes the files the claim imports: nothing less, and nothing it does not import. */
let root: string;
let saved: string | undefined;
beforeEach(() => {
  saved = process.env.GROK_CLAIMS_DIR;
  root = mkdtempSync(join(tmpdir(), 'grok-stamp-'));
  mkdirSync(join(root, 'claims'));
  mkdirSync(join(root, 'stats'));
  process.env.GROK_CLAIMS_DIR = join(root, 'claims');
});
afterEach(() => {
  if (saved === undefined) delete process.env.GROK_CLAIMS_DIR;
  else process.env.GROK_CLAIMS_DIR = saved;
});

describe('claim stamps', () => {
  it('change with a statistic the claim imports, not with one added beside it', () => {
    writeFileSync(join(root, 'stats/paired.ts'), 'export const paired = (x: number) => x;\n');
    writeFileSync(join(root, 'claims/probe.claim.ts'), "import { paired } from '../stats/paired.ts';\nexport default paired(1);\n");
    const first = claimCodeVersion('probe');
    expect(claimCodeFiles('probe')!.map((f) => packagePath(f))).toEqual([packagePath(join(root, 'claims/probe.claim.ts')), packagePath(join(root, 'stats/paired.ts'))]);

    writeFileSync(join(root, 'stats/holm.ts'), 'export const holm = (x: number) => x;\n');
    expect(claimCodeVersion('probe')).toBe(first);

    writeFileSync(join(root, 'stats/paired.ts'), 'export const paired = (x: number) => -x;\n');
    const edited = claimCodeVersion('probe');
    expect(edited).not.toBe(first);

    // a claim that starts importing the new statistic is stamped with it, in the same process
    writeFileSync(join(root, 'claims/probe.claim.ts'), "import { paired } from '../stats/paired.ts';\nimport { holm } from '../stats/holm.ts';\nexport default holm(paired(1));\n");
    expect(claimCodeFiles('probe')!.some((f) => f.endsWith('stats/holm.ts'))).toBe(true);
    expect(claimCodeVersion('probe')).not.toBe(edited);
    expect(claimCodeVersion('gone')).toBeNull();
  });

  it('a claim of this repository is stamped with what it imports, not with the suite and report modules', () => {
    delete process.env.GROK_CLAIMS_DIR;
    const files = claimCodeFiles('tickets-cut-tau')!;
    expect(files).toContain('claims/tickets-cut-tau.claim.ts');
    expect(files).toContain('src/claims/define.ts');
    expect(files).toContain('src/stats/paired.ts');
    // not the modules that run the suite or write the report, which cannot change a verdict
    for (const f of ['src/claims/runner.ts', 'src/claims/build-report.ts', 'src/claims/global-setup.ts', 'src/report/html.ts']) expect(files).not.toContain(f);
    expect(files.filter((f) => f.startsWith('claims/'))).toEqual(['claims/tickets-cut-tau.claim.ts']);
  });
});
