import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { BACKEND_CHOICES } from '../../src/backend/choice.ts';
import { ENV_VARS } from '../../src/cli/env-vars.ts';

/** `grok --help` lists every environment variable src/ reads, from the one table in src/cli/env-vars.ts. */

const root = resolve(import.meta.dirname, '../..');

/** Variables named in the sources: every GROK_* token, and every other `process.env.NAME` read. */
function variablesReadInSrc(): Set<string> {
  const names = new Set<string>();
  const files = readdirSync(join(root, 'src'), { recursive: true }).map(String).filter((f) => /\.(ts|mjs)$/.test(f) && !f.endsWith('.test.ts'));
  for (const f of files) {
    const text = readFileSync(join(root, 'src', f), 'utf8');
    for (const m of text.matchAll(/\bGROK_[A-Z0-9_]*[A-Z0-9]\b/g)) names.add(m[0]);
    for (const m of text.matchAll(/process\.env\.([A-Z][A-Z0-9_]*)\b/g)) names.add(m[1]);
  }
  return names;
}

describe('environment variables in the help', () => {
  it('the table names exactly the variables src/ reads', () => {
    const read = variablesReadInSrc();
    expect(read.size).toBeGreaterThanOrEqual(10); // the scan itself finds them (GROK_BACKEND, GROK_SCALE, …)
    expect(ENV_VARS.map((v) => v.name).sort()).toEqual([...read].sort());
  });

  it('grok --help prints every variable and every GROK_BACKEND value, including native and gpu', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['bin/grok.js', '--help'], { cwd: root });
    const section = stdout.slice(stdout.indexOf('Environment:'));
    for (const v of ENV_VARS) expect(section).toMatch(new RegExp(`^  ${v.name} +\\S`, 'm'));
    const backend = /^ {2}GROK_BACKEND +(\S+):/m.exec(section)![1];
    expect(backend.split('|')).toEqual([...BACKEND_CHOICES]);
    expect(backend.split('|')).toEqual(expect.arrayContaining(['native', 'gpu']));
  });
});
