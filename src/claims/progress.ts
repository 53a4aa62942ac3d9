import type { RunResult } from '../runs/execute.ts';
import type { Progress } from '../train/loop.ts';

const fmtTime = (ms: number) => (ms < 90_000 ? `${Math.round(ms / 1000)}s` : `${Math.round(ms / 60_000)}m`);

/**
 * One line per run every 10 % of its epochs, on stderr: readable in CI logs (no carriage-return
 * redraws) and in vitest's output, which is not a TTY.
 */
export function progressPrinter(prefix: string) {
  const lastDecile = new Map<string, number>();
  const print = (label: string, p: Progress) => {
    const decile = Math.floor((10 * p.epoch) / p.epochs);
    if ((lastDecile.get(label) ?? -1) >= decile) return;
    lastDecile.set(label, decile);
    const eta = (p.epochs - p.epoch) * p.msPerStep;
    const test = p.testAcc === null ? '–' : p.testAcc.toFixed(3);
    process.stderr.write(
      `[${prefix}] ${label}: epoch ${p.epoch}/${p.epochs}  train ${p.trainAcc.toFixed(3)}  test ${test}  ${p.msPerStep.toFixed(2)} ms/step  ETA ${fmtTime(eta)}\n`,
    );
  };
  return Object.assign(print, {
    done(label: string, r: RunResult) {
      const m = r.milestones;
      const how = r.cached ? 'cache hit' : `trained in ${fmtTime(r.meta.durationMs)}`;
      process.stderr.write(`[${prefix}] ${label}: ${how} (run ${r.key})  t_mem ${m.tMem ?? '—'}  t_gen ${m.tGen ?? `>${m.horizon}`}  τ ${m.tauGrok?.toFixed(2) ?? 'censored'}\n`);
    },
  });
}
