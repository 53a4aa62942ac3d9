/**
 * Input checks shared by the stats wrappers. The @stdlib functions either throw messages that do
 * not name the caller (or, for binomial-test, a broken format string) or silently return NaN, so
 * we check first and say which function and which argument is wrong.
 */
export type Alternative = 'less' | 'greater' | 'two-sided';

const ALTERNATIVES: readonly Alternative[] = ['less', 'greater', 'two-sided'];

export function assertAlternative(fn: string, alternative: string): asserts alternative is Alternative {
  if (!ALTERNATIVES.includes(alternative as Alternative)) {
    throw new Error(`${fn}: alternative must be one of ${ALTERNATIVES.join(', ')} (got ${JSON.stringify(alternative)})`);
  }
}

export function assertSameLength(fn: string, x: ArrayLike<unknown>, y: ArrayLike<unknown>): void {
  if (x.length !== y.length) {
    throw new Error(`${fn}: x and y must have the same length (got ${x.length} and ${y.length})`);
  }
}

export function assertMinLength(fn: string, xs: ArrayLike<unknown>, min: number, what = 'x'): void {
  if (xs.length < min) {
    throw new Error(`${fn}: ${what} needs at least ${min} value${min === 1 ? '' : 's'} (got ${xs.length})`);
  }
}

/** Every entry a finite number. `null` (censored) gets its own message: it needs a censoring rule. */
export function assertFinite(fn: string, xs: ArrayLike<unknown>, what = 'x'): asserts xs is ArrayLike<number> {
  for (let i = 0; i < xs.length; i++) {
    const v = xs[i];
    if (v === null) {
      throw new Error(`${fn}: ${what}[${i}] is null (censored); this test has no rule for censored values`);
    }
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new Error(`${fn}: ${what}[${i}] must be a finite number (got ${String(v)}); use null for a censored value`);
    }
  }
}

export function assertNonNegativeInteger(fn: string, v: number, what: string): void {
  if (!Number.isInteger(v) || v < 0) throw new Error(`${fn}: ${what} must be a non-negative integer (got ${v})`);
}

/** Several @stdlib tests can return p slightly (or, for wilcoxon, clearly) above 1. */
export function clampP(p: number): number {
  return Math.min(1, Math.max(0, p));
}
