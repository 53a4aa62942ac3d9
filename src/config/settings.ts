import { quickOf, ticketOverrides, SCALES, type Scale, type ScaleName } from './scale.ts';
import { tasks } from '../tasks/index.ts';
import { ticketRun, type OptimConfig, type RunConfig, type RunConfigInput } from './schema.ts';
import { imdbMissing } from '../tasks/imdb.ts';

/**
 * Named paper settings (task × model × loss × metric × hyperparameters): what a claim runs on.
 * A claim file lists the settings it covers; each (claim, setting) is its own test and verdict.
 * A setting says, per scale, how much it trains, or why that scale cannot decide it (with the
 * measured cost), in which case its claims are skipped there, never passed.
 */
/** The report's column groups, in the order the paper presents them. */
export const SETTING_GROUPS = ['modular MLP', 'transformer', 'beyond modular'] as const;
export type SettingGroup = (typeof SETTING_GROUPS)[number];

export interface Setting {
  name: string;
  title: string;
  /** The report matrix's column header: a few characters (the group says the model). */
  short: string;
  /** The report matrix's column group. */
  group: SettingGroup;
  paperRef: string;
  task: string;
  model: string;
  /** Data, model and optimiser fields beyond the registered defaults (frac and seed come from the scale). */
  data?: Record<string, unknown>;
  modelFields?: Record<string, unknown>;
  optim?: Partial<OptimConfig>;
  /** Minibatch SGD: examples per step in a seeded order (default: full batch, as the paper). */
  batchSize?: number;
  /** Where the setting's scale differs from the suite's, or a reason it cannot be decided there. */
  scales?: Partial<Record<ScaleName, Partial<Scale> | { undecidable: string }>>;
  /** Why these hyperparameters (shown in the report's choices). */
  note?: string;
  /**
   * The global magnitude threshold may prune a whole matrix of this model, as the authors' code
   * does without a word (measured: the trained transformer's W_K on one seed); the claims then
   * report which. Elsewhere an emptied matrix is an error (Synaptic-Flow #12).
   */
  allowEmptyLayers?: boolean;
  /** Why the setting cannot run on this machine (external data absent: what to install, exactly), or null. */
  unavailable?: () => string | null;
}

/** A setting at one scale: how much it trains, its dense base run of one seed, and its tickets. */
export interface SettingRun {
  setting: Setting;
  scale: Scale;
  base(seed: number): RunConfigInput;
  /** The grokking ticket of a dense run: magnitude mask of its final weights, rewound to θ0. */
  ticket(dense: RunConfig, keepFraction: number): RunConfig;
}

const MLP_ADD: Setting = {
  name: 'mlp-add',
  title: 'MLP, a + b mod 67',
  short: 'a+b',
  group: 'modular MLP',
  paperRef: '§3, Fig. 1, 2a; App. B.1',
  task: 'add',
  model: 'mlp',
  data: { p: 67, symmetric: true },
};

/**
 * ci horizons and skips are measured on this project's 2-core machines (2026-12-02; ms per epoch
 * with two runs sharing the cores, evaluation every 10 epochs included).
 */
const TRANSFORMER_ADD: Setting = {
  name: 'transformer-add',
  title: 'Transformer, a + b mod 67',
  short: 'a+b',
  group: 'transformer',
  paperRef: 'Fig. 2b, 9, 11, 15; App. B.2',
  task: 'add',
  model: 'transformer',
  data: { p: 67, symmetric: true },
  note: 'the authors\' final code: 1 layer, 1 head, d = 128, no LayerNorm, no positional embedding, logits of the last token; WD 1 for base and ticket (spec §11)',
  allowEmptyLayers: true,
  scales: {
    // measured at frac 0.5, seeds 0–4 (deterministic on wasm): dense t_mem 101–103, t_gen 4430,
    // 7550, 3740, 9080, 3930; tickets t_gen 820, 730, 400, 690, 430. 10.9 ms/step alone, 15–22 with
    // two runs on the cores. Hence dense 10 000 epochs and tickets 2000. The norm-matched controls
    // memorise at 138–244 and none generalised within 3000 epochs; at 2000 their censored τ is
    // still ≥ 1.7× every ticket's, and the CI budget needs the 2 minutes.
    ci: { epochs: 10_000, controlEpochs: 2000, ticketEpochs: 2000, snapshotEvery: 1000 },
  },
};

/**
 * Fig. 2c's other operations. Commutative ones train the paper MLP on the authors' pairs a ≤ b;
 * a non-commutative one trains on ordered pairs, which the MLP (it sums the two embeddings) cannot
 * tell apart, so it trains the transformer (its query and residual come from the second token).
 * The authors' multitask runs used WD 2 and 50 000 epochs at frac 0.4 (spec §1.2); we keep the
 * paper's main optimiser (WD 1) and train 50 000 epochs at paper scale.
 */
const OP_PAPER = { epochs: 50_000 };
const op = (task: string, title: string, model: 'mlp' | 'transformer', ci: Partial<Scale> | { undecidable: string }): Setting => ({
  name: `${model}-${task}`,
  title: `${model === 'mlp' ? 'MLP' : 'Transformer'}, ${title} mod 67${model === 'transformer' ? ' (ordered pairs)' : ''}`,
  short: title.replace(/\s+/g, ''),
  group: model === 'mlp' ? 'modular MLP' : 'transformer',
  paperRef: 'Fig. 2c; spec §1.2',
  task,
  model,
  data: { p: 67, symmetric: model === 'mlp' },
  note: model === 'mlp'
    ? 'commutative: the paper MLP on pairs a ≤ b, as the authors\' multitask runs; WD 1 (theirs: WD 2)'
    : 'not commutative: ordered pairs (a, b), so the order-aware transformer (the MLP cannot tell (a, b) from (b, a)); WD 1',
  allowEmptyLayers: model === 'transformer',
  scales: { ci, paper: OP_PAPER },
});

const TRANSFORMER_OP_COST = 'measured: the transformer on subtract (ordered pairs, 2244 training pairs) had test accuracy 0.34 after 6000 epochs (seed 0, t_mem 128) at 33–55 ms/epoch on 2 busy cores, so 5 seeds × (dense + ticket) × ≥ 15 000 epochs is ≥ 1.5 h on 2 cores';

/**
 * MNIST (App. B.1, Fig. 13; spec §1.5, §2.3, §10), measured 2026-12-02 on 2 shared cores (load
 * average 7–11): a full-batch step on the 1000 images (forward, hand-written backward, AdamW)
 * 130–180 ms (with tfjs autodiff instead: 624 ms), one evaluation on the 60 000 test images 2.5 s,
 * loading and checking the files 0.7 s. Test metrics every 100 epochs add 25 ms/epoch (+15 %) and
 * resolve t_gen to 1 % once t_gen ≥ 10⁴. Seed 0 for 3000 epochs (424 s): t_mem 533, test accuracy
 * 0.099 → 0.123 while the mean per-layer L2 norm decays 84 → 62 (WD·lr = 10⁻⁴ per step), which
 * suggests grokking is ≥ 10⁴ epochs away, consistent with the authors' 10⁵-epoch run.
 */
const MNIST_RUN_H = 'one run of the authors\' 100 000 epochs costs 17–24 min of one core on the native engine (measured 2026-12-07 under load: a full-batch step 8–11 ms, a 60 000-image evaluation 0.2–0.3 s, every 100 epochs; 4.5–5.5 h on tfjs-wasm), so claim 1\'s 5 seeds × (dense + ticket) need 3–4 core-hours, ~1.5–2 h on 2 cores; seed 0 after 3000 epochs: t_mem 533, test accuracy 0.123, no shorter horizon shows grokking';
const MNIST: Setting = {
  name: 'mnist-mlp',
  title: 'MLP 784-200-200-10 on MNIST (1000 training images, κ = 8)',
  short: 'MNIST',
  group: 'beyond modular',
  paperRef: 'App. B.1, Fig. 13; spec §1.5, §2.3, §10',
  task: 'mnist',
  model: 'mnist-mlp',
  data: { fracTrain: 0.1 },
  modelFields: { dModel: 200, weightScale: 8 },
  optim: { weightDecay: 0.1 },
  note: 'the authors\' train_mnist.py: the first 1000 images of the official test split train (full batch), the official 60 000 training images test; MSE against one-hot (mean over B × 10); AdamW lr 1e-3, betas (0.9, 0.98), WD 0.1; milestones at 85 % accuracy (our choice, not measured: an MLP trained on 1000 MNIST images usually ends near 90 %, so the paper\'s 95 % would likely leave every run censored; revisit with the paper-scale curves); tickets rewind to θ0 (their prune_mnist.py cannot run as committed, spec §13.2)',
  scales: {
    // two 60 000-image evaluations per run (epoch 0 and the last) are most of a smoke run's ~5 s
    smoke: { epochs: 2, evalEvery: 2, snapshotEvery: 2, controlEpochs: 2 },
    ci: { undecidable: `decided at paper scale: ${MNIST_RUN_H}, beyond the 60-minute CI budget on 2 cores` },
    paper: { epochs: 100_000, evalEvery: 100, snapshotEvery: 1000, controlEpochs: 100_000 },
  },
};

/**
 * Polynomial regression (Fig. 2d, 14a; spec §1.6, §2.4): the authors' data and 4-matrix MLP, our
 * regime. Their literal setting (100 train / 100 test samples, κ = 1, AdamW lr 1e-2, WD 1) does not
 * grok: measured here (seed 0) it memorises by epoch 20 and its test MSE stays 0.45–0.55 for 2000
 * epochs (an independent PyTorch run: never in 10 000 epochs); with 1000 samples it generalises at
 * once. Regime search (seed 0, 100 test samples, test MSE at epochs 500 / 1000 / 2000 / 3000):
 *   lr 1e-2, κ 1: n 200 → 0.26 / 0.26 / 0.25 / 0.26 (never); n 400 → 0.050 at 60, then 0.11–0.12
 *   lr 1e-2, κ 2–3, n 200–400 → the same: memorised by 50–140, test 0.10–0.27 for good
 *   lr 1e-2, κ 2, n 400, WD 0.1 / 0.01 → slow drift to 0.10 / 0.18, no transition
 *   lr 1e-3, κ 3: n 200 → 0.40 / 0.32 / 0.29 / 0.27 (never); n 400 → 0.40 / 0.21 / 0.11 / 0.094;
 *                 n 600 → 0.30 / 0.11 / 0.053 / 0.048 (t_mem 250); n 800 → 0.21 / 0.077 / 0.047 / 0.045
 * Grokking needs the lazy start of a large init (κ = 3: initial MSE ~20, ~25× the zero output's)
 * and a step small enough for the lazy phase to last (lr 1e-3, the paper's main optimiser), and
 * enough samples for the rich solution to generalise but too few for the kernel to (n = 600 of
 * the ~d²/2 = 800 a quadratic kernel needs, Kumar et al. 2023). The milestone (src/tasks/
 * polynomial.ts) is MSE ≤ 0.1: between the memorising plateaus (0.25–0.5) and the generalising
 * floor (0.045) on a log scale. 1000 test samples, not the authors' 100: y = z²/2 is heavy-tailed,
 * and the variance of 100 test targets ranged 0.32–1.00 over seeds 0–4 (train: 0.36–0.98), so one
 * threshold meant a different R² per seed (seed 2 sat at test MSE 0.19 = R² 0.81).
 *
 * Measured at ci horizons (3000 epochs, tickets 3000, seeds 0–4, 2026-12-02): dense t_mem 130–220,
 * τ 9.09, 10.19, 10.00, 9.32 and seed 4 censored (its test MSE levels off at 0.134); tickets τ
 * 1.76, 2.15, 1.76, 3.11, censored. ~21–35 s per run on 2 busy cores, ~4.5 min for both claims.
 * Measured at paper scale (10 000 epochs, 2026-12-02, 70–120 s per run, ~17 min for both claims):
 * dense τ 9.09, 10.19, 10.00, 9.32, and seed 4 censored (test MSE 0.134–0.145 from epoch 2000 to
 * 10 000); tickets τ 1.68, 1.67, 1.56, 2.00, censored (ratios 5.4, 6.1, 6.4, 4.7): claim 1 not
 * reproduced on its rule that every dense run must grok. Claim 4: 0/5 hits (peak JD 0.28–0.30 at
 * 2000–3000, largest ln test-loss drop at 500–1500), r = +0.48.
 */
const POLYNOMIAL: Setting = {
  name: 'mlp-polynomial',
  title: 'MLP, polynomial regression (x·β)²/2, d = 40',
  short: 'poly',
  group: 'beyond modular',
  paperRef: 'Fig. 2d, 14a; spec §1.6, §2.4',
  task: 'polynomial',
  model: 'poly-mlp',
  data: { d: 40, nTrain: 600, nTest: 1000 },
  modelFields: { weightScale: 3 },
  optim: { lr: 1e-3, weightDecay: 1 },
  note: 'ours: 600 training and 1000 test samples (the authors: 100 and 100) and init scale κ = 3 (theirs: 1), AdamW lr 1e-3 (their config: 1e-2), WD 1; the authors\' literal setting memorises and never generalises (measured); seeded Gaussian data',
  scales: {
    smoke: { epochs: 10, evalEvery: 2, snapshotEvery: 5 },
    // decided at ci since the native engine, at the authors' horizon (the paper scale's)
    ci: { epochs: 10_000, evalEvery: 10, snapshotEvery: 500 },
    // the authors' config trains 10 000 epochs; snapshots every 500 give claim 4 19 intervals
    paper: { epochs: 10_000, evalEvery: 10, snapshotEvery: 500 },
  },
};

/**
 * IMDb with an LSTM (App. J, Fig. 19). Measured 2026-12-02 on 2 shared cores (tfjs-wasm): one
 * step of the paper-size LSTM (vocabulary 1002, 500 tokens, embedding 64, hidden 128, 2 layers,
 * autodiff) on a minibatch of 32 reviews took 64–81 s (its forward alone 10–12 s); see IMDB_COST for today's.
 */
const IMDB_COST = 'measured: one step of the paper-size LSTM (500 tokens, 2 layers of 128) on 32 reviews takes 0.41–0.49 s of CPU on the native engine (1.3–1.8 s on tfjs-wasm with the hand-written backward, 64–81 s with autodiff), so one pass over the 37 500 training reviews is 8–10 min; but the loop evaluates the whole training and test sets in one forward, which at 500 tokens needs ~3.6 MB a review (134 GB for the training set), so evaluation must first be split into chunks; App. J gives no batch size';
const LSTM_IMDB: Setting = {
  name: 'lstm-imdb',
  title: 'LSTM on IMDb reviews (top 1000 words, 500 tokens)',
  short: 'IMDb',
  group: 'beyond modular',
  paperRef: 'App. J, Fig. 19; spec §1.8',
  task: 'imdb',
  model: 'lstm',
  data: { vocab: 1000, maxLen: 500, fracTrain: 0.75 },
  modelFields: { dEmb: 64, dHidden: 128 },
  optim: { lr: 1e-3, beta1: 0.9, beta2: 0.999, weightDecay: 1e-3 },
  note: 'App. J: embedding 64, 2-layer LSTM hidden 128, Adam lr 1e-3 with WD 1e-3 (here decoupled, as AdamW: the project has one optimiser), binary cross-entropy, 25 % test of the pooled 50 000 labelled reviews; milestones at 80 % accuracy (our choice)',
  unavailable: () => imdbMissing(),
  scales: { smoke: { undecidable: IMDB_COST }, ci: { undecidable: IMDB_COST }, paper: { undecidable: `needs a GPU or days of CPU: ${IMDB_COST}` } },
};

/**
 * Sparse parity (Fig. 2e, 14b; spec §1.7). The paper gives no settings; these are ours: (n, k) =
 * (40, 3), 1000 training and 1000 test samples, a one-hidden-layer ReLU MLP of width 128 (with
 * biases: without them it cannot represent a parity, src/models/relu-mlp.ts), cross-entropy on two
 * classes, minibatches of 32 in a seeded order (an epoch = 32 steps), AdamW lr 1e-2, WD 0.1.
 * Search (seed 0, 2 busy cores): AdamW lr 1e-3, WD 1 had train 0.92 / test 0.52 after 200 epochs
 * (too slow to decide); lr 1e-2, WD 0.1 memorises at epoch 8–11 and generalises at 41–53 (seeds
 * 0, 1), its grokking tickets at 2–4, at 30–70 ms per epoch.
 * At ci (2026-12-02, seeds 0–4): dense t_mem 8–11, t_gen 37–55, τ 5.13, 4.82, 5.56, 5.00, 3.70;
 * tickets τ 1.00, 1.00, 1.00, 1.33, 1.00 (claim 1 reproduced, Wilcoxon p = 0.031); 31 s for
 * claim 1 on 2 busy cores (dense runs 4–7 s, tickets 1 s). Paper scale trains the same: nothing
 * longer is needed to decide it.
 */
// dense t_gen 41–53 epochs, tickets 2–4: dense 150 epochs, tickets 50; test metrics every epoch
const PARITY_CI: Partial<Scale> = { epochs: 150, ticketEpochs: 50, evalEvery: 1, snapshotEvery: 10 };
const PARITY: Setting = {
  name: 'mlp-parity',
  title: 'ReLU MLP, sparse parity (n, k) = (40, 3)',
  short: 'parity',
  group: 'beyond modular',
  paperRef: 'Fig. 2e, 14b; spec §1.7 (settings ours)',
  task: 'parity',
  model: 'relu-mlp',
  data: { n: 40, k: 3, nTrain: 1000, nTest: 1000 },
  modelFields: { width: 128 },
  optim: { lr: 1e-2, weightDecay: 0.1 },
  batchSize: 32,
  note: 'ours (the paper gives none): 1000 samples, width 128 with biases, minibatches of 32 in a seeded order, AdamW lr 1e-2, WD 0.1, cross-entropy on two classes',
  scales: {
    // 32 steps an epoch: the pipeline check needs only a few
    smoke: { epochs: 8, evalEvery: 2, snapshotEvery: 4 },
    ci: PARITY_CI,
    paper: PARITY_CI,
  },
};

export const SETTINGS: Setting[] = [
  MLP_ADD,
  TRANSFORMER_ADD,
  // decided at ci since the native engine (the ci scale of mlp-add: frac 0.5, 15 000 epochs, tickets 3000)
  op('multiply', 'a·b', 'mlp', {}),
  op('x2y2', 'a² + b²', 'mlp', {}),
  op('x2xyy2', 'a² + ab + b²', 'mlp', { undecidable: 'decided at paper scale: measured, the dense MLP does not generalise within the ci horizon (seed 0: test accuracy 0.015 after 15 000 epochs at frac 0.5, t_mem 96; 8.5 ms/epoch), so τ_grok is censored there' }),
  op('subtract', 'a − b', 'transformer', { undecidable: `decided at paper scale: ${TRANSFORMER_OP_COST}` }),
  op('x2xyy2x', 'a² + ab + b² + a', 'transformer', { undecidable: `decided at paper scale: ${TRANSFORMER_OP_COST}` }),
  op('x3xy', 'a³ + ab', 'transformer', { undecidable: `decided at paper scale: ${TRANSFORMER_OP_COST}` }),
  MNIST,
  LSTM_IMDB,
  POLYNOMIAL,
  PARITY,
];

export function getSetting(name: string): Setting {
  const s = SETTINGS.find((x) => x.name === name);
  if (!s) throw new Error(`setting "${name}" is not defined; settings: ${SETTINGS.map((x) => x.name).join(', ')}`);
  return s;
}

/** The setting's own scale, or the reason it cannot be decided at this scale. */
export function settingAt(setting: Setting, scale: Scale): SettingRun | { undecidable: string } {
  const missing = setting.unavailable?.();
  if (missing) return { undecidable: missing };
  const own = setting.scales?.[scale.name];
  if (own && 'undecidable' in own) return { undecidable: own.undecidable };
  let sc: Scale = { ...SCALES[scale.name], ...scale, ...(own ?? {}) };
  if (scale.name === 'quick') {
    // the setting's own ci scale, shortened: what quick cannot shorten from ci it cannot decide
    const ci = setting.scales?.ci;
    if (ci && 'undecidable' in ci) return { undecidable: `the quick scale shortens the ci scale, which cannot decide this setting: ${ci.undecidable}` };
    sc = { ...quickOf({ ...SCALES.ci, seeds: scale.seeds, ...(ci ?? {}) }), ...(own ?? {}) };
  }
  return {
    setting,
    scale: sc,
    base: (seed) => ({
      // a split fixed by the paper (MNIST's 1000 images) is the setting's; a generated data set
      // (polynomial, parity) has no split fraction; otherwise the scale's frac
      data: { task: setting.task, ...setting.data, ...('fracTrain' in tasks.get(setting.task).schema.shape ? { fracTrain: (setting.data?.fracTrain as number | undefined) ?? sc.fracTrain } : {}), seed },
      model: { name: setting.model, ...setting.modelFields },
      ...(setting.optim ? { optim: setting.optim } : {}),
      ...(setting.batchSize ? { batchSize: setting.batchSize } : {}),
      initSeed: seed,
      epochs: sc.epochs,
      evalEvery: sc.evalEvery,
      snapshotEvery: sc.snapshotEvery,
    }),
    ticket: (dense, keepFraction) => ticketRun(dense, { keepFraction, ...(setting.allowEmptyLayers ? { allowEmptyLayers: true } : {}) }, ticketOverrides(sc)),
  };
}

/** GROK_SETTINGS=mlp-add,transformer-add selects settings (default: all); an unknown name is an error. */
export function selectedSettings(env = process.env.GROK_SETTINGS): Set<string> | null {
  const v = (env ?? '').trim();
  if (!v) return null;
  const names = v.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = names.filter((n) => !SETTINGS.some((s) => s.name === n));
  if (unknown.length) throw new Error(`GROK_SETTINGS: ${unknown.map((n) => JSON.stringify(n)).join(', ')} ${unknown.length > 1 ? 'are not settings' : 'is not a setting'}; settings: ${SETTINGS.map((s) => s.name).join(', ')}`);
  return new Set(names);
}
