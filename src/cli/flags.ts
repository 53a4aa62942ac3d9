import type { Command } from 'commander';
import { UsageError } from './errors.ts';

/**
 * Which run-config field each `grok train` / `grok bench` flag sets. The config schema reports
 * errors by field ("data.fracTrain: 1.5 is invalid (…)"); a user who typed `--frac 1.5` is told
 * about `--frac` instead.
 */
export const FLAG_FIELDS: Record<string, string[]> = {
  task: ['data.task'],
  p: ['data.p'],
  frac: ['data.fracTrain'],
  seed: ['data.seed', 'initSeed'],
  asymmetric: ['data.symmetric'],
  model: ['model.name'],
  epochs: ['epochs'],
  'eval-every': ['evalEvery'],
  'snapshot-every': ['snapshotEvery'],
  wd: ['optim.weightDecay'],
  lr: ['optim.lr'],
  keep: ['derive.keepFraction'],
  from: ['derive.fromEpoch'],
};

/**
 * Rewrites "field: …" issues to "--flag: …" where a flag the user gave set that field; issues
 * about fields no flag set (defaults, cross-group rules) keep the config path. A derived run
 * repeats its base under `derive.base.`, which names the same flag.
 */
export function issuesInFlagTerms(issues: readonly string[], given: Iterable<string>): string[] {
  const byField = new Map<string, string>();
  for (const flag of given) for (const field of FLAG_FIELDS[flag] ?? []) byField.set(field, flag);
  return issues.map((issue) => {
    const m = /^([\w.]+): ([\s\S]*)$/.exec(issue);
    if (!m) return issue;
    const flag = byField.get(m[1].replace(/^derive\.base\./, ''));
    return flag ? `--${flag}: ${m[2]}` : issue;
  });
}

/** A ConfigError (src/config/schema.ts) without importing the schema, which loads every registry. */
export function configIssues(err: unknown): string[] | null {
  if (err instanceof Error && err.name === 'ConfigError' && Array.isArray((err as { issues?: unknown }).issues)) return (err as unknown as { issues: string[] }).issues;
  return null;
}

/** Runs `fn`; a config error comes back naming the flags the user gave. */
export async function inFlagTerms<T>(given: Iterable<string>, fn: () => T | Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    const issues = configIssues(err);
    if (!issues) throw err;
    const mapped = [...new Set(issuesInFlagTerms(issues, given))]; // --seed sets two fields
    throw new UsageError(mapped.length === 1 ? mapped[0] : `invalid settings:\n  ${mapped.join('\n  ')}`);
  }
}

/** The flags given on the command line (not defaults), by their long name without dashes. */
export function givenFlags(cmd: Command): string[] {
  return cmd.options.filter((o) => cmd.getOptionValueSource(o.attributeName()) === 'cli').map((o) => o.name());
}
