import type { FigureInput } from '../report/types.ts';
import type { RunResult } from '../runs/execute.ts';

/** Figure builders shared by claims: accuracy curves over seeds and paired per-seed milestones. */

/** Keeps ~n points per curve, log-spaced in epoch, so a report with many seeds stays light. */
export function thinLogSpaced(epochs: number[], n = 160): number[] {
  if (epochs.length <= n) return epochs.map((_, i) => i);
  const last = epochs[epochs.length - 1];
  const keep = new Set<number>([0, epochs.length - 1]);
  let j = 0;
  for (let k = 1; k < n; k++) {
    const target = Math.exp((Math.log(last + 1) * k) / n) - 1;
    while (j < epochs.length - 1 && epochs[j] < target) j++;
    keep.add(j);
  }
  return [...keep].sort((a, b) => a - b);
}

export interface Arm {
  name: string;
  runs: RunResult[];
}

/**
 * Train and test accuracy per arm and seed; epoch 0 is drawn at 1 on the log axis. With many arms
 * (`testOnly`) only test accuracy is drawn: every arm memorises alike, and 12 curves are unreadable.
 */
export function accuracyCurves(id: string, title: string, arms: Arm[], caption?: string, opts: { testOnly?: boolean } = {}): FigureInput {
  const data: Record<string, unknown>[] = [];
  for (const arm of arms) {
    for (const run of arm.runs) {
      const { epochs, trainAcc, testAcc } = run.log;
      for (const i of thinLogSpaced(epochs)) {
        const epoch = Math.max(1, epochs[i]);
        if (!opts.testOnly) data.push({ epoch, accuracy: trainAcc[i], series: arm.name, split: 'train', seed: run.config.data.seed });
        data.push({ epoch, accuracy: testAcc[i], series: arm.name, split: 'test', seed: run.config.data.seed });
      }
    }
  }
  return {
    id, title, kind: 'curves', data, caption, milestones: milestoneMarks(arms),
    encoding: {
      x: 'epoch', y: 'accuracy', color: 'series', detail: 'seed', xScale: 'log', xTitle: 'epoch (log)', yTitle: opts.testOnly ? 'test accuracy' : 'accuracy', colorTitle: 'run', yDomain: [0, 1],
      ...(opts.testOnly ? {} : { dash: 'split', dashTitle: 'split' }),
    },
  };
}

/**
 * Each arm's median t_mem and t_gen over its seeds, as marks on its curves (in the arm's colour).
 * A median of seeds of which half or more never reached the milestone is not a time the curves
 * show, so it is left unmarked.
 */
export function milestoneMarks(arms: Arm[]): { x: number; label: string; series: string }[] {
  return arms.flatMap((arm) => (['tMem', 'tGen'] as const).flatMap((k) => {
    const reached = arm.runs.map((r) => r.milestones[k]).filter((t): t is number => t !== null).sort((a, b) => a - b);
    if (!reached.length || reached.length * 2 <= arm.runs.length) return [];
    const m = reached.length % 2 ? reached[reached.length >> 1] : (reached[reached.length / 2 - 1] + reached[reached.length / 2]) / 2;
    return [{ x: Math.max(1, m), label: k === 'tMem' ? 't_mem' : 't_gen', series: arm.name }];
  }));
}

/** One point per seed per arm, joined by seed; a censored milestone is drawn at the horizon. */
export function pairedMilestone(
  id: string,
  title: string,
  arms: { name: string; values: (number | null)[]; seeds: number[] }[],
  opts: { yTitle: string; horizon: number; yScale?: 'log' | 'linear'; caption?: string },
): FigureInput {
  const data = arms.flatMap((arm) =>
    arm.values.map((v, i) => ({ arm: arm.name, seed: arm.seeds[i], value: v ?? opts.horizon, censored: v === null })),
  );
  return {
    id, title, kind: 'paired', data, caption: opts.caption,
    encoding: { x: 'arm', y: 'value', detail: 'seed', yTitle: opts.yTitle, yScale: opts.yScale ?? 'log' },
    censoredNote: data.some((d) => d.censored) ? `▲ = not reached within the horizon (drawn at ${opts.horizon})` : undefined,
  };
}

/** A logged quantity (e.g. the norms of spec §3.4) over epochs per arm and seed. */
export function metricCurves(
  id: string,
  title: string,
  arms: Arm[],
  field: 'l1Mask' | 'l2Mask' | 'testAcc' | 'trainAcc' | 'testLoss' | 'trainLoss',
  opts: { yTitle: string; yScale?: 'log' | 'linear'; caption?: string },
): FigureInput {
  const data: Record<string, unknown>[] = [];
  for (const arm of arms) {
    for (const run of arm.runs) {
      const { epochs } = run.log;
      const ys = run.log[field];
      for (const i of thinLogSpaced(epochs)) data.push({ epoch: Math.max(1, epochs[i]), value: ys[i], series: arm.name, seed: run.config.data.seed });
    }
  }
  return {
    id, title, kind: 'curves', data, caption: opts.caption,
    encoding: { x: 'epoch', y: 'value', color: 'series', detail: 'seed', xScale: 'log', yScale: opts.yScale, xTitle: 'epoch (log)', yTitle: opts.yTitle, colorTitle: 'run' },
  };
}

/** Per-seed τ for a ticket and its controls, censored controls drawn at their lower bound. */
export function pairedTau(id: string, title: string, arms: Arm[]): FigureInput {
  // a run that never memorised has no τ and no bound on it: it is named in the note, not drawn
  const neverMemorised = arms.flatMap((arm) => arm.runs.filter((r) => r.milestones.tMem === null).map((r) => `${arm.name} seed ${r.config.data.seed}`));
  const data = arms.flatMap((arm) =>
    arm.runs.filter((r) => r.milestones.tMem !== null).map((r) => {
      const m = r.milestones;
      const bound = m.horizon / Math.max(1, m.tMem!);
      return { arm: arm.name, seed: r.config.data.seed, value: m.tauGrok ?? bound, censored: m.tauGrok === null };
    }),
  );
  const notes = [
    data.some((d) => d.censored) ? '▲ = never reached 95 % test accuracy: drawn at the lower bound horizon / t_mem' : '',
    neverMemorised.length ? `not drawn (never memorised, so no τ): ${neverMemorised.join(', ')}` : '',
  ].filter(Boolean);
  return {
    id, title, kind: 'paired', data,
    encoding: { x: 'arm', y: 'value', detail: 'seed', yTitle: 'τ_grok = t_gen / t_mem (log)', yScale: 'log' },
    censoredNote: notes.length ? notes.join('; ') : undefined,
  };
}


/**
 * A milestone per seed against a swept setting (e.g. the pruning rate): one thin line per seed and
 * the median over seeds. A censored milestone is drawn at its bound with its own mark and ranks
 * worst in the median, as the claims' tables rank it (`median(values.map((v) => v ?? Infinity))`):
 * τ that was never reached at horizon / t_mem, t_mem at the horizon. A run that never memorised has
 * no τ and no bound on it: it still ranks worst in the median, is not drawn, and is named.
 */
export function milestoneSweep(
  id: string,
  title: string,
  arms: { x: number; runs: RunResult[] }[],
  milestone: 'tauGrok' | 'tMem',
  opts: { xTitle: string; yTitle: string; xName?: string; series?: string; caption?: string },
): FigureInput {
  const series = opts.series ?? 'runs';
  const undrawn: string[] = [];
  const data = arms.flatMap((a) => a.runs.map((r) => {
    const m = r.milestones;
    const seed = `seed ${r.config.data.seed}`;
    const value = m[milestone];
    if (value !== null) return { x: a.x, value, seed, series, censored: false };
    const bound = milestone === 'tMem' ? m.horizon : m.tMem === null ? null : m.horizon / Math.max(1, m.tMem);
    if (bound === null) undrawn.push(`${opts.xName ?? 'x'} = ${a.x} ${seed}`);
    return { x: a.x, value: bound, seed, series, censored: true };
  }));
  const notes = [
    data.some((d) => d.censored && d.value !== null)
      ? `▲ = not reached within the horizon: drawn at ${milestone === 'tMem' ? 'the horizon' : 'the lower bound horizon / t_mem'}, ranked worst in the median`
      : '',
    undrawn.length ? `not drawn (never memorised, so no τ; ranked worst in the median): ${undrawn.join(', ')}` : '',
  ].filter(Boolean);
  return {
    id, title, kind: 'curves', data, caption: opts.caption,
    encoding: { x: 'x', y: 'value', color: 'series', detail: 'seed', xTitle: opts.xTitle, yTitle: opts.yTitle, yScale: 'log', colorTitle: 'run' },
    censoredNote: notes.length ? notes.join('; ') : undefined,
  };
}
