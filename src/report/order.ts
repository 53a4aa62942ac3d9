import type { ClaimReport, PaperPlace, SettingColumn } from './types.ts';

/**
 * The order a person reads the report in: claims as the paper makes them, grouped by section, and
 * settings as the paper presents them, grouped by kind. A claim's place comes from its definition
 * (`paper`, stored with its outcome); an outcome without one (stored by older code) is placed by the
 * section its paperRef starts with, after the ranked claims of that section.
 */

/** "§3.2", "App. E", "Appendix B.1": the section a paperRef starts with, or null. */
const SECTION_RE = /^\s*(§\s*\d+(?:\.\d+)*|App(?:endix|\.)?\s*[A-Z](?:\.\d+)*)/;

export function paperPlace(c: Pick<ClaimReport, 'paper' | 'paperRef'>): PaperPlace {
  if (c.paper) return c.paper;
  const m = SECTION_RE.exec(c.paperRef ?? '');
  return { section: m ? m[1]!.replace(/\s+/g, ' ').replace(/^Appendix/, 'App.').replace(/^App(?!\.)/, 'App.') : 'other', order: Infinity };
}

/** Main text before appendices, each in numeric order: §3.2 < §4.1 < §10 < App. B < App. B.2 < other. */
function sectionKey(section: string): (number | string)[] {
  const main = /^§\s*(\d+(?:\.\d+)*)$/.exec(section);
  if (main) return [0, ...main[1]!.split('.').map(Number)];
  const app = /^App\.\s*([A-Z])((?:\.\d+)*)$/.exec(section);
  if (app) return [1, app[1]!, ...app[2]!.split('.').filter(Boolean).map(Number)];
  return [2, section];
}

function compareKeys(a: (number | string)[], b: (number | string)[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i] === undefined) return -1;
    if (b[i] === undefined) return 1;
    if (a[i] !== b[i]) return typeof a[i] === 'number' && typeof b[i] === 'number' ? (a[i] as number) - (b[i] as number) : String(a[i]) < String(b[i]) ? -1 : 1;
  }
  return 0;
}

export const compareSections = (a: string, b: string): number => compareKeys(sectionKey(a), sectionKey(b));

/** Claim ids in the paper's order (by section, then rank, then id), each with its section. */
export function claimsInPaperOrder(claims: Pick<ClaimReport, 'id' | 'paper' | 'paperRef'>[]): { id: string; section: string }[] {
  const first = new Map<string, PaperPlace>();
  for (const c of claims) if (!first.has(c.id) || (c.paper && first.get(c.id)!.order === Infinity)) first.set(c.id, paperPlace(c));
  return [...first.entries()]
    .sort(([ia, a], [ib, b]) => compareSections(a.section, b.section) || (a.order === b.order ? 0 : a.order < b.order ? -1 : 1) || (ia < ib ? -1 : ia > ib ? 1 : 0))
    .map(([id, p]) => ({ id, section: p.section }));
}

export interface Column { setting: string; title: string; short: string; group: string; order: number }

/** A setting's column: from the settings registry where the report builder added it, else its name in a group of its own. */
export function columnOf(c: Pick<ClaimReport, 'setting' | 'settingTitle' | 'settingColumn'>): Column {
  const setting = c.setting ?? '';
  const col: SettingColumn = c.settingColumn ?? { group: 'other settings', short: setting || 'verdict', order: Infinity };
  return { setting, title: c.settingTitle ?? setting, ...col };
}

/** Settings in the registry's order, groups in the order of their first setting. */
export function columnsInOrder(claims: Pick<ClaimReport, 'setting' | 'settingTitle' | 'settingColumn'>[]): { group: string; columns: Column[] }[] {
  const bySetting = new Map<string, Column>();
  for (const c of claims) {
    const col = columnOf(c);
    if (!bySetting.has(col.setting) || (c.settingColumn && bySetting.get(col.setting)!.order === Infinity)) bySetting.set(col.setting, col);
  }
  const cols = [...bySetting.values()].sort((a, b) => (a.order === b.order ? (a.setting < b.setting ? -1 : 1) : a.order < b.order ? -1 : 1));
  const groups: { group: string; columns: Column[] }[] = [];
  for (const col of cols) {
    const g = groups.find((x) => x.group === col.group);
    if (g) g.columns.push(col);
    else groups.push({ group: col.group, columns: [col] });
  }
  return groups;
}

/** The indices of `claims` in reading order: paper order of the claim, then its setting's column. */
export function readingOrder(claims: Pick<ClaimReport, 'id' | 'paper' | 'paperRef' | 'setting' | 'settingTitle' | 'settingColumn'>[]): number[] {
  const rank = new Map(claimsInPaperOrder(claims).map((x, i) => [x.id, i]));
  const colRank = new Map(columnsInOrder(claims).flatMap((g) => g.columns).map((c, i) => [c.setting, i]));
  return claims.map((_, i) => i).sort((a, b) => rank.get(claims[a]!.id)! - rank.get(claims[b]!.id)! || colRank.get(claims[a]!.setting ?? '')! - colRank.get(claims[b]!.setting ?? '')! || a - b);
}
