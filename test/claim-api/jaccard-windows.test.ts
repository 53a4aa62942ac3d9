import { describe, expect, it } from 'vitest';
import { expectationOf, type Claim } from '../../src/claims/define.ts';
import { SCALES } from '../../src/config/scale.ts';
import { getSetting, settingAt, type SettingRun } from '../../src/config/settings.ts';

/**
 * Fig. 7's δt (claims/jaccard-spikes-at-test-jump.claim.ts): 2000 epochs at ci and paper scale,
 * and a setting whose horizon holds too few 2000-epoch windows for the binomial test to reach
 * p ≤ 0.05 even on a hit at every seed is skipped with that reason, not failed or passed.
 */
const def = (await import('../../claims/jaccard-spikes-at-test-jump.claim.ts')).default as Claim;
const scaleOf = (setting: string, scale: keyof typeof SCALES) => (settingAt(getSetting(setting), SCALES[scale]) as SettingRun).scale;

describe('Jaccard claim windows', () => {
  it('decides mlp-add at ci and paper scale on δt = 2000', () => {
    expect(def.undecidable!(scaleOf('mlp-add', 'ci'), 'mlp-add')).toBeNull();
    expect(def.undecidable!(scaleOf('mlp-add', 'paper'), 'mlp-add')).toBeNull();
    expect(def.assertion).toMatch(/δt = 2000 epochs/);
  });

  it('skips transformer-add at ci: 7 windows of 2000 epochs in 10 000 cannot reach p ≤ 0.05', () => {
    const why = def.undecidable!(scaleOf('transformer-add', 'ci'), 'transformer-add');
    expect(why).toMatch(/δt = 2000 on 10000-epoch runs \(snapshots every 1000\) there are K = 7 windows and a hit has chance up to 5\/7, so even 5\/5 hits give binomial p = 0\.186/);
    expect(def.undecidable!(scaleOf('transformer-add', 'paper'), 'transformer-add')).toBeNull();
  });

  it('keeps the expected failure only where it still fails (mlp-parity)', () => {
    expect(expectationOf(def, scaleOf('mlp-add', 'ci'), 'mlp-add')).toBeNull();
    expect(expectationOf(def, scaleOf('transformer-add', 'ci'), 'transformer-add')).toBeNull();
    // a single-statement claim names its one statement
    expect(expectationOf(def, scaleOf('mlp-parity', 'ci'), 'mlp-parity')).toMatchObject({ statements: { assertion: 'fails' }, why: expect.stringMatching(/parity/) });
  });
});
