import { parentPort } from 'node:worker_threads';
import type { RunConfig } from '../config/schema.ts';
import type { Progress } from '../train/loop.ts';
import { getRun } from './execute.ts';
import { getPopulations } from './population.ts';

/** One unit at a time on this thread's own tfjs backend (a run, or a population's runs); progress goes to the parent. */
export interface Unit { id: number; jobs: { config: RunConfig; label: string }[]; population: number }

process.env.GROK_QUIET = '1';
parentPort!.on('message', async (unit: Unit) => {
  const onProgress = (label: string, progress: Progress) => parentPort!.postMessage({ id: unit.id, type: 'progress', label, progress });
  try {
    const results =
      unit.population > 1
        ? await getPopulations(unit.jobs, { size: unit.population, onProgress })
        : [await getRun(unit.jobs[0].config, { label: unit.jobs[0].label, onProgress })];
    parentPort!.postMessage({ id: unit.id, type: 'done', results });
  } catch (err) {
    parentPort!.postMessage({ id: unit.id, type: 'error', message: err instanceof Error ? `${err.message}\n${err.stack}` : String(err) });
  }
});
