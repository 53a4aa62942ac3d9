/** Public API of the report generator. */
export type { ClaimReport, FigureInput, ReportInput, SeriesPoint, Verdict } from './types.ts';
export { toVegaLite } from './specs.ts';
export { compileSpec, renderPng, renderSvg } from './render.ts';
export { readPreviousResults, toJson, writeReport, type WrittenReport } from './write.ts';
export { compareWithPrevious, type Comparison } from './compare.ts';
