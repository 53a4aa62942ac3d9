import type { RunConfig } from '../../src/config/schema.ts';
import type { RunResult } from '../../src/runs/execute.ts';

/** A run as claims, comparisons and figures see it: milestones and a two-point log; no training. */
export function fakeRun(config: RunConfig, tMem: number | null, tGen: number | null, horizon = config.epochs): RunResult {
  const acc = tGen === null ? 0.3 : 1;
  return {
    key: 'k', config, dir: '', cached: true, backend: 'b', meta: { normRatio: 0.4 } as RunResult['meta'],
    milestones: { tMem, tGen, tauGrok: tMem !== null && tGen !== null ? tGen / tMem : null, horizon },
    log: { epochs: [0, horizon], trainAcc: [0, 1], testAcc: [0, acc], trainLoss: [1, 0], testLoss: [1, 1], l1: [1, 1], l2: [1, 1], l1Mask: [1, 1], l2Mask: [1, 1], trainAccEvery: [0, 1] },
  } as RunResult;
}

/**
 * The norm-matched world both claim 2 tests use: dense runs generalise at `baseTGen`, tickets at
 * 150–190, the L1-matched control at half the base's t_gen, the L2-matched one never.
 */
export const normMatchedWorld = (baseTGen: readonly number[]) => (c: RunConfig): RunResult => {
  const s = c.data.seed;
  const d = c.derive as { method: string; norm?: string } | undefined;
  if (!d) return fakeRun(c, 100, baseTGen[s]);
  if (d.method === 'magnitude') return fakeRun(c, 100, 150 + 10 * s);
  if (d.norm === 'l1') return fakeRun(c, 130, Math.round(baseTGen[s] / 2));
  return fakeRun(c, 115, null);
};

/** PaI masks far slower than the ticket but, on every seed, 10 % faster than the base model. */
export const fastPaiWorld = (baseTGen: readonly number[]) => (c: RunConfig): RunResult => {
  const s = c.data.seed;
  const d = c.derive as { method: string } | undefined;
  if (!d) return fakeRun(c, 100, baseTGen[s]);
  if (d.method === 'magnitude') return fakeRun(c, 100, 150 + 10 * s);
  return fakeRun(c, 230, Math.round(baseTGen[s] * 0.9));
};
