import { initBackend } from '../backend/choose.ts';
import { environment } from '../backend/info.ts';
import { makeDataset } from '../data/split.ts';
import { initTheta } from '../model/init.ts';
import { mlpLayout, PAPER_DIMS } from '../model/layout.ts';
import { PAPER_ADAMW } from '../optim/adamw.ts';
import { train } from '../train/train.ts';

/** Multiply-adds of one factorised training step (forward, hand-written backward), see mlp.ts. */
export function stepMacs(p: number, dEmb: number, dModel: number, B: number): number {
  const weights = p * dEmb * dModel; // each of Pt, Qt, dW_E, dW_in, dW_out, dW_U
  const batch = B * p * dModel; // each of Z, logits, dQt, dH, dPt
  return 6 * weights + 5 * batch;
}

export interface BenchResult {
  msPerStep: number;
  steps: number;
  warmup: number;
  backend: string;
  flopsPerStep: number;
  gflops: number;
  setting: string;
}

/**
 * ms per training step on the paper MLP (p 67, frac 0.4: 911 train pairs, full batch) with the
 * real training loop, test evaluation switched off. Time = (run of warmup+steps) − (run of warmup),
 * so start-up, uploads and the final evaluation cancel out.
 */
export async function bench(steps = 1000, warmup = 100): Promise<BenchResult> {
  const d = await initBackend();
  const data = makeDataset({ task: 'add', p: 67, fracTrain: 0.4, seed: 0, symmetric: true });
  const layout = mlpLayout({ p: 67, ...PAPER_DIMS });
  const theta0 = initTheta(layout, 0);
  const io = { loadResume: async () => null, saveResume: async () => {}, saveSnapshot: async () => {}, resumeEvery: 1e12 };
  const time = async (epochs: number) => {
    const t = performance.now();
    await train({ layout, data, theta0, mask: null, optim: PAPER_ADAMW, epochs, evalEvery: 1e12, snapshotEvery: 1e12 }, io);
    return performance.now() - t;
  };
  await time(warmup); // JIT and wasm warm-up
  const short = await time(warmup);
  const long = await time(warmup + steps);
  const msPerStep = (long - short) / steps;
  const flopsPerStep = 2 * stepMacs(67, PAPER_DIMS.dEmb, PAPER_DIMS.dModel, data.trainA.length);
  return {
    msPerStep, steps, warmup, backend: `${d.backend} (${(await environment(d)).threads} thread(s))`, flopsPerStep,
    gflops: flopsPerStep / (msPerStep * 1e6), setting: 'paper MLP: p 67, d_emb 500, d_model 48, 911 train pairs, full batch, AdamW',
  };
}
