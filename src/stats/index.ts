/** Everything the claims need from src/stats, in one import. */
export * from './censored.ts';
export * from './paired.ts';
export * from './holm.ts';
export * from './summary.ts';
export { midranks, signRankDistribution, exactSignRankP } from './signrank.ts';
export { hypergeometricPmf } from './fisher.ts';
