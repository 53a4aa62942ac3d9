import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

// Two projects: `npm test` runs the fast unit/property suite; `npm run claims` (or `vitest claims`)
// runs the long paper-claim suite. Claims run one file at a time: each training run already uses
// the whole machine, and runs shared between claims are computed once through the run store.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
          // vitest's default (cores − 1) is one file at a time on CI's 2 cores, while many files
          // mostly wait (spawned CLIs, a SIGKILL timer, lock timeouts): two halve npm test there
          // (measured 2026-12-02: 368 s → 188 s, every test passing)
          maxWorkers: Math.max(2, availableParallelism()),
          globalSetup: ['./test/guard-repo-dirs.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'claims',
          // GROK_CLAIMS_DIR lets a test point the suite at another folder of claim files
          dir: process.env.GROK_CLAIMS_DIR ?? 'claims',
          include: ['**/*.claim.ts'],
          testTimeout: 6 * 60 * 60 * 1000,
          hookTimeout: 6 * 60 * 60 * 1000,
          fileParallelism: false,
          globalSetup: ['./src/claims/global-setup.ts'],
          // the one runner: it turns each claim file (a plain defineClaim value) into its tests
          setupFiles: ['./src/claims/runner.ts'],
        },
      },
    ],
  },
});
