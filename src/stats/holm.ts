/**
 * Holm–Bonferroni step-down adjustment: one family of claims tested together keeps its
 * family-wise error rate at α if each claim is judged by its adjusted p ≤ α. Uniformly more
 * powerful than plain Bonferroni and valid under any dependence between the tests.
 *
 * With raw p sorted ascending p_(1) ≤ … ≤ p_(m):
 *   adj_(i) = max_{j ≤ i} min(1, (m − j + 1) · p_(j))
 * The running max makes the adjusted values monotone in the order of the raw ones (same as R's
 * p.adjust(method = "holm")). Returned in the input order.
 */
export function holm(pValues: ReadonlyArray<number>): number[] {
  pValues.forEach((p, i) => {
    if (typeof p !== 'number' || !(p >= 0 && p <= 1)) {
      throw new Error(`holm: pValues[${i}] must be a probability in [0, 1] (got ${String(p)})`);
    }
  });
  const m = pValues.length;
  // Stable sort: equal raw p keep their input order, and get equal adjusted p via the running max.
  const order = pValues.map((_, i) => i).sort((a, b) => pValues[a] - pValues[b]);
  const adjusted = new Array<number>(m);
  let runningMax = 0;
  order.forEach((idx, rank) => {
    runningMax = Math.max(runningMax, Math.min(1, (m - rank) * pValues[idx]));
    adjusted[idx] = runningMax;
  });
  return adjusted;
}
