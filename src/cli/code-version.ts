import { derivations } from '../derive/index.ts';
import { losses } from '../losses/index.ts';
import { models } from '../models/index.ts';
import { CORE_CODE } from '../runs/execute.ts';
import { codeVersion } from '../store/hash.ts';
import { tasks } from '../tasks/index.ts';

/**
 * Every file a run key can depend on: the core every run executes, the files of every registered
 * task, model, loss and derivation, and package-lock.json (the backend's package versions are part
 * of a run's key). A CI cache of the run store keyed by this hash changes exactly when some stored
 * run may have gone stale, and not when only claims, the report or the CLI changed.
 */
export function storeCodeFiles(): string[] {
  const files = new Set<string>(CORE_CODE);
  for (const reg of [tasks, models, losses, derivations]) for (const c of reg.all()) for (const f of c.files) files.add(f);
  files.add('package-lock.json');
  return [...files].sort();
}

export const storeCodeVersion = (): string => codeVersion(storeCodeFiles());

/** `grok cache version`: one line, for a CI cache key. */
export async function cacheVersion(): Promise<number> {
  process.stdout.write(`${storeCodeVersion()}\n`);
  return 0;
}
