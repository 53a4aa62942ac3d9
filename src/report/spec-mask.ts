import type { FigureInput } from './types.ts';
import { distinct, extent, isValidRow, vlField, type Need, type Row } from './spec-common.ts';

/**
 * A 0/1 matrix (a pruning mask) drawn like the authors' imshow: one black bar per run of kept
 * entries in a row, row 0 at the top. Runs rather than cells keep a 64 × 67 mask at ~1000 marks
 * instead of 4300, so ten panels still inline in the report. Rows: { [x]: run start, [x2]: run end
 * (exclusive), [y]: row index, facet?: panel }.
 */
export interface MaskBuilt {
  rows: Row[];
  needs: [string, Need][];
  view: Record<string, unknown>;
  notes: string[];
  width?: number;
  height?: number;
}

export function buildMask(fig: FigureInput, rows: Row[]): MaskBuilt {
  const e = fig.encoding;
  const x2 = e.x2 ?? 'end';
  const needs: [string, Need][] = [[e.x, 'finite'], [x2, 'finite'], [e.y, 'finite']];
  const valid = rows.filter((r) => isValidRow(r, needs));
  // the domain spans every drawn run: rows 0 … max, tokens 0 … the last run's end
  const nRows = Math.max(1, (extent(valid.map((r) => Number(r[e.y]) + 1)) ?? [0, 1])[1]);
  const nCols = Math.max(1, (extent(valid.map((r) => Number(r[x2]))) ?? [0, 1])[1]);
  const xTitle = e.xTitle ?? e.x;
  const yTitle = e.yTitle ?? e.y;
  const withEnd = rows.map((r) => (isValidRow(r, needs) ? { ...r, _y2: Number(r[e.y]) + 1 } : r));
  const x = { field: vlField(e.x), type: 'quantitative', title: xTitle, scale: { domain: [0, nCols], nice: false } };
  const y = { field: vlField(e.y), type: 'quantitative', title: yTitle, scale: { domain: [0, nRows], nice: false, reverse: true } };
  const panels = e.facet ? distinct(rows, e.facet).length : 1;
  return {
    rows: withEnd,
    needs,
    notes: ['black: kept weights · white: pruned'],
    view: {
      // no per-bar aria label or tooltip: they would be most of the SVG (thousands of bars)
      mark: { type: 'rect', color: '#111', strokeWidth: 0, aria: false },
      encoding: { x, x2: { field: vlField(x2) }, y, y2: { field: '_y2' } },
    },
    // square-ish cells: tokens across, rows down
    width: Math.min(420, Math.max(160, nCols * 5)),
    height: Math.min(panels > 1 ? 240 : 420, Math.max(80, nRows * 4)),
  };
}

/** Runs of kept entries of each row of a row-major 0/1 matrix, as rows for a 'mask' figure. */
export function maskRuns(data: ArrayLike<number>, nRows: number, nCols: number, extra: Record<string, unknown> = {}): Row[] {
  const out: Row[] = [];
  for (let i = 0; i < nRows; i++) {
    let j = 0;
    while (j < nCols) {
      if (data[i * nCols + j] === 0) {
        j++;
        continue;
      }
      const start = j;
      while (j < nCols && data[i * nCols + j] !== 0) j++;
      out.push({ ...extra, row: i, start, end: j });
    }
  }
  return out;
}
