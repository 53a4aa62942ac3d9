import { isPrime } from '../data/primes.ts';
import { genTrainTest } from '../data/split.ts';
import { COMMUTATIVE, isTaskName, TASK_NAMES } from '../tasks/modular.ts';
import { UsageError } from './errors.ts';

export interface DatasetOptions { task: string; p: number; frac: number; seed: string; asymmetric?: boolean; json?: boolean }

/**
 * The most pairs a split may hold here. Measured 2026-12-07 on 2 shared cores: p = 2003 ordered
 * (4.0 M pairs) took 11 s and 563 MiB to split and print as JSON, p = 4099 (16.8 M) 84 s and
 * 2.2 GiB; p = 100 003 (10¹⁰ pairs) never finished. 2²² pairs keeps a split to seconds.
 */
export const MAX_DATASET_PAIRS = 2 ** 22;

const pairCount = (p: number, symmetric: boolean): number => (symmetric ? (p * (p + 1)) / 2 : p * p);

/** The largest prime modulus whose pairs fit the bound. */
function largestAllowedPrime(symmetric: boolean): number {
  let p = symmetric ? Math.floor((Math.sqrt(8 * MAX_DATASET_PAIRS + 1) - 1) / 2) : Math.floor(Math.sqrt(MAX_DATASET_PAIRS));
  while (p > 2 && !(isPrime(p) && pairCount(p, symmetric) <= MAX_DATASET_PAIRS)) p--;
  return p;
}

/**
 * The authors' train/test split of a modular task, seeds beyond 2^53 included (Python's random
 * takes any int). The pairs are the task's, as training uses them: a ≤ b where the operation
 * commutes, ordered pairs (a, b) where it does not (or with --asymmetric).
 */
export function dataset(o: DatasetOptions): number {
  if (!isTaskName(o.task)) throw new UsageError(`--task: "${o.task}" is invalid (allowed values: ${TASK_NAMES.join(', ')})`);
  if (!isPrime(o.p)) throw new UsageError(`--p: ${o.p} is invalid (the modulus must be a prime)`);
  if (!(o.frac > 0 && o.frac < 1)) throw new UsageError(`--frac: ${o.frac} is invalid (the fraction of pairs used for training, in (0, 1))`);
  if (!/^\d+$/.test(o.seed)) throw new UsageError(`--seed: "${o.seed}" is invalid (a non-negative integer)`);
  const symmetric = COMMUTATIVE[o.task] && !o.asymmetric;
  const pairs = pairCount(o.p, symmetric);
  const kind = symmetric ? 'pairs a ≤ b' : 'ordered pairs';
  if (pairs > MAX_DATASET_PAIRS) {
    throw new UsageError(`--p: ${o.p} is too large (${pairs} ${kind}, over the ${MAX_DATASET_PAIRS} a split may hold: p ≤ ${largestAllowedPrime(symmetric)} for ${o.task}${symmetric ? '' : ' on ordered pairs'})`);
  }
  const seed = BigInt(o.seed) <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(o.seed) : BigInt(o.seed);
  const split = genTrainTest({ p: o.p, fracTrain: o.frac, seed, symmetric });
  if (o.json) process.stdout.write(`${JSON.stringify(split)}\n`);
  else process.stdout.write(`train ${split.train.length} pairs, test ${split.test.length} pairs (${kind} of ${o.task} mod ${o.p}); first train ${JSON.stringify(split.train.slice(0, 5))}\n`);
  return 0;
}
