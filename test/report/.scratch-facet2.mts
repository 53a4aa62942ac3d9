import { compileSpec } from '/work/main/src/report/render.ts';
import { toVegaLite } from '/work/main/src/report/specs.ts';
import { curvesFigure } from './sample.ts';
const cf = curvesFigure();
const vg: any = compileSpec(toVegaLite({ ...cf, encoding: { ...cf.encoding, facet: 'series' } })).vega;
const walk = (m: any, d = 0) => { for (const x of m.marks ?? []) { console.log(' '.repeat(d) + x.type, x.name, x.role ?? '', x.title ? JSON.stringify(x.title) : '', x.encode?.update ? JSON.stringify(x.encode.update).slice(0, 200) : ''); walk(x, d + 2); } };
walk(vg);
