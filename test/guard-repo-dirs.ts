import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

/**
 * Global setup of the unit project: tests write to temporary folders, never into the checkout's
 * reports/ (CI uploads that folder as the real report). Its contents are
 * listed before and after the suite; any change fails the run, naming the files.
 */
const root = resolve(import.meta.dirname, '..');
const WATCHED = ['reports'];

function listing(): Map<string, number> {
  const out = new Map<string, number>();
  const walk = (dir: string) => {
    if (!existsSync(dir)) return;
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else out.set(relative(root, p), st.mtimeMs);
    }
  };
  for (const d of WATCHED) walk(join(root, d));
  return out;
}

export default function setup() {
  const before = listing();
  return () => {
    const after = listing();
    const changed = [...after].filter(([f, t]) => before.get(f) !== t).map(([f]) => f);
    const removed = [...before.keys()].filter((f) => !after.has(f));
    if (changed.length || removed.length) {
      // vitest logs an error thrown here but keeps its exit status: set it too
      process.exitCode = 1;
      throw new Error(`unit tests changed files in the checkout (they must write to temporary folders): ${[...changed, ...removed.map((f) => `${f} (removed)`)].slice(0, 10).join(', ')}`);
    }
  };
}
