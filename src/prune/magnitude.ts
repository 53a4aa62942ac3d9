import { globalMask, layoutMask } from './mask.ts';

/** The grokking ticket's score (spec §6.2): |θ_t| of the trained checkpoint, thresholded globally. */
export function magnitudeScores(theta: Float32Array): Float64Array {
  return Float64Array.from(theta, Math.abs);
}

export function magnitudeMask(theta: Float32Array, keepFraction: number): Float32Array {
  return globalMask(magnitudeScores(theta), keepFraction);
}

/** The same over a model's prunable matrices (see layoutMask). */
export function magnitudeLayoutMask(layout: Parameters<typeof layoutMask>[0], theta: Float32Array, keepFraction: number): Float32Array {
  return layoutMask(layout, magnitudeScores(theta), keepFraction);
}
