import { describeDesign, describeLooks, runSequentialAsync, type SequentialDesign } from '../stats/sequential.ts';
import type { ClaimContext, ClaimOutcome } from './define.ts';
import { statementsOf } from './outcome.ts';
import { allHold } from './statements.ts';

/**
 * A claim with sequential seeds, decided look by look (src/stats/sequential.ts): look k runs the
 * claim's `decide` on the first n_k seeds with `ctx.look.alpha` = α_k, and the claim holding there
 * is the rejection that stops it. Earlier seeds' runs are the same runs at every look (same config,
 * same key), so a later look trains only the seeds it adds.
 *
 * The union bound behind the design needs the claim to hold at look k only if its test's p ≤ α_k:
 * a claim that holds with a larger test p-value (it ignored `ctx.look.alpha`) or reports none is
 * an error, not a verdict.
 */

/** The first n seeds: the scale's, then the integers after its largest. */
export function seedsFor(scaleSeeds: readonly number[], n: number): number[] {
  const out = scaleSeeds.slice(0, n);
  let next = Math.max(-1, ...scaleSeeds) + 1;
  while (out.length < n) out.push(next++);
  return out;
}

/** The p-values an outcome tests with: its statements' and its test statistics'. */
const testPValues = (o: ClaimOutcome): number[] => [
  ...statementsOf(o).flatMap((s) => (s.pValue === undefined ? [] : [s.pValue])),
  ...o.statistics.filter((s) => (s.role === 'test' || s.role === 'both') && s.pValue !== undefined).map((s) => s.pValue!),
];

const seedRange = (seeds: number[]) => (seeds.every((s, i) => i === 0 || s === seeds[i - 1] + 1) && seeds.length > 2 ? `${seeds[0]}–${seeds[seeds.length - 1]}` : seeds.join(', '));

/**
 * Runs the design and returns the last look's outcome with the design, the looks it took and the
 * seeds it used (a statistic, a choice, and a line in the reason). `decide` is the claim's own
 * (wrapped by the runner so a throw names it); `check` turns what it returned into an outcome or
 * throws naming what is wrong.
 */
export async function decideSequentially(
  design: SequentialDesign,
  ctx: ClaimContext,
  decide: (ctx: ClaimContext) => Promise<unknown>,
  check: (raw: unknown) => ClaimOutcome,
): Promise<ClaimOutcome> {
  let last: ClaimOutcome | null = null;
  let lastSeeds: number[] = [];
  const result = await runSequentialAsync(design, async (n, alpha, k) => {
    lastSeeds = seedsFor(ctx.scale.seeds, n);
    const outcome = check(await decide({ ...ctx, scale: { ...ctx.scale, seeds: lastSeeds }, look: { index: k, count: design.looks.length, alpha } }));
    last = outcome;
    const ps = testPValues(outcome);
    const p = ps.length ? Math.max(...ps) : null;
    const holds = allHold(statementsOf(outcome));
    if (holds && p === null) {
      throw new Error(`a claim with sequential seeds must report its test's p-value (a statistic with role 'test' or 'both', or a statement, with a pValue); at look ${k + 1} (${n} seeds) it holds without one`);
    }
    if (holds && p! > alpha) {
      throw new Error(`a claim with sequential seeds must test at its look's level (ctx.look.alpha): at look ${k + 1} (${n} seeds) it holds with a test p-value ${p!.toPrecision(3)} > α_${k + 1} = ${alpha.toPrecision(3)}`);
    }
    return { rejected: holds, p };
  });
  const final = last! as ClaimOutcome;
  const looks = describeLooks(result);
  const stopped = `sequential seeds: ${result.looks.length} of ${design.looks.length} looks, ${result.seeds} seeds (${seedRange(lastSeeds)})`;
  return {
    ...final,
    reason: `${final.reason} [${stopped}]`,
    statistics: [...final.statistics, { name: 'sequential seeds: seeds used', value: result.seeds, detail: `${describeDesign(design)}; looks taken: ${looks}` }],
    choices: [...(final.choices ?? []), { item: 'sequential seeds', choice: `${describeDesign(design)}. Looks taken: ${looks}; seeds used: ${seedRange(lastSeeds)}` }],
  };
}
