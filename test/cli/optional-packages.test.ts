import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

/** `npm ci` says in one line which optional packages (the native TensorFlow ones) it skipped. */

const root = resolve(import.meta.dirname, '../..');
const script = join(root, 'src/cli/optional-packages.mjs');
const run = promisify(execFile);

/** A package root with these optional dependencies, of which `installed` are in node_modules. */
function packageDir(optional: string[], installed: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'grok-optional-'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'x', optionalDependencies: Object.fromEntries(optional.map((n) => [n, '^1.0.0'])) }));
  for (const n of installed) {
    mkdirSync(join(dir, 'node_modules', n), { recursive: true });
    writeFileSync(join(dir, 'node_modules', n, 'package.json'), JSON.stringify({ name: n }));
  }
  return dir;
}

describe('optional packages at install', () => {
  it('npm ci runs the check after the install', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string>; optionalDependencies: Record<string, string> };
    expect(pkg.scripts.postinstall).toBe('node src/cli/optional-packages.mjs');
    expect(Object.keys(pkg.optionalDependencies)).toEqual(['@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu']);
  });

  it('one line names the skipped ones, with how to see why; the install still succeeds', async () => {
    const r = await run(process.execPath, [script], { cwd: packageDir(['@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu'], ['@tensorflow/tfjs-node']) });
    expect(r.stderr).toBe('');
    expect(r.stdout.split('\n')).toHaveLength(2); // one line and its newline
    expect(r.stdout).toMatch(/^\[grok\] optional packages not installed: @tensorflow\/tfjs-node-gpu \(.*`npm install --no-save --foreground-scripts @tensorflow\/tfjs-node-gpu` shows why\); GROK_BACKEND=tensorflow and gpu need them/);
  });

  it('says nothing when every optional package is there', async () => {
    const r = await run(process.execPath, [script], { cwd: packageDir(['a', '@s/b'], ['a', '@s/b']) });
    expect(r).toMatchObject({ stdout: '', stderr: '' });
  });
});
