import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { initBackend } from '../backend/choose.ts';
import { denseRun, parseRunConfig, resolve, ticketRun, type RunConfig } from '../config/schema.ts';
import { currentScale, ticketOverrides } from '../config/scale.ts';
import { SETTINGS } from '../config/settings.ts';
import { pruneCount } from '../prune/mask.ts';
import { getRun } from '../runs/execute.ts';
import { UsageError } from './errors.ts';
import { configIssues, givenFlags, inFlagTerms } from './flags.ts';
import { progressReporter } from './progress-bar.ts';
import { differingFields, settingBase, settingNamed } from './train-setting.ts';

export interface TrainOptions {
  config?: string; setting?: string;
  model?: string; task?: string; p?: number; frac?: number; seed?: number; asymmetric?: boolean;
  epochs?: number; evalEvery?: number; snapshotEvery?: number; wd?: number; lr?: number;
  keep?: number; from?: number | 'final';
  json?: boolean;
}

/**
 * How deep a config file may nest. A run config's deepest field is derive.base.optim.lr (four
 * objects down); a file nested thousands deep would overflow the stack in JSON.parse or the schema
 * ("Maximum call stack size exceeded"), so it is refused before it is parsed.
 */
export const MAX_CONFIG_DEPTH = 16;

/** The deepest nesting of objects and arrays in JSON text, counted up to `limit` + 1 (strings skipped). */
export function jsonDepth(text: string, limit = MAX_CONFIG_DEPTH): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (inString) {
      if (ch === '\\') i++;
      else if (ch === '"') inString = false;
    } else if (ch === '"') inString = true;
    else if (ch === '{' || ch === '[') {
      deepest = Math.max(deepest, ++depth);
      if (deepest > limit) return deepest;
    } else if (ch === '}' || ch === ']') depth--;
  }
  return deepest;
}

/** A run config from a JSON file; its errors name the file and the fields in it. */
function readConfigFile(file: string): RunConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`--config: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  if (jsonDepth(text) > MAX_CONFIG_DEPTH) {
    throw new UsageError(`--config: ${file} nests objects and arrays deeper than ${MAX_CONFIG_DEPTH} levels, the most a run config file may`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`--config: ${file} is not valid JSON (${(err as Error).message})`);
  }
  try {
    return parseRunConfig(json);
  } catch (err) {
    const issues = configIssues(err);
    if (!issues) throw err;
    throw new UsageError(`--config: ${file} is not a valid run config:\n  ${issues.join('\n  ')}`);
  }
}

/**
 * A keep fraction that keeps fewer weights than the model has prunable matrices prunes one of them
 * entirely whatever the scores, and the ticket would fail only after its base run trained (the
 * mask check in src/runs/execute.ts). Refused here, before any work, in terms of --keep.
 */
function checkKeepLeavesEveryMatrix(config: RunConfig, keep: number): void {
  if (config.derive?.allowEmptyLayers === true) return;
  const prunable = resolve(config).layout.layers.filter((l) => l.prunable && l.size > 0);
  const n = prunable.reduce((a, l) => a + l.size, 0);
  const kept = n - pruneCount(keep, n);
  if (kept >= prunable.length) return;
  throw new UsageError(
    `--keep: ${keep} is too small (it keeps ${kept} of the ${n} prunable weights, fewer than the ${prunable.length} prunable matrices ` +
      `${prunable.map((l) => l.name).join(', ')}, so at least one would be pruned entirely; --keep ${(prunable.length / n).toPrecision(2)} or more can keep a weight in each)`,
  );
}

/** The fields a flag gave: an absent flag must not erase the setting's value with undefined. */
const onlyGiven = (o: Record<string, unknown>): Record<string, unknown> => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

/**
 * A task trained from the registered defaults where a named setting trains it with other
 * hyperparameters (MNIST: WD 0.1, not the modular tasks' 1) is refused: the run would silently not
 * be the paper's. The fields the user set by flags, the seed and the split the scale sets are
 * not compared; --setting trains the setting's config, --config any other.
 */
function refuseSettingsHyperparametersUnsaid(config: RunConfig, given: readonly string[]): void {
  const candidates = SETTINGS.filter((s) => s.task === config.data.task && s.model === config.model.name && !s.unavailable?.());
  if (candidates.length === 0) return;
  const diffs = candidates.map((s) => ({ s, d: differingFields(config, s, settingBase(s, currentScale()).base(config.data.seed), given) })).sort((a, b) => a.d.length - b.d.length);
  if (diffs[0].d.length === 0) return;
  const { s, d } = diffs[0];
  throw new UsageError(`--task ${config.data.task}: the defaults differ from setting ${s.name}'s hyperparameters (${d.join('; ')}); train it with --setting ${s.name} (other flags override it), or give every field with --config`);
}

export async function train(o: TrainOptions, cmd: Command): Promise<number> {
  // the run flags conflict with --config (commander checks that); --from only qualifies --keep
  if (o.from !== undefined && o.keep === undefined) throw new UsageError('--from needs --keep (it picks the snapshot the ticket\'s mask is taken from)');
  if (o.keep !== undefined && !(o.keep > 0 && o.keep <= 1)) throw new UsageError(`--keep: ${o.keep} is invalid (the fraction of weights KEPT, in (0, 1]; pruning ratio = 1 − keep)`);
  const given = givenFlags(cmd);
  let config: RunConfig;
  if (o.config !== undefined) {
    config = readConfigFile(o.config);
    if (config.derive && o.keep !== undefined) {
      throw new UsageError(`--keep: ${o.config} already describes a derived run (derive.method "${config.derive.method}"); --keep derives a ticket from a dense run`);
    }
  } else if (o.setting !== undefined) {
    // the setting's config at GROK_SCALE's horizon; each flag given overrides its field
    const setting = settingNamed(o.setting);
    const { base, scale, note } = settingBase(setting, currentScale());
    if (note) process.stderr.write(`[grok] --setting ${setting.name}: ${note}\n`);
    const seed = o.seed ?? 0;
    const b = base(seed);
    config = await inFlagTerms(given, () => parseRunConfig({
      ...b,
      data: { ...b.data, ...onlyGiven({ p: o.p, fracTrain: o.frac, symmetric: o.asymmetric ? false : undefined }) },
      optim: { ...b.optim, ...onlyGiven({ weightDecay: o.wd, lr: o.lr }) },
      epochs: o.epochs ?? b.epochs,
      evalEvery: o.evalEvery ?? b.evalEvery,
      snapshotEvery: o.snapshotEvery ?? b.snapshotEvery,
    }));
    if (o.keep !== undefined) {
      const dense = config;
      const keepFraction = o.keep;
      // as the claims derive it: the setting's empty-layer rule, and its scale's ticket horizon unless --epochs says
      config = await inFlagTerms(given, () => ticketRun(dense, { keepFraction, fromEpoch: o.from ?? 'final', ...(setting.allowEmptyLayers ? { allowEmptyLayers: true } : {}) }, o.epochs === undefined ? ticketOverrides(scale) : {}));
      checkKeepLeavesEveryMatrix(config, keepFraction);
    }
  } else {
    const seed = o.seed ?? 0;
    config = await inFlagTerms(given, () => denseRun({
      data: { task: o.task, p: o.p, fracTrain: o.frac, seed, symmetric: o.asymmetric ? false : undefined },
      model: o.model === undefined ? undefined : { name: o.model },
      optim: { weightDecay: o.wd, lr: o.lr },
      initSeed: seed,
      epochs: o.epochs,
      evalEvery: o.evalEvery,
      snapshotEvery: o.snapshotEvery,
    }));
    refuseSettingsHyperparametersUnsaid(config, given);
  }
  if (o.keep !== undefined && o.setting === undefined) {
    const base = config;
    const keepFraction = o.keep;
    config = await inFlagTerms(given, () => ticketRun(base, { keepFraction, fromEpoch: o.from ?? 'final' }));
    checkKeepLeavesEveryMatrix(config, keepFraction);
  }
  await initBackend(); // announces the backend once on stderr (unless GROK_QUIET=1)
  const bars = new Map<string, ReturnType<typeof progressReporter>>();
  const r = await getRun(config, {
    label: config.derive ? 'ticket' : 'dense',
    onProgress: (label, p) => {
      if (!bars.has(label)) bars.set(label, progressReporter(label));
      bars.get(label)!.update(p);
      if (p.epoch === p.epochs) bars.get(label)!.stop();
    },
  }).catch((err: unknown) => {
    // the mask check (src/prune/mask.ts) speaks of the config; say it in terms of the flag given
    const m = o.keep !== undefined && err instanceof Error ? /^mask prunes layer (\S+) entirely \((\d+ of \d+) kept\)/.exec(err.message) : null;
    if (m) throw new UsageError(`--keep: ${o.keep} pruned matrix ${m[1]} entirely (${m[2]} kept, by this base run's weights); a larger --keep keeps some of it (the base run is stored: only the ticket trains again)`);
    throw err;
  });
  const m = r.milestones;
  const out = { key: r.key, dir: r.dir, cached: r.cached, tMem: m.tMem, tGen: m.tGen, tauGrok: m.tauGrok, horizon: m.horizon, finalTestAcc: r.log.testAcc.at(-1), finalTestLoss: r.log.testLoss.at(-1), diverged: r.log.diverged ?? null, durationMs: r.meta.durationMs };
  if (o.json) process.stdout.write(`${JSON.stringify(out)}\n`);
  else {
    process.stdout.write(`run ${r.key}${r.cached ? ' (cache hit)' : ''}: ${r.dir}\n`);
    // a regression task has no accuracy (NaN): its milestones are losses, so show the loss
    const acc = out.finalTestAcc;
    const finalMetric = acc !== undefined && Number.isFinite(acc) ? `final test acc ${acc.toFixed(4)}` : `final test loss ${out.finalTestLoss?.toPrecision(4)}`;
    process.stdout.write(`t_mem ${m.tMem ?? 'never'}  t_gen ${m.tGen ?? `never (> ${m.horizon})`}  τ_grok ${m.tauGrok?.toFixed(3) ?? 'censored'}  ${finalMetric}${out.diverged ? `  diverged at epoch ${out.diverged.epoch} (${out.diverged.reason})` : ''}\n`);
  }
  return 0;
}
