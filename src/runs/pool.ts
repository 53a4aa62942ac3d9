import { Worker } from 'node:worker_threads';
import { initBackend } from '../backend/choose.ts';
import { gpuMemory } from '../backend/gpu-memory.ts';
import { estimateMemory } from '../config/bounds.ts';
import { populationChoice, populationSize } from '../config/population.ts';
import { parseRunConfig, type RunConfig, type RunConfigInput } from '../config/schema.ts';
import { nativeBackendLikely, workerCount } from '../config/workers.ts';
import type { Progress } from '../train/loop.ts';
import { getRun, type RunResult } from './execute.ts';
import { getPopulations, populationGroups } from './population.ts';

/**
 * Trains several runs at once, one unit of work per worker thread. tfjs-wasm runs on one thread in
 * Node, so on CI's 2 cores two independent runs (different seeds) take the time of one. A unit is
 * one run, or with populations (GROK_POPULATION, src/config/population.ts) a group of runs of one
 * shape trained together. Runs stay content-addressed: a worker that needs a run another one is
 * training waits on the store's lock. GROK_WORKERS sets the pool size (see src/config/workers.ts).
 */
export { workerCount };

export interface Job { config: RunConfig | RunConfigInput; label: string }

/** Runs per population for these jobs on this machine (1: each run alone). */
async function populationFor(jobs: Job[]): Promise<number> {
  const choice = populationChoice();
  if (choice.kind === 'auto' && !nativeBackendLikely()) return 1;
  // the device matters only to auto, and starting a backend to learn it costs a GPU runner nothing
  const device = choice.kind === 'auto' ? (await initBackend()).device : 'CPU';
  const first = parseRunConfig(jobs[0].config);
  return populationSize(choice, {
    device,
    freeBytes: device === 'GPU' ? (gpuMemory()?.freeBytes ?? null) : null,
    perRunBytes: estimateMemory(first)?.bytes ?? null,
    waiting: jobs.length,
  });
}

export async function getRuns(
  jobs: Job[],
  opts: { onProgress?: (label: string, p: Progress) => void; workers?: number } = {},
): Promise<RunResult[]> {
  if (jobs.length === 0) return [];
  const size = await populationFor(jobs);
  const units = size > 1 ? populationGroups(jobs.map((j) => parseRunConfig(j.config)), size) : jobs.map((_, i) => [i]);
  const n = Math.min(opts.workers ?? workerCount(), units.length);
  if (n <= 1) {
    if (size > 1) return getPopulations(jobs, { size, onProgress: opts.onProgress });
    const out: RunResult[] = [];
    for (const j of jobs) out.push(await getRun(j.config, { label: j.label, onProgress: opts.onProgress }));
    return out;
  }
  const results: RunResult[] = new Array(jobs.length);
  let next = 0;
  const workers = Array.from({ length: n }, () => new Worker(new URL('./worker-boot.js', import.meta.url)));
  try {
    await Promise.all(
      workers.map(
        (w) =>
          new Promise<void>((resolve, reject) => {
            const feed = () => {
              if (next >= units.length) return resolve();
              const id = next++;
              w.postMessage({ id, jobs: units[id].map((i) => ({ config: jobs[i].config, label: jobs[i].label })), population: size });
            };
            w.on('message', (m: { id: number; type: string; label?: string; progress?: Progress; results?: RunResult[]; message?: string }) => {
              if (m.type === 'progress') opts.onProgress?.(m.label!, m.progress!);
              else if (m.type === 'done') {
                units[m.id].forEach((i, k) => (results[i] = m.results![k]));
                feed();
              } else if (m.type === 'error') reject(new Error(`${units[m.id].map((i) => jobs[i].label).join(', ')}: ${m.message}`));
            });
            w.on('error', reject);
            feed();
          }),
      ),
    );
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return results;
}
