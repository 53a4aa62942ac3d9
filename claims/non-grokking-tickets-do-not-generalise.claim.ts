import { defineClaim } from '../src/claims/define.ts';
import { thinLogSpaced } from '../src/claims/figures.ts';
import { atHorizon, denseGeneralisedStatement, denseRuns, denseStatusCell, EXTENSION_FACTOR, horizonRuleChoice, loggedAt } from '../src/claims/horizon.ts';
import { familyState, smallerOnLogScale, statementReason, statementStatistics, type Statement } from '../src/claims/statements.ts';
import type { Scale } from '../src/config/scale.ts';
import { ticketRun } from '../src/config/schema.ts';
import type { FigureInput } from '../src/report/types.ts';
import type { RunResult } from '../src/runs/execute.ts';
import { correlationTest } from '../src/stats/paired.ts';

/**
 * Paper §3.2, Fig. 4a: lottery tickets (keep 0.4, rewound to θ0) whose mask comes from the dense
 * run's weights at epoch t. Taken before the dense model generalised (t < t_gen: "non-grokking
 * tickets") they do not fully generalise, and how far they get follows the dense model's test
 * accuracy at t; taken after (t ≥ t_gen: grokking tickets) they generalise, with less delay.
 *
 * Which t: the authors took one every 2000 epochs (spec §11: `-e t` for t = 0, 2k, …, 28k and the
 * final checkpoint). Here, per seed, every 2000 epochs from 2000 up to the dense run's own t_gen,
 * then the first snapshot at or after t_gen and the final one (claim 1's ticket, read at this
 * horizon). t = 0 is left out: its mask is magnitude pruning at initialisation, a PaI mask whose
 * base accuracy is chance. `fromEpoch` must be a stored snapshot (src/derive/magnitude.ts reads it
 * from the base run): 0, every `snapshotEvery` (ci 1000, paper 2000) and the last epoch.
 *
 * Horizon: the paper retrains tickets as long as the base run (spec §11; paper scale: 30 000). At ci
 * the tickets train 2000 epochs (measured on seed 1: the ticket from t = 6000 ≥ t_gen 5780 reaches
 * 95 % at 440, claim 1's final tickets at 120–240; a 2000-epoch ticket costs ~10 s on a free core).
 * "Does not fully generalise" is a "never": a non-grokking ticket that reaches 95 % within a short
 * horizon refutes it at any horizon, but one that does not supports it only over the base run's.
 *
 * Which run's t_gen: under the horizon rule (src/claims/horizon.ts) a dense run not generalised by
 * the base horizon H is trained on to 3× it and used if it generalises by then: its tickets are
 * taken along the extended run (every 2000 epochs up to its t_gen, past H; the first snapshot at
 * or after t_gen; its final checkpoint), every ticket still training the scale's ticket horizon,
 * and "the base run's horizon" a "never" needs stays H. One that never generalises fails the claim.
 */
const KEEP = 0.4;
const PAPER_STEP = 2000;
const CI_HORIZON = 2000;
const ALPHA = 0.05;

const horizonOf = (scale: Scale) => (scale.name === 'ci' ? Math.min(CI_HORIZON, scale.controlEpochs) : scale.controlEpochs);
/** The paper's cadence where the scale snapshots it, else every snapshot (the smoke scale's few). */
const stepOf = (scale: Scale) => (PAPER_STEP % scale.snapshotEvery === 0 && scale.epochs >= 2 * PAPER_STEP ? PAPER_STEP : scale.snapshotEvery);
const fmt3 = (x: number | null) => (x === null ? '–' : x.toFixed(3));
const fmtP = (p: number) => (p < 1e-4 ? p.toExponential(1) : p.toPrecision(2));

interface Ticket {
  seed: number;
  /** The dense epoch the mask was taken at (the last epoch for 'final'). */
  t: number;
  kind: 'non-grokking' | 'grokking';
  /** Which grokking ticket: the first snapshot at or after t_gen, or the final one. */
  which?: 'first' | 'final';
  baseAcc: number | null;
  run: RunResult;
}

export default defineClaim({
  id: 'non-grokking-tickets-do-not-generalise',
  title: 'Tickets taken before t_gen do not fully generalise; after t_gen they do',
  paperQuote:
    'In Figure 4-(a), we compare the test accuracy of different epoch t in which lottery tickets are acquired. The results show that lottery tickets obtained before 25k epochs (non-grokking tickets) do not fully generalize. Additionally, this generalization ability corresponds to the test accuracy of the base model. On the other hand, lottery tickets obtained after 25k epochs (grokking tickets) get perfect generalization and reduce delayed generalization.',
  paperRef: '§3.2, Fig. 4a',
  paper: { section: '§3.2', order: 3 },
  assertion: `Tickets (keep ${KEEP}, rewound to θ0) from the dense run's snapshot at epoch t, every ${PAPER_STEP} epochs before the seed's dense t_gen (non-grokking), and from the first snapshot at or after t_gen and the final one (grokking), all trained for the scale's ticket horizon (ci ${CI_HORIZON} epochs, paper the base run's); all must hold: (A) no non-grokking ticket reaches 95 % test accuracy (a horizon shorter than the base run's can refute this but not confirm it: undecided); (B) their final test accuracy increases with the dense model's test accuracy at t: Pearson r > 0, one-sided p ≤ ${ALPHA}, over the non-grokking tickets of all seeds; (C) every grokking ticket reaches 95 % test accuracy, and both kinds have τ_grok below the dense model's: one-sided paired t-tests on ln τ over seeds, Holm over the two, p ≤ ${ALPHA}. A dense run that has not grokked by the horizon is trained on to ${EXTENSION_FACTOR}× it and used if it groks by then (the horizon rule); one that never groks fails the claim.`,
  undecidable: (scale) => (scale.name === 'smoke' ? `smoke scale trains ${scale.epochs} epochs: the dense model does not generalise, so no ticket is taken after t_gen` : null),

  // Reviewed (fromEpoch reads the stored snapshot θ_t, the mask keeps 40 % of |θ_t| globally, θ0 is
  // the base run's; spec §4.1 `-e t`): tickets taken shortly before t_gen do generalise at ci
  expectedFailure: (scale) =>
    scale.name === 'ci'
      ? {
          statements: { 'non-grokking-never-generalise': 'fails' },
          why: 'with the ci split (more training pairs than the paper\'s), some tickets taken shortly before the dense run\'s t_gen, where its test accuracy is already high, generalise within the ticket horizon. Their accuracy is expected to track the dense model\'s, and the grokking tickets to generalise with less delay. Decided at paper scale, on the paper\'s split with tickets as long as the base run',
        }
      : null,
  async decide({ scale, setting, runAll, base, ticket: ticketOf }) {
    const horizon = horizonOf(scale);
    const step = stepOf(scale);
    const denseSeeds = await denseRuns(runAll, base, scale.seeds);
    const dense = denseSeeds.runs;
    const empty = setting.allowEmptyLayers ? { allowEmptyLayers: true } : {};
    const plan = dense.flatMap((d) => {
      const seed = d.config.data.seed;
      const tGen = d.milestones.tGen ?? Infinity;
      // the dense run's own length: H, or the cap for an extended seed
      const end = d.config.epochs;
      const jobs: { t: number; kind: Ticket['kind']; which?: Ticket['which']; from: number | 'final' }[] = [];
      for (let t = step; t < Math.min(tGen, end); t += step) jobs.push({ t, kind: 'non-grokking', from: t });
      const first = Math.ceil(tGen / scale.snapshotEvery) * scale.snapshotEvery;
      if (first < end) jobs.push({ t: first, kind: 'grokking', which: 'first', from: first });
      // the final checkpoint: a grokking ticket only if the dense run generalised (claim 1's ticket)
      jobs.push({ t: end, kind: tGen <= end ? 'grokking' : 'non-grokking', which: 'final', from: 'final' });
      return jobs.map((j) => ({
        ...j, seed, dense: d,
        config: j.from === 'final' ? ticketOf(d.config, KEEP) : ticketRun(d.config, { keepFraction: KEEP, fromEpoch: j.from, ...empty }, { epochs: horizon }),
        label: `ticket from t = ${j.from} seed ${seed}`,
      }));
    });
    const runs = await runAll(plan.map((p) => ({ config: p.config, label: p.label })));
    const tickets: Ticket[] = plan.map((p, i) => ({
      seed: p.seed, t: p.t, kind: p.kind, which: p.which, baseAcc: loggedAt(p.dense, 'testAcc', p.t),
      run: atHorizon(runs[i], Math.min(horizon, runs[i].config.epochs)),
    }));
    const finalAcc = (k: Ticket) => k.run.log.testAcc.at(-1) ?? null;
    const pre = tickets.filter((k) => k.kind === 'non-grokking');

    const denseGroks = denseGeneralisedStatement(denseSeeds, 'every dense run groks (t_gen exists)');

    // (A) a "never": refuted by any non-grokking ticket that generalised, confirmed only over the full horizon
    const generalisedPre = pre.filter((k) => k.run.milestones.tGen !== null);
    const fullHorizon = horizon >= scale.epochs;
    const notFully: Statement = {
      id: 'non-grokking-never-generalise',
      name: 'no non-grokking ticket reaches 95 % test accuracy',
      state: generalisedPre.length ? 'fails' : !pre.length || !fullHorizon ? 'undecided' : 'holds',
      value: generalisedPre.length,
      detail: generalisedPre.length
        ? `${generalisedPre.length}/${pre.length} did: ${generalisedPre.map((k) => `seed ${k.seed} t = ${k.t} (dense test accuracy there ${fmt3(k.baseAcc)}, dense t_gen ${dense[scale.seeds.indexOf(k.seed)].milestones.tGen}) at ${k.run.milestones.tGen}`).join('; ')}`
        : !pre.length
          ? 'no ticket was taken before t_gen'
          : fullHorizon
            ? `none of ${pre.length} did within ${horizon} epochs`
            : `none of ${pre.length} did within ${horizon} epochs, shorter than the base run's ${scale.epochs}: a "never" is decided only over the full horizon`,
    };

    // (B) how far they get follows the dense model's test accuracy at t
    const pairs = pre.filter((k) => k.baseAcc !== null && finalAcc(k) !== null);
    let tracks: Statement;
    try {
      const c = correlationTest(pairs.map((k) => k.baseAcc!), pairs.map((k) => finalAcc(k)!), 'greater');
      tracks = {
        id: 'accuracy-tracks-dense',
        name: 'non-grokking tickets\' final test accuracy tracks the dense test accuracy at t',
        state: c.r > 0 && c.pValue <= ALPHA ? 'holds' : 'fails',
        value: c.r, pValue: c.pValue,
        detail: `Pearson r = ${c.r.toFixed(3)}, one-sided p = ${fmtP(c.pValue)}, n = ${c.n}; mean |ticket − dense| = ${(pairs.reduce((a, k) => a + Math.abs(finalAcc(k)! - k.baseAcc!), 0) / pairs.length).toFixed(3)}`,
      };
    } catch (err) {
      tracks = { id: 'accuracy-tracks-dense', name: 'non-grokking tickets\' final test accuracy tracks the dense test accuracy at t', state: 'undecided', value: null, detail: `no correlation on ${pairs.length} tickets: ${(err as Error).message}` };
    }

    // (C) grokking tickets generalise, and sooner (relative to memorising) than the dense model
    const grok = tickets.filter((k) => k.kind === 'grokking');
    const censoredGrok = grok.filter((k) => k.run.milestones.tGen === null);
    const tauDense = dense.map((d) => d.milestones.tauGrok);
    const bySeed = (which: 'first' | 'final') => scale.seeds.map((s) => grok.find((k) => k.seed === s && k.which === which)?.run.milestones.tauGrok ?? null);
    const kinds = (['first', 'final'] as const).filter((w) => grok.filter((k) => k.which === w).length === scale.seeds.length);
    const faster = smallerOnLogScale(kinds.map((w) => ({ name: `τ(ticket from ${w === 'first' ? 'the first snapshot ≥ t_gen' : 'the final checkpoint'}) < τ_dense`, smaller: bySeed(w), larger: tauDense })));
    // a censored grokking ticket blocks its comparison; one outside both families (no 'first' on some seed) counts here too
    const fasterState = familyState(faster, ALPHA, fullHorizon);
    const grokking: Statement = {
      id: 'grokking-tickets-faster',
      name: 'grokking tickets generalise, with less delay than the dense model',
      state: fasterState === 'fails' || !censoredGrok.length ? fasterState : fullHorizon ? 'fails' : 'undecided',
      value: faster.length ? Math.max(...faster.map((c) => c.pHolm)) : null,
      ...(faster.length ? { pValue: Math.max(...faster.map((c) => c.pHolm)) } : {}),
      detail: [
        `${grok.length - censoredGrok.length}/${grok.length} reached 95 % within ${horizon} epochs`,
        ...faster.map((c) => `${c.name}: ${c.blocked ?? `τ_dense/τ ${c.ratio.toFixed(1)}×, Holm p = ${fmtP(c.pHolm)}`}`),
      ].join('; '),
    };

    const statements = [denseGroks, notFully, tracks, grokking];
    return {
      statements,
      reason: statementReason(statements),
      statistics: statementStatistics(statements),
      seedTable: {
        columns: ['seed', 'dense run', 't (mask from dense epoch)', 'kind', 'dense test acc at t', `ticket test acc at ${horizon}`, 'ticket t_mem', 'ticket t_gen', 'ticket τ', 'dense t_gen', 'dense τ'],
        rows: tickets.map((k) => {
          const i = scale.seeds.indexOf(k.seed);
          const d = dense[i].milestones;
          const m = k.run.milestones;
          return [k.seed, denseStatusCell(denseSeeds, i), k.which === 'final' ? `${k.t} (final)` : k.t, k.kind, round(k.baseAcc, 3), round(finalAcc(k), 3), m.tMem, m.tGen, round(m.tauGrok, 2), d.tGen, round(d.tauGrok, 2)];
        }),
      },
      figures: [ticketCurves(tickets, dense, horizon), tracking(tickets)],
      choices: [
        { item: 'ticket epochs t', choice: `every ${step} epochs below each seed's dense t_gen (the paper: every 2000), the first snapshot at or after t_gen (snapshots every ${scale.snapshotEvery}), and the final checkpoint; t = 0 (magnitude pruning at initialisation) left out` },
        { item: 'horizon', choice: `tickets train ${horizon} epochs${fullHorizon ? ' (the base run\'s)' : `; the paper retrains as long as the base run (${scale.epochs} here): the final tickets are claim 1's runs read at ${horizon}`}` },
        horizonRuleChoice(denseSeeds),
        { item: 'keep fraction', choice: `${KEEP} (pruning rate ${1 - KEEP}, the paper's default)` },
        { item: '"tracks"', choice: 'a positive Pearson correlation between the ticket\'s test accuracy at the end of its training and the dense model\'s test accuracy at t, over all seeds\' non-grokking tickets; the mean absolute difference is shown, not tested (the paper gives no tolerance)' },
      ],
    };
  },
});

const round = (x: number | null, d: number) => (x === null ? null : Number(x.toFixed(d)));

/** Fig. 4a: test accuracy of the tickets by the epoch their mask was taken at, one panel per seed. */
function ticketCurves(tickets: Ticket[], dense: RunResult[], horizon: number): FigureInput {
  const data: Record<string, unknown>[] = [];
  const add = (run: RunResult, series: string) => {
    for (const i of thinLogSpaced(run.log.epochs, 80)) data.push({ epoch: Math.max(1, run.log.epochs[i]), accuracy: run.log.testAcc[i], series, panel: `seed ${run.config.data.seed}` });
  };
  for (const d of dense) add(d, 'dense (base model)');
  for (const k of [...tickets].sort((a, b) => a.t - b.t)) add(k.run, `t = ${k.which === 'final' ? 'final' : k.t}${k.kind === 'grokking' ? ' (grokking)' : ''}`);
  return {
    id: 'accuracy', title: 'Test accuracy of tickets taken at dense epoch t (cf. Fig. 4a)', kind: 'curves', data,
    caption: `One panel per seed. Tickets (keep ${KEEP}) train ${horizon} epochs; the dense run its full horizon. "(grokking)": taken at or after the dense run's t_gen.`,
    encoding: { x: 'epoch', y: 'accuracy', color: 'series', facet: 'panel', xScale: 'log', xTitle: 'epoch (log)', yTitle: 'test accuracy', colorTitle: 'run', yDomain: [0, 1] },
  };
}

/** The ticket's final test accuracy against the dense model's at the epoch its mask was taken. */
function tracking(tickets: Ticket[]): FigureInput {
  return {
    id: 'tracking', title: 'Ticket test accuracy vs the dense model\'s at t', kind: 'scatter',
    data: tickets.map((k) => ({ dense: k.baseAcc, ticket: k.run.log.testAcc.at(-1) ?? null, kind: k.kind, seed: `seed ${k.seed}` })),
    caption: 'One point per ticket; a ticket on the diagonal ends where the dense model stood when its mask was taken.',
    encoding: { x: 'dense', y: 'ticket', color: 'kind', detail: 'seed', xTitle: 'dense test accuracy at t', yTitle: 'ticket test accuracy at its horizon' },
  };
}
