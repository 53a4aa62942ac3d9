import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { describeDecision, initBackend } from '../backend/choose.ts';
import { environment } from '../backend/info.ts';
import { buildReport, reportsRoot } from '../claims/build-report.ts';
import { mergeClaimResults } from '../claims/results.ts';
import { currentScale, parseScale } from '../config/scale.ts';
import { ConfigError, denseRun, parseRunConfig, ticketRun, type RunConfig } from '../config/schema.ts';
import { genTrainTest } from '../data/split.ts';
import { derivations } from '../derive/index.ts';
import { losses } from '../losses/index.ts';
import { models } from '../models/index.ts';
import { parseTaskName } from '../tasks/modular.ts';
import { tasks } from '../tasks/index.ts';
import { SETTINGS } from '../config/settings.ts';
import { getRun, getStore } from '../runs/execute.ts';
import { bench } from './bench.ts';
import { progressReporter } from './progress-bar.ts';

const USAGE = `grok — grokking-tickets harness

  grok train [--config FILE.json] [--model mlp] [--task add] [--p 67] [--frac 0.4] [--seed 0] [--epochs 30000]
             [--eval-every 10] [--snapshot-every 2000] [--wd 1] [--lr 0.001]
             [--keep 0.4 [--from final|EPOCH]]      one dense run, or its grokking ticket with --keep
  grok dataset --task add --p 67 --frac 0.4 --seed N [--asymmetric] --json
  grok report [--scale ci] [--merge DIR…]           rebuild reports/ from stored (or sharded) claim results
  grok info                                         backend, threads, versions, git commit
  grok list                                         registered models, tasks, losses, derivations, settings
  grok bench [--steps 1000] [--warmup 100] [--model mlp] [--task add] [--frac 0.4] [--json]
                                                    ms per training step (default: the paper MLP)
  grok cache ls|verify|gc [--all]                   inspect and clean the run store
`;

function num(name: string, v: string | undefined, dflt?: number): number | undefined {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n)) throw new ConfigError([`--${name}: "${v}" is not a number`]);
  return n;
}

async function cmdTrain(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      config: { type: 'string' }, model: { type: 'string' }, task: { type: 'string' }, p: { type: 'string' }, frac: { type: 'string' }, seed: { type: 'string' },
      epochs: { type: 'string' }, 'eval-every': { type: 'string' }, 'snapshot-every': { type: 'string' }, wd: { type: 'string' },
      lr: { type: 'string' }, keep: { type: 'string' }, from: { type: 'string' }, asymmetric: { type: 'boolean' }, json: { type: 'boolean' },
    },
    strict: true,
  });
  let config: RunConfig;
  if (values.config) {
    config = parseRunConfig(JSON.parse(readFileSync(values.config, 'utf8')));
  } else {
    const seed = num('seed', values.seed, 0)!;
    config = denseRun({
      data: { task: values.task, p: num('p', values.p), fracTrain: num('frac', values.frac), seed, symmetric: values.asymmetric ? false : undefined },
      model: values.model === undefined ? undefined : { name: values.model },
      optim: { weightDecay: num('wd', values.wd), lr: num('lr', values.lr) },
      initSeed: seed,
      epochs: num('epochs', values.epochs),
      evalEvery: num('eval-every', values['eval-every']),
      snapshotEvery: num('snapshot-every', values['snapshot-every']),
    });
  }
  if (values.keep !== undefined) {
    const keep = num('keep', values.keep)!;
    if (!(keep > 0 && keep <= 1)) throw new ConfigError([`--keep: ${keep} is invalid (the fraction of weights KEPT, in (0, 1]; pruning ratio = 1 − keep)`]);
    const from = values.from === undefined || values.from === 'final' ? 'final' : num('from', values.from)!;
    config = ticketRun(config, { keepFraction: keep, fromEpoch: from });
  }
  process.stderr.write(`[grok] ${describeDecision(await initBackend())}\n`);
  const bars = new Map<string, ReturnType<typeof progressReporter>>();
  const r = await getRun(config, {
    label: config.derive ? 'ticket' : 'dense',
    onProgress: (label, p) => {
      if (!bars.has(label)) bars.set(label, progressReporter(label));
      bars.get(label)!.update(p);
      if (p.epoch === p.epochs) bars.get(label)!.stop();
    },
  });
  const m = r.milestones;
  const out = { key: r.key, dir: r.dir, cached: r.cached, tMem: m.tMem, tGen: m.tGen, tauGrok: m.tauGrok, horizon: m.horizon, finalTestAcc: r.log.testAcc.at(-1), durationMs: r.meta.durationMs };
  if (values.json) process.stdout.write(`${JSON.stringify(out)}\n`);
  else {
    process.stdout.write(`run ${r.key}${r.cached ? ' (cache hit)' : ''}: ${r.dir}\n`);
    process.stdout.write(`t_mem ${m.tMem ?? 'never'}  t_gen ${m.tGen ?? `never (> ${m.horizon})`}  τ_grok ${m.tauGrok?.toFixed(3) ?? 'censored'}  final test acc ${out.finalTestAcc?.toFixed(4)}\n`);
  }
  return 0;
}

function cmdDataset(argv: string[]): number {
  const { values } = parseArgs({
    args: argv,
    options: { task: { type: 'string', default: 'add' }, p: { type: 'string', default: '67' }, frac: { type: 'string', default: '0.4' }, seed: { type: 'string', default: '0' }, asymmetric: { type: 'boolean' }, json: { type: 'boolean' } },
    strict: true,
  });
  parseTaskName(values.task!);
  const seedText = values.seed!;
  if (!/^\d+$/.test(seedText)) throw new ConfigError([`--seed: "${seedText}" is invalid (a non-negative integer)`]);
  const seed = BigInt(seedText) <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(seedText) : BigInt(seedText);
  const split = genTrainTest({ p: num('p', values.p)!, fracTrain: num('frac', values.frac)!, seed, symmetric: !values.asymmetric });
  if (values.json) process.stdout.write(`${JSON.stringify(split)}\n`);
  else process.stdout.write(`train ${split.train.length} pairs, test ${split.test.length} pairs; first train ${JSON.stringify(split.train.slice(0, 5))}\n`);
  return 0;
}

async function cmdReport(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, options: { scale: { type: 'string' }, merge: { type: 'boolean' } }, strict: true, allowPositionals: true });
  const scale = values.scale ? parseScale(values.scale) : currentScale();
  // --merge DIR…: claim results written by shards on other machines (each DIR holds <id>.json
  // files, or a store root with claims/<scale>/); one report, a duplicate claim id is an error
  const claims = values.merge ? await mergeClaimResults(positionals, scale.name) : undefined;
  const r = await buildReport(scale.name, { claims });
  if (r.claims === 0) {
    process.stderr.write(`no stored claim results at ${scale.name} scale: run \`GROK_SCALE=${scale.name} npm run claims\` first\n`);
    return 1;
  }
  process.stdout.write(`report for ${r.claims} claim(s) at ${scale.name} scale: ${reportsRoot()}/index.html\n`);
  for (const e of r.figureErrors) process.stderr.write(`figure failed: ${e}\n`);
  return r.figureErrors.length ? 1 : 0;
}

async function cmdInfo(): Promise<number> {
  const d = await initBackend();
  const env = await environment(d);
  process.stdout.write(`${describeDecision(d)}\nthreads: ${env.threads}\nnode: ${env.node} (${env.platform})\ncommit: ${env.commit}\n`);
  for (const [k, v] of Object.entries(env.versions)) process.stdout.write(`${k}: ${v}\n`);
  return 0;
}

/** What can be named in a config: every registered component with its defaults. */
function cmdList(argv: string[]): number {
  const { values } = parseArgs({ args: argv, options: { json: { type: 'boolean' } }, strict: true });
  const defaults = (schema: { parse(v: unknown): unknown }) => schema.parse({}) as Record<string, unknown>;
  const listing = {
    models: models.all().map((m) => ({ name: m.name, description: m.description, paper: m.paperRef, inputs: m.accepts, defaults: defaults(m.schema) })),
    tasks: tasks.all().map((t) => ({ name: t.name, description: t.description, paper: t.paperRef, loss: t.loss, milestone: t.milestone, defaultModel: t.defaultModel, defaults: defaults(t.schema) })),
    losses: losses.all().map((l) => ({ name: l.name, description: l.description })),
    derivations: derivations.all().map((d) => ({ name: d.name, description: d.description, paper: d.paperRef })),
    settings: SETTINGS.map((st) => ({ name: st.name, title: st.title, paper: st.paperRef, task: st.task, model: st.model })),
  };
  if (values.json) {
    process.stdout.write(`${JSON.stringify(listing, null, 2)}\n`);
    return 0;
  }
  const kv = (o: Record<string, unknown>) => Object.entries(o).map(([k, v]) => `${k} ${JSON.stringify(v)}`).join(', ');
  const out: string[] = ['models (--model NAME):'];
  for (const m of listing.models) out.push(`  ${m.name.padEnd(12)} ${m.description}\n  ${''.padEnd(12)} ${m.paper}; defaults: ${kv(m.defaults)}`);
  out.push('tasks (--task NAME):');
  for (const t of listing.tasks) out.push(`  ${t.name.padEnd(12)} ${t.description}; loss ${t.loss}, milestone ${t.milestone.metric} ${t.milestone.metric === 'accuracy' ? '≥' : '≤'} ${t.milestone.threshold}, model ${t.defaultModel}`);
  out.push('losses:');
  for (const l of listing.losses) out.push(`  ${l.name.padEnd(12)} ${l.description}`);
  out.push('derivations (derive.method):');
  for (const d of listing.derivations) out.push(`  ${d.name.padEnd(12)} ${d.description} (${d.paper})`);
  out.push('settings (GROK_SETTINGS=a,b):');
  for (const st of listing.settings) out.push(`  ${st.name.padEnd(22)} ${st.title} (${st.paper})`);
  process.stdout.write(`${out.join('\n')}\n`);
  return 0;
}

async function cmdBench(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { steps: { type: 'string', default: '1000' }, warmup: { type: 'string', default: '100' }, model: { type: 'string' }, task: { type: 'string', default: 'add' }, frac: { type: 'string', default: '0.4' }, json: { type: 'boolean' } },
    strict: true,
  });
  const r = await bench(num('steps', values.steps)!, num('warmup', values.warmup)!, {
    data: { task: values.task, p: 67, fracTrain: num('frac', values.frac), seed: 0 },
    model: values.model === undefined ? undefined : { name: values.model },
  });
  if (values.json) process.stdout.write(`${JSON.stringify(r)}\n`);
  else {
    process.stdout.write(`${r.setting}\nbackend: ${r.backend}\n${r.msPerStep.toFixed(3)} ms/step over ${r.steps} steps (after ${r.warmup} warm-up)\n`);
    if (r.flopsPerStep !== null && r.gflops !== null) process.stdout.write(`modelled ${(r.flopsPerStep / 1e6).toFixed(1)} MFLOP/step → ${r.gflops.toFixed(2)} GFLOP/s\n`);
  }
  return 0;
}

async function cmdCache(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  const store = getStore();
  if (sub === 'ls') {
    for (const e of await store.list()) {
      const c = e.config as RunConfig | null;
      const what = c ? `${c.model?.name ?? "?"} ${c.data?.task ?? "?"} ${c.derive ? `${c.derive.method}${'keepFraction' in c.derive ? ` keep ${c.derive.keepFraction}` : ''}` : 'dense'} seed ${c.data.seed} frac ${c.data.fracTrain} ${c.epochs} epochs` : '?';
      process.stdout.write(`${e.key}  ${e.done ? 'done' : e.locked ? 'running' : 'partial'}  ${(e.sizeBytes / 1e6).toFixed(1)} MB  ${what}\n`);
    }
    return 0;
  }
  if (sub === 'verify') {
    const r = await store.verify({ repair: rest.includes('--repair') });
    process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
    return r.problems.length ? 1 : 0;
  }
  if (sub === 'gc') {
    const r = await store.gc({ mode: rest.includes('--all') ? 'all' : 'unfinished', dryRun: rest.includes('--dry-run') });
    process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
    return 0;
  }
  throw new ConfigError([`cache: "${sub ?? ''}" is not a subcommand; allowed: ls, verify, gc`]);
}

export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  try {
    switch (cmd) {
      case 'train': return await cmdTrain(rest);
      case 'dataset': return cmdDataset(rest);
      case 'report': return await cmdReport(rest);
      case 'info': return await cmdInfo();
      case 'bench': return await cmdBench(rest);
      case 'list': return cmdList(rest);
      case 'cache': return await cmdCache(rest);
      case undefined: case '-h': case '--help': case 'help':
        process.stdout.write(USAGE);
        return cmd === undefined ? 1 : 0;
      default:
        process.stderr.write(`grok: unknown command "${cmd}"; allowed: train, dataset, report, info, list, bench, cache\n\n${USAGE}`);
        return 2;
    }
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    process.stderr.write(`grok ${cmd}: ${msg}\n`);
    return 2;
  }
}
