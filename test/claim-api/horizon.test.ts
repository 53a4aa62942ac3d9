import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import '../setup-backend.ts';
import { atHorizon, loggedAt } from '../../src/claims/horizon.ts';
import { allHold, smallerOnLogScale, type Statement } from '../../src/claims/statements.ts';
import { ticketRun } from '../../src/config/schema.ts';
import { getRun } from '../../src/runs/execute.ts';
import { RunStore } from '../../src/store/store.ts';

const root = mkdtempSync(join(tmpdir(), 'grok-horizon-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const store = new RunStore({ root });
// p = 11 groks in a few hundred epochs at lr 0.01: long enough for milestones on both sides of the cut
const dense = { data: { p: 11, fracTrain: 0.6, seed: 1 }, model: { dEmb: 16, dModel: 12 }, optim: { lr: 0.01 }, initSeed: 1, epochs: 60, evalEvery: 5, snapshotEvery: 20 };

describe('a run read at a shorter horizon (claims reuse longer tickets)', () => {
  it('equals the run trained for that horizon: log, milestones and censoring', async () => {
    const d = await getRun(dense, { store });
    const long = await getRun(ticketRun(d.config, { keepFraction: 0.5 }, { epochs: 60 }), { store });
    for (const h of [5, 25, 60]) {
      const short = await getRun(ticketRun(d.config, { keepFraction: 0.5 }, { epochs: h }), { store });
      const cut = atHorizon(long, h);
      expect(cut.log).toEqual(short.log);
      expect(cut.milestones).toEqual(short.milestones);
      expect(cut.config.epochs).toBe(h);
    }
  }, 60_000);

  it('censors a milestone reached after the cut, and refuses a horizon beyond the run', async () => {
    const d = await getRun(dense, { store });
    const m = d.milestones;
    expect(m.tMem).not.toBeNull();
    const cutAt = Math.floor((m.tMem! - 1) / 5) * 5;
    expect(atHorizon(d, cutAt).milestones).toMatchObject({ tMem: null, tGen: null, tauGrok: null, horizon: cutAt });
    expect(() => atHorizon(d, 61)).toThrow(/trained 60 epochs, fewer than the horizon 61/);
    // a 7-epoch run evaluates epoch 7; the 60-epoch run does not
    expect(() => atHorizon(d, 7)).toThrow(/not a multiple of the run's evalEvery 5/);
    expect(loggedAt(d, 'testAcc', 12)).toBe(d.log.testAcc[2]); // evaluated at 0, 5, 10, …
    expect(loggedAt(d, 'testAcc', 60)).toBe(d.log.testAcc.at(-1));
  }, 60_000);
});

describe('statements of a multi-part claim', () => {
  const st = (state: Statement['state']): Statement => ({ id: 'x', name: 'x', state, value: null, detail: '' });
  it('an undecided statement never lets a claim pass', () => {
    expect(allHold([st('holds'), st('holds')])).toBe(true);
    expect(allHold([st('holds'), st('undecided')])).toBe(false);
    expect(allHold([])).toBe(false);
  });

  it('censoring never helps: a censored larger value counts at its bound, a censored smaller one blocks', () => {
    const [ok, blocked] = smallerOnLogScale([
      { name: 'a', smaller: [1, 1.2, 1.1, 0.9, 1], larger: [10, null, 12, 9, 11], largerBound: [0, 8, 0, 0, 0] },
      { name: 'b', smaller: [1, null, 1, 1, 1], larger: [10, 10, 10, 10, 10] },
    ]);
    expect(ok.blocked).toBeNull();
    expect(ok.ratio).toBeGreaterThan(8);
    expect(ok.pHolm).toBeLessThan(0.01);
    expect(blocked.blocked).toMatch(/1 censored value/);
    expect(blocked.pHolm).toBe(1);
  });
});
