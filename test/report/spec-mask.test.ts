import * as vega from 'vega';
import { describe, expect, it } from 'vitest';
import { compileSpec } from '../../src/report/render.ts';
import { maskRuns } from '../../src/report/spec-mask.ts';
import { toVegaLite } from '../../src/report/specs.ts';
import type { FigureInput } from '../../src/report/types.ts';

async function rects(fig: FigureInput): Promise<{ x: number; x2: number; y: number; y2: number }[]> {
  const view = new vega.View(vega.parse(compileSpec(toVegaLite(fig)).vega), { renderer: 'none' });
  await view.runAsync();
  const out: { x: number; x2: number; y: number; y2: number }[] = [];
  const visit = (mark: { marktype: string; role: string; items: Record<string, unknown>[] }) => {
    if (mark.marktype === 'rect' && mark.role === 'mark') {
      for (const it of mark.items) out.push({ x: it.x as number, x2: (it.x as number) + (it.width as number), y: it.y as number, y2: (it.y as number) + (it.height as number) });
    }
    for (const item of mark.items) for (const child of (item.items ?? []) as typeof mark[]) visit(child);
  };
  visit((view.scenegraph() as unknown as { root: { marktype: string; role: string; items: Record<string, unknown>[] } }).root);
  view.finalize();
  return out;
}

describe('mask figures', () => {
  it('maskRuns: one run per maximal block of kept entries, end exclusive', () => {
    const m = [1, 1, 0, 1, 0, 0, 1, 1, 1, 0, 0, 0];
    expect(maskRuns(m, 2, 6, { panel: 'a' })).toEqual([
      { panel: 'a', row: 0, start: 0, end: 2 }, { panel: 'a', row: 0, start: 3, end: 4 },
      { panel: 'a', row: 1, start: 0, end: 3 },
    ]);
    expect(maskRuns([0, 0, 0], 1, 3)).toEqual([]);
  });

  it('draws each run as one bar spanning its tokens, row 0 on top', async () => {
    // 2 rows × 4 tokens: row 0 keeps tokens 0–1, row 1 keeps token 3
    const fig: FigureInput = { id: 'm', title: 'mask', kind: 'mask', data: maskRuns([1, 1, 0, 0, 0, 0, 0, 1], 2, 4), encoding: { x: 'start', x2: 'end', y: 'row' } };
    const r = await rects(fig);
    expect(r).toHaveLength(2);
    const [a, b] = r.sort((p, q) => p.y - q.y);
    const unit = (a.x2 - a.x) / 2; // two tokens wide
    expect(b.x2 - b.x).toBeCloseTo(unit, 6);
    expect(a.x).toBeCloseTo(0, 6);
    expect(b.x).toBeCloseTo(3 * unit, 6);
    expect(a.y).toBeLessThan(b.y); // row 0 above row 1
    expect(a.y2).toBeCloseTo(b.y, 6);
  });
});
