import { describe, expect, it } from 'vitest';
import { ticketBeatsControls } from '../../src/claims/compare.ts';
import type { RunResult } from '../../src/runs/execute.ts';

/** A run as the comparisons see it: its seed and milestones (horizon 3000 unless given). */
const run = (seed: number, tMem: number | null, tGen: number | null, horizon = 3000): RunResult =>
  ({ config: { data: { seed } }, milestones: { tMem, tGen, tauGrok: tMem !== null && tGen !== null ? tGen / tMem : null, horizon } }) as unknown as RunResult;
const seeds = [0, 1, 2, 3, 4];

describe('ticketBeatsControls: a control that never memorised', () => {
  it('does not count as τ ≥ 1 in the ticket\'s favour', () => {
    // tickets with τ 0.9 (test accuracy reached before train accuracy): a never-memorising control
    // read as τ ≥ horizon / horizon = 1 would be "slower" on every seed
    const ticket = seeds.map((s) => run(s, 100, 90));
    const r = ticketBeatsControls(ticket, [{ name: 'never', runs: seeds.map((s) => run(s, null, null)) }]);
    expect(r.passed).toBe(false);
    expect(r.comparisons[0].neverMemorised).toEqual(seeds);
    expect(r.comparisons[0].tauBound).toEqual([]);
    expect(r.reason).toContain('no run memorised');
  });

  it('nor against it: its pair is left out and named', () => {
    const ticket = seeds.map((s) => run(s, 100, 150 + 10 * s));
    const control = seeds.map((s) => (s === 2 ? run(s, null, null) : run(s, 200, null)));
    const r = ticketBeatsControls(ticket, [{ name: 'ctrl', runs: control }]);
    const c = r.comparisons[0];
    expect(c.neverMemorised).toEqual([2]);
    expect(c.tauBound).toEqual([15, 15, 15, 15]);
    expect(c.meanLogRatio).toBeCloseTo([0, 1, 3, 4].reduce((a, s) => a + Math.log(15 / ((150 + 10 * s) / 100)), 0) / 4, 12);
    expect(r.passed).toBe(true);
    expect(r.reason).toMatch(/never memorised, so no τ and left out: seed 2/);
  });
});

describe('pairedTau: a control that never memorised', () => {
  it('is not drawn at τ = horizon / horizon = 1, and the note names it', async () => {
    const { pairedTau } = await import('../../src/claims/figures.ts');
    const fig = pairedTau('tau', 'τ', [
      { name: 'ticket', runs: seeds.map((s) => run(s, 100, 150)) },
      { name: 'ctrl', runs: seeds.map((s) => (s === 2 ? run(s, null, null) : run(s, 200, null))) },
    ]);
    const data = fig.data as { arm: string; seed: number; value: number; censored: boolean }[];
    expect(data.filter((d) => d.arm === 'ctrl').map((d) => d.seed)).toEqual([0, 1, 3, 4]);
    expect(data.every((d) => d.value !== 1)).toBe(true);
    expect(fig.censoredNote).toMatch(/not drawn \(never memorised, so no τ\): ctrl seed 2/);
  });
});
