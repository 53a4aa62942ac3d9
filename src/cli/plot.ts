import { extname, join } from 'node:path';
import type { TopLevelSpec } from 'vega-lite';
import { thinLogSpaced } from '../claims/figures.ts';
import { toVegaLite } from '../report/specs.ts';
import type { FigureInput } from '../report/types.ts';
import { openRun } from '../store/store.ts';
import { tasks } from '../tasks/index.ts';
import { milestones } from '../train/milestones.ts';
import type { RunLog } from '../train/loop.ts';
import type { RunConfig } from '../config/schema.ts';
import { writeFileAtomic } from '../util/atomic-write.ts';
import { reportsRoot } from '../util/paths.ts';
import { configSummary, findRun, runState } from './cache.ts';
import { UsageError } from './errors.ts';

/** Train and test curves of one logged quantity, epoch on a log axis (epoch 0 drawn at 1) as in the report. */
function curves(log: RunLog, which: 'Acc' | 'Loss', title: string, marks: FigureInput['milestones'] = []): FigureInput {
  const y = which === 'Acc' ? 'accuracy' : 'loss';
  const data: Record<string, unknown>[] = [];
  for (const i of thinLogSpaced(log.epochs, 400)) {
    const epoch = Math.max(1, log.epochs[i]);
    data.push({ epoch, [y]: log[`train${which}`][i], split: 'train' });
    data.push({ epoch, [y]: log[`test${which}`][i], split: 'test' });
  }
  return {
    id: y, title, kind: 'curves', data, milestones: marks,
    encoding: { x: 'epoch', y, color: 'split', xScale: 'log', xTitle: 'epoch (log)', yTitle: which === 'Acc' ? y : `${y} (log)`, yScale: which === 'Acc' ? 'linear' : 'log', colorTitle: 'split' },
  };
}

/** The report's specs for both charts, stacked: one file per run. */
export function runCurvesSpec(key: string, config: RunConfig, log: RunLog): TopLevelSpec {
  const m = milestones(log, tasks.get(config.data.task).milestone);
  const never = `never (> ${m.horizon})`;
  // t_mem on the train curve, t_gen on the test curve, in their colours (epoch 0 is drawn at 1)
  const marks = [
    ...(m.tMem !== null ? [{ x: Math.max(1, m.tMem), label: `t_mem ${m.tMem}`, series: 'train' }] : []),
    ...(m.tGen !== null ? [{ x: Math.max(1, m.tGen), label: `t_gen ${m.tGen}`, series: 'test' }] : []),
  ];
  const specs = [
    toVegaLite(curves(log, 'Acc', `accuracy: t_mem ${m.tMem ?? never}, t_gen ${m.tGen ?? never}, τ_grok ${m.tauGrok?.toFixed(2) ?? 'censored'}`, marks)),
    toVegaLite(curves(log, 'Loss', 'loss', marks)),
  ];
  const { $schema, config: look } = specs[0] as unknown as Record<string, unknown>;
  const inner = specs.map((s) => {
    const { $schema: _s, config: _c, ...rest } = s as unknown as Record<string, unknown>;
    return rest;
  });
  return { $schema, config: look, title: { text: `run ${key}`, subtitle: configSummary(config) }, vconcat: inner, spacing: 24 } as unknown as TopLevelSpec;
}

/** Where a plot goes without --out: the report folder, never the current directory (a checkout's root). */
export const defaultPlotFile = (key: string): string => join(reportsRoot(), 'plots', `${key}.svg`);

export async function plot(run: string, o: { out?: string }): Promise<number> {
  if (o.out !== undefined) {
    const format = extname(o.out).toLowerCase();
    if (format !== '.svg' && format !== '.png') throw new UsageError(`--out: "${o.out}" is invalid (the file name must end in .svg or .png)`);
  }
  const e = await findRun(run);
  if (!e.done) throw new UsageError(`run ${e.key} is ${runState(e)}, not finished: nothing to plot yet`);
  if (!e.config) throw new UsageError(`run ${e.key}: its config.json is missing or unreadable (see \`grok cache verify\`)`);
  const out = o.out ?? defaultPlotFile(e.key);
  const log = await openRun(e.dir).readJson<RunLog>('metrics.json');
  const { renderPng, renderSvg } = await import('../report/render.ts'); // vega and resvg: only once there is something to draw
  const svg = await renderSvg(runCurvesSpec(e.key, e.config as RunConfig, log));
  await writeFileAtomic(out, extname(out).toLowerCase() === '.svg' ? svg : renderPng(svg));
  process.stdout.write(`${out}\n`);
  return 0;
}
