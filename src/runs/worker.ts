import { parentPort } from 'node:worker_threads';
import { getRun } from './execute.ts';
import type { RunConfig } from '../config/schema.ts';

/** One training run at a time on this thread's own tfjs backend; progress goes to the parent. */
export interface Job { id: number; config: RunConfig; label: string }

process.env.GROK_QUIET = '1';
parentPort!.on('message', async (job: Job) => {
  try {
    const result = await getRun(job.config, {
      label: job.label,
      onProgress: (label, progress) => parentPort!.postMessage({ id: job.id, type: 'progress', label, progress }),
    });
    parentPort!.postMessage({ id: job.id, type: 'done', result });
  } catch (err) {
    parentPort!.postMessage({ id: job.id, type: 'error', message: err instanceof Error ? `${err.message}\n${err.stack}` : String(err) });
  }
});
