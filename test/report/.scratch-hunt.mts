import * as vega from 'vega';
import { compileSpec } from '/work/main/src/report/render.ts';
const t = 'toString';
const variants: Record<string, any> = {
  title: { title: t },
  subtitle: { title: { text: 'x', subtitle: t } },
  axisTitle: { encoding: { x: { field: 'a', type: 'quantitative', title: t } } },
  category: { data: { values: [{ a: 1, c: t }] }, encoding: { x: { field: 'a', type: 'quantitative' }, color: { field: 'c', type: 'nominal' } } },
  fieldName: { data: { values: [{ toString: 1 }] }, encoding: { x: { field: 'toString', type: 'quantitative' } } },
  descr: { description: t },
};
for (const [k, v] of Object.entries(variants)) {
  const spec: any = { data: { values: [{ a: 1 }] }, mark: 'point', encoding: { x: { field: 'a', type: 'quantitative' } }, ...v };
  const vg: any = compileSpec(spec).vega;
  try { const view = new vega.View(vega.parse(vg), { renderer: 'none' }); await view.toSVG(); console.log(k, 'ok'); }
  catch (e) { console.log(k, (e as Error).message); }
}
// raw vega
const raw: any = { title: { text: t }, width: 10, height: 10 };
try { await new vega.View(vega.parse(raw), { renderer: 'none' }).toSVG(); console.log('raw ok'); } catch (e) { console.log('raw', (e as Error).message); }
const raw2: any = { marks: [{ type: 'text', encode: { enter: { text: { value: t } } } }] };
try { await new vega.View(vega.parse(raw2), { renderer: 'none' }).toSVG(); console.log('raw2 ok'); } catch (e) { console.log('raw2', (e as Error).message); }
