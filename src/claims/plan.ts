import { readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { claimsRoot } from '../util/paths.ts';
import { isClaim } from './define.ts';

/**
 * The claim files of the suite, read before any claim runs: a duplicate id would otherwise let one
 * claim's stored outcome silently replace another's (lm-eval only warns; here it is an error), and
 * the suite's progress line needs to know how many (claim, setting) pairs lie ahead.
 */
export interface PlannedClaim {
  id: string;
  file: string;
  title: string;
  settings: string[];
}

/** A claim test's name, one per (claim, setting): made by the runner, matched by vitest's `-t` filter. */
export const claimTestName = (id: string, setting: string, title: string): string => `${id} [${setting}]: ${title}`;

export class ClaimPlanError extends Error {}

const FILE_RE = /\.claim\.ts$/;

/** Every claim file in `dir`, imported (a claim file defines a value and creates no test); ids checked against file names. */
export async function discoverClaims(dir = claimsRoot()): Promise<PlannedClaim[]> {
  const files = readdirSync(dir).filter((f) => FILE_RE.test(f)).sort();
  const out: PlannedClaim[] = [];
  for (const file of files) {
    const def: unknown = (await import(pathToFileURL(join(dir, file)).href)).default;
    if (!isClaim(def)) throw new ClaimPlanError(`${join(dir, file)}: its default export is not a claim (export default defineClaim({...}))`);
    out.push({ id: def.id, file, title: def.title, settings: [...def.settings] });
  }
  checkIds(out, dir);
  return out;
}

/** Each id once, and a claim's file named for its id, so its stored outcome has one owner. */
export function checkIds(claims: Pick<PlannedClaim, 'id' | 'file' | 'settings'>[], dir: string): void {
  const byId = new Map<string, string>();
  for (const c of claims) {
    const other = byId.get(c.id);
    if (other) throw new ClaimPlanError(`duplicate claim id "${c.id}" in ${join(dir, other)} and ${join(dir, c.file)}: each claim needs its own id`);
    byId.set(c.id, c.file);
  }
  for (const c of claims) {
    if (basename(c.file).replace(FILE_RE, '') !== c.id) throw new ClaimPlanError(`${join(dir, c.file)} defines claim "${c.id}": name the file ${c.id}.claim.ts (a claim's file is named for its id)`);
  }
}
