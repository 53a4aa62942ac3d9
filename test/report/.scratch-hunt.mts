import { writeFileSync } from 'node:fs';
import { renderPng, renderSvg } from '/work/main/src/report/render.ts';
import { toVegaLite } from '/work/main/src/report/specs.ts';
import { curvesFigure } from './sample.ts';
const heat = { id: 'h', title: 'Test accuracy after 8000 epochs by sparsity and weight decay', kind: 'heatmap', data: [] as any[], encoding: { x: 'sparsity', y: 'wd', color: 'acc', xTitle: 'sparsity', yTitle: 'weight decay', colorTitle: 'test acc' } } as any;
for (const s of [0, 0.2, 0.4, 0.6, 0.8, 0.9]) for (const wd of [0.01, 0.1, 1]) heat.data.push({ sparsity: s, wd, acc: Math.min(1, 0.3 + s * 0.6 + wd * 0.2) });
const sc = { id: 's', title: 'τ vs. weight norm', kind: 'scatter', data: [] as any[], encoding: { x: 'norm', y: 'tau', color: 'arm', yScale: 'log', xTitle: 'L2 norm at t_mem', yTitle: 'τ' } } as any;
for (let i = 0; i < 30; i++) sc.data.push({ norm: 20 + i, tau: 100 * (1 + i % 7) * (i % 2 ? 1 : 5), arm: i % 2 ? 'ticket' : 'dense' });
const cf = curvesFigure();
const facet = { ...cf, id: 'facet', title: 'Faceted', encoding: { ...cf.encoding, facet: 'series' } };
const loss = { ...cf, id: 'loss', title: 'single point + no detail', data: [{ x: 10, y: 0.5, series: 'a' }], encoding: { x: 'x', y: 'y', color: 'series' } };
for (const f of [heat, sc, facet, loss]) {
  const svg = await renderSvg(toVegaLite(f));
  writeFileSync(`/tmp/rtest/out/${f.id}.png`, renderPng(svg));
}
