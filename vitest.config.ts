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
        },
      },
    ],
  },
});
