import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { MAX_POPULATION } from '../../src/config/population.ts';

/**
 * A bad GROK_* setting stops `grok` and `npm run claims` before any work, as one line naming the
 * variable, the value and what is allowed: never a stack trace, never silently ignored.
 */
const run = promisify(execFile);
const root = resolve(import.meta.dirname, '../..');
const tmp = mkdtempSync(join(tmpdir(), 'grok-env-'));
const settle = (p: Promise<{ stdout: string; stderr: string }>) =>
  p.then((r) => ({ code: 0, ...r }), (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }));

const cores = availableParallelism();
const BAD: [string, string, string][] = [
  ['GROK_WORKERS', '0', `GROK_WORKERS: "0" is invalid; allowed: a positive integer up to ${cores}, this machine's cores (unset: the number of cores, at most 4)`],
  ['GROK_SCALE', 'bogus', 'GROK_SCALE: "bogus" is not a scale; allowed values: smoke, quick, ci, paper'],
];

describe('GROK_* settings', () => {
  it.each<[string, string, string]>([
    ...BAD,
    ['GROK_BACKEND', 'cuda', 'GROK_BACKEND: "cuda" is not a backend; allowed values: auto, native, tensorflow, gpu, wasm, cpu'],
    // integers too large to mean anything, named with the limit
    ['GROK_WORKERS', '1e9', `GROK_WORKERS: "1e9" is invalid; allowed: a positive integer up to ${cores}, this machine's cores (unset: the number of cores, at most 4)`],
    ['GROK_POPULATION', '1e9', `GROK_POPULATION: "1e9" is invalid; allowed: auto (default: one run at a time on a CPU, sized from free memory on a GPU), off, or a positive integer up to ${MAX_POPULATION}`],
  ])(
    'grok rejects %s=%s before any work, in one line',
    async (name, value, message) => {
      // a command that does not otherwise read the variable still refuses it
      const r = await settle(run(process.execPath, ['bin/grok.js', 'dataset', '--json'], { cwd: root, env: { ...process.env, [name]: value } }));
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toBe(`grok dataset: ${message}\n`);
    },
  );

  it.each(BAD)('the claims suite stops at %s=%s before any claim runs, without a stack trace', async (name, value, message) => {
    const claims = join(tmp, `claims-${name}`);
    mkdirSync(claims);
    const marker = join(tmp, `ran-${name}`);
    writeFileSync(join(claims, 'probe.claim.ts'), `import { writeFileSync } from 'node:fs';\nimport { it } from 'vitest';\nit('probe', () => writeFileSync(${JSON.stringify(marker)}, 'ran'));\n`);
    const env = { ...process.env, GROK_CLAIMS_DIR: claims, GROK_CACHE: join(tmp, 'cache'), GROK_REPORTS: join(tmp, 'reports'), GROK_SCALE: 'smoke', GROK_WORKERS: '1', [name]: value };
    const r = await settle(run('npx', ['vitest', 'run', '--project', 'claims'], { cwd: root, env }));
    expect(r.code).not.toBe(0);
    const out = `${r.stdout}${r.stderr}`.replace(/\x1b\[[0-9;]*m/g, '');
    expect(out).toContain(message);
    expect(out).not.toMatch(/❯ \S+ src\/|\n\s+at /); // no stack frames
    expect(existsSync(marker)).toBe(false); // the probe claim never ran
  }, 60_000);
});
