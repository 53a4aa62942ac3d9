import * as vega from 'vega';
import { compileSpec } from '/work/main/src/report/render.ts';
import { toVegaLite } from '/work/main/src/report/specs.ts';
const cases: any[] = [];
const vals = [1e300, -1e300, 5e-324, 0, 1, -1, 1e-300];
for (const a of vals) for (const b of vals) {
  cases.push({ id: 'h', title: 'h', kind: 'heatmap', data: [{ row: 1, col: 'a', value: a }, { row: 2, col: 'b', value: b }], encoding: { x: 'col', y: 'row', color: 'value' } });
  cases.push({ id: 'h', title: 'h', kind: 'heatmap', data: [{ row: 1, col: 'a', value: a }], encoding: { x: 'col', y: 'row', color: 'value' } });
}
for (const c of cases) {
  const errs: unknown[] = [];
  const view = new vega.View(vega.parse(compileSpec(toVegaLite(c)).vega), { renderer: 'none', logger: vega.logger(vega.Warn, 'error', (m: string, l: string, args: unknown[]) => errs.push(args)) as any });
  const svg = await view.toSVG();
  if (errs.length || /NaN/.test(svg)) console.log(JSON.stringify(c.data.map((d: any) => d.value)), errs.map(String).join(';').slice(0, 200), /NaN/.test(svg));
}
