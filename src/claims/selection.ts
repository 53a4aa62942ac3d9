import { realpathSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { TestProject } from 'vitest/node';
import { outcomeKey } from './define.ts';
import { claimTestName, type PlannedClaim } from './plan.ts';

/**
 * Which (claim, setting) pairs this run of the suite will decide: the claim files vitest was asked
 * to run (`vitest run --project claims tickets-cut-tau`), the tests its name filter keeps (`-t`),
 * and the settings GROK_SETTINGS keeps. The progress line counts these, and only these, so running
 * one claim says "claim 1/1", not "1/31" with the other thirty's time in its ETA.
 */
export interface Selection {
  /** The claim files vitest will run (absolute, real paths), or null for every file. */
  files: Set<string> | null;
  /** vitest's test-name filter (`-t`), matched as vitest matches it: against "<file> <test name>". */
  namePattern: RegExp | null;
  /** The folder test files are named relative to in that full name (the project's root). */
  root: string;
  /** GROK_SETTINGS, or null for every setting. */
  settings: Set<string> | null;
}

const real = (path: string): string => {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
};

/**
 * What vitest will run, read in the claims project's global setup: vitest records the files of the
 * run (its state's paths) before it starts a project's global setup. Nothing recorded (a `vitest
 * list`, or a vitest that records later) means no file filter: every claim counts, as before.
 */
export function vitestSelection(project: TestProject, settings: Set<string> | null): Selection {
  let paths: string[] = [];
  try {
    paths = project.vitest.state.getPaths();
  } catch { /* the state API is experimental in vitest: without it, every file counts */ }
  const files = paths.filter((p) => p.endsWith('.claim.ts'));
  const pattern = project.config.testNamePattern ?? project.vitest.config.testNamePattern;
  return {
    files: files.length ? new Set(files.map(real)) : null,
    namePattern: pattern ? (typeof pattern === 'string' ? new RegExp(pattern) : pattern) : null,
    root: project.config.root,
    settings,
  };
}

/** The outcome keys (`id@setting`) of the pairs `sel` keeps, in the order the claims are listed. */
export function selectedPairs(claims: PlannedClaim[], dir: string, sel: Selection): string[] {
  return claims.flatMap((c) => {
    const file = join(dir, c.file);
    if (sel.files && !sel.files.has(real(file))) return [];
    return c.settings
      .filter((s) => !sel.settings || sel.settings.has(s))
      .filter((s) => !sel.namePattern || sel.namePattern.test(`${relative(sel.root, file)} ${claimTestName(c.id, s, c.title)}`))
      .map((s) => outcomeKey(c.id, s));
  });
}
