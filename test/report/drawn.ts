import * as vega from 'vega';
import { compileSpec } from '../../src/report/render.ts';
import { toVegaLite } from '../../src/report/specs.ts';
import type { FigureInput } from '../../src/report/types.ts';

export interface DrawnMark { marktype: string; role: string; name?: string; items: Record<string, unknown>[] }

/** Every mark in the rendered scenegraph (nested in groups too): what actually got drawn. */
export async function drawn(fig: FigureInput): Promise<DrawnMark[]> {
  const view = new vega.View(vega.parse(compileSpec(toVegaLite(fig)).vega), { renderer: 'none' });
  await view.runAsync();
  const out: DrawnMark[] = [];
  const visitMark = (mark: DrawnMark) => {
    out.push(mark);
    for (const item of mark.items) for (const child of (item.items ?? []) as DrawnMark[]) visitMark(child);
  };
  visitMark((view.scenegraph() as unknown as { root: DrawnMark }).root);
  view.finalize();
  return out;
}

/** Items of data marks (role 'mark') of one type. */
export const dataItems = (marks: DrawnMark[], type: string) =>
  marks.filter((m) => m.marktype === type && m.role === 'mark').flatMap((m) => m.items);
