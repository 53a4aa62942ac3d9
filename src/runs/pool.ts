import { Worker } from 'node:worker_threads';
import type { RunConfig, RunConfigInput } from '../config/schema.ts';
import { workerCount } from '../config/workers.ts';
import type { Progress } from '../train/loop.ts';
import { getRun, type RunResult } from './execute.ts';

/**
 * Trains several runs at once, one per worker thread. tfjs-wasm runs on one thread in Node, so on
 * CI's 2 cores two independent runs (different seeds) take the time of one. Runs stay
 * content-addressed: a worker that needs a run another one is training waits on the store's lock.
 * GROK_WORKERS sets the pool size (see src/config/workers.ts).
 */
export { workerCount };

export interface Job { config: RunConfig | RunConfigInput; label: string }

export async function getRuns(
  jobs: Job[],
  opts: { onProgress?: (label: string, p: Progress) => void; workers?: number } = {},
): Promise<RunResult[]> {
  const n = Math.min(opts.workers ?? workerCount(), jobs.length);
  if (n <= 1) {
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
              if (next >= jobs.length) return resolve();
              const id = next++;
              w.postMessage({ id, config: jobs[id].config, label: jobs[id].label });
            };
            w.on('message', (m: { id: number; type: string; label?: string; progress?: Progress; result?: RunResult; message?: string }) => {
              if (m.type === 'progress') opts.onProgress?.(m.label!, m.progress!);
              else if (m.type === 'done') {
                results[m.id] = m.result!;
                feed();
              } else if (m.type === 'error') reject(new Error(`${jobs[m.id].label}: ${m.message}`));
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
