import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;

/** The directory holding our package.json, found from this file so it works from any cwd. */
export function packageRoot(): string {
  if (root) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return (root = dir);
    const up = dirname(dir);
    if (up === dir) throw new Error(`packageRoot: no package.json above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
}

/**
 * A directory named by an environment variable, or its default. An empty value means the default
 * (not the current directory), and a value naming a file is an error that says so.
 */
function dirFromEnv(name: string, fallback: () => string): string {
  const v = process.env[name];
  const dir = resolve(v && v.trim() ? v : fallback());
  if (existsSync(dir) && !statSync(dir).isDirectory()) throw new Error(`${name}: ${dir} is a file, not a directory`);
  return dir;
}

/** The run store and the claim outcomes: $GROK_CACHE, else <package root>/.grok-cache. */
export const cacheRoot = (): string => dirFromEnv('GROK_CACHE', () => join(packageRoot(), '.grok-cache'));

/** The report: $GROK_REPORTS, else <package root>/reports. */
export const reportsRoot = (): string => dirFromEnv('GROK_REPORTS', () => join(packageRoot(), 'reports'));

/** The claim files: $GROK_CLAIMS_DIR, else <package root>/claims (vitest.config.ts reads the same). */
export const claimsRoot = (): string => dirFromEnv('GROK_CLAIMS_DIR', () => join(packageRoot(), 'claims'));

/**
 * Where the user keeps external data sets that no package ships (IMDb's aclImdb): $GROK_DATA, or
 * null when it is unset or empty (there is no default: such data is never guessed from the cwd).
 */
export function dataRoot(): string | null {
  const v = process.env.GROK_DATA;
  return v && v.trim() ? dirFromEnv('GROK_DATA', () => v) : null;
}
