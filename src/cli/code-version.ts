import { allRunCode } from '../runs/code-identity.ts';
import { codeVersion } from '../store/hash.ts';

/**
 * Every file a run key can depend on: what the core and every registered task, model, loss and
 * derivation import (src/runs/code-identity.ts), and package-lock.json (the backend's package
 * versions are part of a run's key). A CI cache of the run store keyed by this hash changes exactly
 * when some stored run may have gone stale, and not when only claims, the report or the CLI changed.
 */
export function storeCodeFiles(): string[] {
  return [...allRunCode(), 'package-lock.json'].sort();
}

export const storeCodeVersion = (): string => codeVersion(storeCodeFiles());

/** `grok cache version`: one line, for a CI cache key; with --files, the files it hashes. */
export async function cacheVersion(o: { files?: boolean } = {}): Promise<number> {
  process.stdout.write(o.files ? storeCodeFiles().map((f) => `${f}\n`).join('') : `${storeCodeVersion()}\n`);
  return 0;
}
