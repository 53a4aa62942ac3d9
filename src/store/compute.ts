import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { CorruptFileError } from './files.ts';
import { canonicalJson, normaliseConfig } from './hash.ts';
import { describeHolder, lockPathFor, withLock, type LockHolder } from './lock.ts';
import { openWorkspace, type RunContext, type StoredConfig } from './private-dir.ts';
import { openRun } from './reader.ts';
import { CONFIG_FILE, DONE_FILE } from './run-dir.ts';

/**
 * Computing a run: lock → train in a private directory → publish by one rename. The lock makes a
 * second process asking for the same run wait and then read the first one's result; the private
 * directory (private-dir.ts) makes a process that lost its lock harmless: it cannot write into
 * the published run, and the run it was computing is found again, checked, and resumed by the
 * next holder.
 */

export type StoreEvent =
  | { type: 'hit' | 'miss'; key: string }
  /**
   * Another computation of the same run is under way: in this process (`holder` absent), or in
   * another process holding the run's lock (`holder`: who, if it recorded itself).
   */
  | { type: 'wait'; key: string; holder?: LockHolder | null; message?: string }
  /** Files an interrupted attempt left were damaged (or its resume state did not fit the run): recomputed from scratch. */
  | { type: 'recompute'; key: string; message: string }
  | { type: 'done'; key: string; durationMs: number };

export interface GetOrComputeOptions {
  /** Recorded in config.json; with `defaults`, also checked against the key. */
  codeVersion?: string;
  /**
   * The defaults the key was computed with. Pass them whenever the key came from runKey with
   * defaults: the stored and given configs are then compared after normalisation, so a run stored
   * before a default-valued field existed is still recognised as the same run.
   */
  defaults?: unknown;
  /** What computes the run (see runKey); recorded in config.json and part of the key check. */
  backend?: string;
  /** Called when this call waits for another one computing the same run (here or in another process). */
  onWait?: () => void;
}

export class RunConfigMismatchError extends Error {
  override name = 'RunConfigMismatchError';
}

/** What the compute step needs from its store. */
export interface ComputeEnv {
  runsDir: string;
  staleMs: number;
  maxWaitMs: number;
  emit?: (event: StoreEvent) => void;
}

/**
 * One line for a user who may be watching a terminal: to the listener if there is one, else on
 * stderr (unless GROK_QUIET=1). A run that silently stalls for hours behind another process looks
 * hung; a run silently recomputed from scratch looks slow.
 */
function tell(env: ComputeEnv, event: Extract<StoreEvent, { message?: string }> & { message: string }): void {
  if (env.emit) env.emit(event);
  else if (process.env.GROK_QUIET !== '1') process.stderr.write(`[grok] ${event.message}\n`);
}

/** Makes sure the run `key` is published, computing it under its lock unless it already is. */
export async function ensurePublished(
  env: ComputeEnv,
  stored: StoredConfig,
  compute: (ctx: RunContext) => Promise<void>,
  opts: Pick<GetOrComputeOptions, 'defaults' | 'onWait'>,
): Promise<void> {
  const { key } = stored;
  const dir = join(env.runsDir, key);
  const hit = async (): Promise<boolean> => {
    if (!existsSync(join(dir, DONE_FILE))) return false;
    await checkConfig(dir, stored, opts.defaults);
    env.emit?.({ type: 'hit', key });
    return true;
  };
  if (await hit()) return;
  await withLock(
    dir,
    async (lock) => {
      if (await hit()) return; // another process published it while we waited
      env.emit?.({ type: 'miss', key });
      const ws = await openWorkspace({
        runsDir: env.runsDir, key, stored, lock,
        checkConfig: (found) => checkConfig(found, stored, opts.defaults),
        recompute: (message) => tell(env, { type: 'recompute', key, message }),
      });
      const t0 = performance.now();
      if (!ws.finished) await compute(ws.context);
      const done = await ws.publish(Math.round(performance.now() - t0));
      env.emit?.({ type: 'done', key, durationMs: done.durationMs });
    },
    {
      staleMs: env.staleMs,
      maxWaitMs: env.maxWaitMs,
      onWait: (holder) => {
        opts.onWait?.();
        const message =
          `run ${key}: waiting for another process that is computing it (${describeHolder(holder)}; lock ${lockPathFor(dir)}, ` +
          `taken over automatically if its holder dies)`;
        tell(env, { type: 'wait', key, holder, message });
      },
    },
  );
}

/** The run in `dir` (published or not) is the one asked for: same key, config, code and backend. */
export async function checkConfig(dir: string, given: StoredConfig, defaults: unknown): Promise<void> {
  const path = join(dir, CONFIG_FILE);
  if (!existsSync(path)) {
    throw new CorruptFileError(path, 'missing, but the run directory has other content');
  }
  const onDisk = await openRun(dir).readJson<StoredConfig>(CONFIG_FILE);
  const norm = (c: unknown): string => canonicalJson(defaults === undefined ? c : normaliseConfig(c, defaults));
  const sameConfig = norm(onDisk?.config) === norm(given.config);
  const sameCode = onDisk?.codeVersion == null || given.codeVersion == null || onDisk.codeVersion === given.codeVersion;
  const sameBackend = onDisk?.backend === given.backend;
  if (onDisk?.key !== given.key || !sameConfig || !sameCode || !sameBackend) {
    throw new RunConfigMismatchError(
      `${path} describes a different run than the one asked for under key ${given.key} ` +
        `(a hash collision, an edited file, or a key that was not made from this config).\n` +
        `  on disk: ${canonicalJson({ key: onDisk?.key, codeVersion: onDisk?.codeVersion, backend: onDisk?.backend, config: onDisk?.config })}\n` +
        `  asked:   ${canonicalJson(given)}\n` +
        `Delete ${dir} if the stored run is not wanted.`,
    );
  }
}
