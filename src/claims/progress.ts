import { existsSync, readFileSync, writeFileSync } from 'node:fs';
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

/** What the claims' global setup shares with each claim test, through a file (tests run in other processes). */
export interface SuiteState {
  startedAt: number;
  scale: string;
  /** outcome keys (`id@setting`) the suite will decide, with the duration each took last time. */
  pairs: { key: string; expectedMs: number | null }[];
  done: { key: string; ms: number; trained: number; cached: number }[];
}

export function writeSuiteState(file: string, s: SuiteState): void {
  writeFileSync(file, JSON.stringify(s));
}

/** The remaining time: last durations where known, else the mean of the pairs done so far. */
export function suiteEta(s: SuiteState): string {
  const doneKeys = new Set(s.done.map((d) => d.key));
  const left = s.pairs.filter((p) => !doneKeys.has(p.key));
  if (left.length === 0) return '0s';
  const known = left.reduce((a, p) => a + (p.expectedMs ?? 0), 0);
  const unknown = left.filter((p) => p.expectedMs === null).length;
  if (unknown === 0) return fmtTime(known);
  // extrapolate from the pairs that trained (an instant skip says nothing about a claim's cost)
  const trained = s.done.filter((d) => d.ms > 1000);
  if (trained.length === 0) return 'unknown (no earlier run at this scale)';
  const mean = trained.reduce((a, d) => a + d.ms, 0) / trained.length;
  return `~${fmtTime(known + mean * unknown)}`;
}

/**
 * One line per (claim, setting) at its start and end: "claim 4/17 … runs 12 trained, 20 cached ·
 * elapsed 5m · ETA 18m", so a 50-minute suite says where it is and how long it has left.
 */
export function suiteProgress(file: string | undefined) {
  const read = (): SuiteState | null => {
    if (!file || !existsSync(file)) return null;
    try {
      return JSON.parse(readFileSync(file, 'utf8')) as SuiteState;
    } catch {
      return null;
    }
  };
  const summary = (s: SuiteState) => {
    const trained = s.done.reduce((a, d) => a + d.trained, 0);
    const cached = s.done.reduce((a, d) => a + d.cached, 0);
    return `runs so far: ${trained} trained, ${cached} from the store · elapsed ${fmtTime(Date.now() - s.startedAt)} · ETA ${suiteEta(s)}`;
  };
  return {
    start(key: string) {
      const s = read();
      if (!s) return;
      const i = s.done.length + 1;
      process.stderr.write(`[grok] claim ${i}/${s.pairs.length} at ${s.scale} scale: ${key} · ${summary(s)}\n`);
    },
    finish(key: string, runs: { cached?: boolean }[], ms: number) {
      const s = read();
      if (!s || !file) return;
      s.done.push({ key, ms, trained: runs.filter((r) => !r.cached).length, cached: runs.filter((r) => r.cached).length });
      writeSuiteState(file, s);
      process.stderr.write(`[grok] claim ${s.done.length}/${s.pairs.length} done: ${key} in ${fmtTime(ms)} · ${summary(s)}\n`);
    },
  };
}
