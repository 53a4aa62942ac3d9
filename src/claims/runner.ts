import { pathToFileURL } from 'node:url';
import { expect, inject, test } from 'vitest';
import { selectedSettings } from '../config/settings.ts';
import { attemptClaim } from './attempt.ts';
import { isClaim, type Claim } from './define.ts';
import { claimTestName } from './plan.ts';

/**
 * The one place claim tests are made. This is the claims project's vitest setup file: it runs
 * before each discovered claim file (claims/<id>.claim.ts, whose default export is a plain
 * `defineClaim` value), imports that file and creates one test per (claim, setting) the suite
 * selects. So a claim file stays one discovered file (`vitest run --project claims <name>` selects
 * it), importing it elsewhere creates nothing, and every test's verdict comes from one attempt
 * (src/claims/attempt.ts) that always leaves an outcome.
 */

export function registerClaimTests(claim: Claim, progressFile: string | undefined): void {
  const selected = selectedSettings();
  // vitest fails a file without tests: a claim GROK_SETTINGS leaves out is a skipped test, no outcome
  if (selected && !claim.settings.some((n) => selected.has(n))) {
    test.skip(`${claim.id}: none of its settings (${claim.settings.join(', ')}) is in GROK_SETTINGS`, () => {});
    return;
  }
  for (const setting of claim.settings) {
    if (selected && !selected.has(setting)) continue;
    test(claimTestName(claim.id, setting, claim.title), async (ctx) => {
      const { test: result } = await attemptClaim(claim, setting, { progressFile });
      if (result.status === 'skip') ctx.skip(result.note);
      // the message alone: the stack of a verdict would point into the runner, not at the claim
      else if (result.status === 'fail') throw Object.assign(new Error(result.message), { stack: result.message });
    });
  }
}

const file = expect.getState().testPath;
if (file) {
  const claim: unknown = (await import(pathToFileURL(file).href)).default;
  if (isClaim(claim)) registerClaimTests(claim, inject('grokSuiteProgress'));
  else test(file, () => { throw new Error(`${file}: its default export is not a claim (export default defineClaim({...}))`); });
}
