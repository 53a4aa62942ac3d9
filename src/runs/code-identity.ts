import type { RunConfig } from '../config/schema.ts';
import { derivations } from '../derive/index.ts';
import { losses } from '../losses/index.ts';
import { models } from '../models/index.ts';
import type { Registered, Registry } from '../registry.ts';
import { importedFiles, packagePath } from '../store/import-graph.ts';
import { tasks } from '../tasks/index.ts';

/**
 * The code whose change must invalidate a stored run (a bug fix must never reuse stale results),
 * computed from the module graph: what the core imports, plus what the run's task, model, loss and
 * derivation import. The registries' lists (src/models/index.ts, …) are where the core would reach
 * every component; those edges are cut and the lists themselves, which change whenever a component
 * is added, are not hashed. So adding or changing one component retrains only the runs that import
 * it; anything the core imports directly is core, for every run.
 */

/**
 * What every run executes: the run itself, its loop, the engine seam and the schema. execute.ts
 * reaches the others; naming them keeps them core should it stop.
 */
export const CORE_ENTRIES = ['src/runs/execute.ts', 'src/train/loop.ts', 'src/engines/choose.ts', 'src/config/schema.ts', 'src/models/state-dict.ts'];

const REGISTRIES: readonly Registry<Registered>[] = [tasks, models, losses, derivations];
/**
 * Lists of the same kind outside a registry: the native engine's table of kernels, one line per
 * model, whose own line each native model's run key hashes (src/engines/native/index.ts kernelHash).
 */
export const OTHER_LISTS = ['src/engines/native/kernels.ts'];

/** Package paths of `file:` URLs, memoised: a run key computes a few of them. */
const paths = new Map<string, string>();
function pathOf(url: string): string {
  let p = paths.get(url);
  if (p === undefined) paths.set(url, (p = packagePath(url)));
  return p;
}

/** The registries' list files and every registered component's source, as of the registries' versions (components may register late). */
let cuts: { version: string; lists: Set<string>; members: Set<string> } | undefined;
function registrations(): NonNullable<typeof cuts> {
  const version = REGISTRIES.map((r) => r.version).join(',');
  if (cuts?.version !== version) {
    cuts = {
      version,
      lists: new Set([...REGISTRIES.map((r) => pathOf(r.list)), ...OTHER_LISTS]),
      members: new Set(REGISTRIES.flatMap((r) => r.all().map((c) => pathOf(c.source)))),
    };
  }
  return cuts;
}

export interface CodeOptions {
  /** Reread the graph where a file changed since this process read it (see importedFiles). */
  fresh?: boolean;
}

/** Computed once per process per entry set and registry state (every run key asks), unless fresh. */
const memo = new Map<string, string[]>();

/** The files `entries` import, transitively, not through a registry's list to its members; the lists left out. */
export function importedCode(entries: readonly string[], opts: CodeOptions = {}): string[] {
  const { version, lists, members } = registrations();
  const key = [version, ...[...entries].sort()].join('\0');
  const hit = opts.fresh ? undefined : memo.get(key);
  if (hit) return [...hit];
  const files = importedFiles(entries, { fresh: opts.fresh, follow: (from, to) => !(lists.has(from) && members.has(to)) })
    .filter((f) => !lists.has(f));
  memo.set(key, files);
  return [...files];
}

export const coreCode = (): string[] => importedCode(CORE_ENTRIES);

/** A component's entry file (its registering module), package-relative. */
export const sourceOf = (c: Registered): string => pathOf(c.source);

/** What one component's runs hash besides the core. */
export const componentCode = (c: Registered): string[] => importedCode([sourceOf(c)]);

/** The entries of a run's code: the core, and the task, model, loss and derivation it uses (a derived run: its base's too). */
export function runEntries(config: RunConfig): string[] {
  const entries = new Set(CORE_ENTRIES);
  const dense = config.derive ? [config, config.derive.base] : [config];
  for (const c of dense) {
    const task = tasks.get(c.data.task);
    for (const comp of [task, models.get(c.model.name), losses.get(task.loss)]) entries.add(sourceOf(comp));
  }
  if (config.derive) entries.add(sourceOf(derivations.get(config.derive.method)));
  return [...entries];
}

/** Every file a run's key hashes, package-relative, sorted. */
export const runCode = (config: RunConfig): string[] => importedCode(runEntries(config));

/** Every file some run's key can hash: the core and every registered component's code. */
export const allRunCode = (): string[] => importedCode([...CORE_ENTRIES, ...REGISTRIES.flatMap((r) => r.all().map(sourceOf))]);
