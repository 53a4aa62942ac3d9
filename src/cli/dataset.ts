import { genTrainTest } from '../data/split.ts';
import { parseTaskName } from '../tasks/modular.ts';
import { UsageError } from './errors.ts';

export interface DatasetOptions { task: string; p: number; frac: number; seed: string; asymmetric?: boolean; json?: boolean }

/** The authors' train/test split, seeds beyond 2^53 included (Python's random takes any int). */
export function dataset(o: DatasetOptions): number {
  parseTaskName(o.task);
  if (!/^\d+$/.test(o.seed)) throw new UsageError(`--seed: "${o.seed}" is invalid (a non-negative integer)`);
  const seed = BigInt(o.seed) <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(o.seed) : BigInt(o.seed);
  const split = genTrainTest({ p: o.p, fracTrain: o.frac, seed, symmetric: !o.asymmetric });
  if (o.json) process.stdout.write(`${JSON.stringify(split)}\n`);
  else process.stdout.write(`train ${split.train.length} pairs, test ${split.test.length} pairs; first train ${JSON.stringify(split.train.slice(0, 5))}\n`);
  return 0;
}
