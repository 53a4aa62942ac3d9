import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { SCALE_NAMES } from '../config/scale.ts';
import { packageRoot } from '../util/paths.ts';
import { checkEnvironment } from './env.ts';
import { environmentHelp } from './env-vars.ts';
import { configIssues } from './flags.ts';
import { epochOrFinal, number, positiveInt } from './parse.ts';

/**
 * The `grok` command. This module only declares commands and options (commander), so `grok
 * --help`, `grok <command> --help` and `grok --version` load nothing else; each command's module,
 * and with it tfjs, vega and the store, is imported when that command runs.
 */

type Action = (...args: never[]) => number | Promise<number>;

const EXAMPLES = `
Examples:
  grok train --seed 0 --frac 0.5 --epochs 15000            one dense run (stored in .grok-cache/)
  grok train --seed 0 --frac 0.5 --epochs 15000 --keep 0.4 its grokking ticket
  grok train --setting mnist-mlp --epochs 3000             a named setting's run (grok list), shorter
  grok plot 3f2a --out run.png                             a stored run's curves
  grok report --open                                       rebuild reports/ and open it

${environmentHelp()}`;

function version(): string {
  return (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
}

/** Keeps stdout/stderr errors from crashing the process: `grok cache ls | head` closes the pipe early. */
function exitQuietlyOnClosedPipe(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
      throw err;
    });
  }
}

function buildProgram(run: (name: string, load: () => Promise<Action>) => (...args: unknown[]) => Promise<void>): Command {
  const program = new Command('grok')
    .description('grokking-tickets harness: train runs, rebuild the report, inspect the run store')
    .version(version(), '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help (also: grok <command> --help)')
    .showHelpAfterError('(add --help for usage)')
    .showSuggestionAfterError(true)
    .exitOverride()
    .addHelpText('after', EXAMPLES);

  // run-config flags: each sets one field of the run (see flags.ts); --config gives the whole run instead
  const runFlag = (flags: string, description: string, parse?: (v: string) => unknown, conflicts: string[] = []) => {
    const o = new Option(flags, description).conflicts(['config', ...conflicts]);
    return parse ? o.argParser(parse) : o;
  };
  program.command('train')
    .description('one dense run, or its grokking ticket with --keep (trained once, then read from the store)')
    .option('--config <file>', 'the whole run config as JSON (see docs/ARCHITECTURE.md); excludes the run flags')
    .addOption(runFlag('--setting <name>', 'a named setting\'s run (grok list: task, model, hyperparameters) at GROK_SCALE\'s horizon; the flags below override its fields'))
    .addOption(runFlag('--task <name>', 'task (default add; see grok list); a task whose setting has other hyperparameters needs --setting', undefined, ['setting']))
    .addOption(runFlag('--model <name>', 'model (default: the task\'s, mlp for add)', undefined, ['setting']))
    .addOption(runFlag('--p <n>', 'the modulus, a prime (default 67)', number))
    .addOption(runFlag('--frac <x>', 'fraction of pairs used for training (default 0.4)', number))
    .addOption(runFlag('--seed <n>', 'split and init seed (default 0)', number))
    .addOption(runFlag('--asymmetric', 'ordered pairs: (a,b) and (b,a) are split independently'))
    .addOption(runFlag('--epochs <n>', 'training epochs (default 30000)', number))
    .addOption(runFlag('--eval-every <n>', 'test evaluation interval in epochs (default 10)', number))
    .addOption(runFlag('--snapshot-every <n>', 'weight snapshot interval in epochs (default 2000)', number))
    .addOption(runFlag('--wd <x>', 'AdamW weight decay (default 1)', number))
    .addOption(runFlag('--lr <x>', 'AdamW learning rate (default 0.001)', number))
    .addOption(new Option('--keep <x>', 'train the grokking ticket keeping this fraction of weights, in (0, 1]').argParser(number))
    .addOption(new Option('--from <epoch>', "snapshot the ticket's mask is taken from: 'final' (default) or an epoch; needs --keep").argParser(epochOrFinal))
    .option('--json', 'print the result as one JSON line')
    .action(run('train', async () => (await import('./train.ts')).train));

  program.command('dataset')
    .description("the authors' train/test split of a modular task")
    .option('--task <name>', 'add, subtract, …', 'add')
    .option('--p <n>', 'the modulus, a prime', number, 67)
    .option('--frac <x>', 'fraction of pairs used for training', number, 0.4)
    .option('--seed <n>', 'split seed, any non-negative integer', '0')
    .option('--asymmetric', 'ordered pairs: (a,b) and (b,a) are split independently')
    .option('--json', 'print the split as JSON')
    .action(run('dataset', async () => (await import('./dataset.ts')).dataset));

  program.command('report')
    .description('rebuild reports/ from stored (or sharded) claim outcomes; no training')
    .addOption(new Option('--scale <name>', 'scale of the outcomes (default: GROK_SCALE, else ci)').choices(SCALE_NAMES))
    .option('--merge <dir...>', 'merge claim outcomes written by shards (result folders or store roots)')
    .option('--open', 'open index.html with the system opener (xdg-open, open, start)')
    .option('--out <dir>', 'write the report there (default: GROK_REPORTS, else reports/)')
    .option('--compact', 'index.html, summary.md and PNGs only (for a copy kept in git, e.g. docs/reference-report)')
    .option('--allow-missing', 'with --merge: a shard folder that does not exist is a missing shard, named in the report with the claims it did not decide')
    .option('--job-summary <file>', 'append a Markdown summary for a GitHub job summary to FILE, figures as links to --report-url; writes nothing else')
    .option('--report-url <url>', 'with --job-summary: where index.html is served (e.g. the unzipped artifact\'s URL); default on GitHub Actions: the run page')
    .action(run('report', async () => (await import('./report.ts')).report));

  program.command('plot')
    .description("a stored run's train/test accuracy and loss curves as SVG or PNG, t_mem and t_gen marked")
    .argument('<run>', 'run key or a unique prefix of it (see grok cache ls)')
    .option('--out <file>', 'output file; .svg or .png (default: <reports>/plots/<key>.svg, GROK_REPORTS or reports/)')
    .action(run('plot', async () => (await import('./plot.ts')).plot));

  program.command('info')
    .description('backend, the device it runs on (GPU or CPU), threads, versions, git commit')
    .option('--json', 'print as one JSON line (what a claim shard records as environment.json)')
    .action(run('info', async () => (await import('./info.ts')).info));

  program.command('list')
    .description('registered models, tasks, losses, derivations and settings, with defaults')
    .option('--json', 'print as JSON')
    .action(run('list', async () => (await import('./list.ts')).list));

  program.command('bench')
    .description('ms per training step of a setting on each engine (native, tfjs) side by side in one interleaved run, optionally against PyTorch (default: the paper MLP, p 67)')
    .option('--setting <name>', `setting to time: ${'mlp-add, transformer-add, mnist-mlp, lstm-imdb, mlp-polynomial, mlp-parity'}`)
    .option('--vs-torch', 'also time the same step in PyTorch on one thread (needs python3 with torch) and print each engine\'s ratio to it')
    .option('--rounds <n>', 'interleaved rounds (engines side by side)', positiveInt, 7)
    .option('--steps <n>', 'timed steps (per round when comparing engines; default there: ~0.3 s of the slowest)', positiveInt)
    .option('--warmup <n>', 'untimed warm-up steps (tfjs-only measurement)', positiveInt, 100)
    .option('--model <name>', 'tfjs-only measurement of this model (default: the task\'s)')
    .option('--task <name>', 'tfjs-only measurement: task', 'add')
    .option('--frac <x>', 'tfjs-only measurement: fraction of pairs used for training', number, 0.4)
    .option('--profile <steps>', 'also time every kernel over this many steps: where the time goes', positiveInt)
    .option('--population <n>', 'also time the real step of n runs trained as one population (ms per run-step) and check its lanes are bit-identical to the runs alone', positiveInt)
    .option('--json', 'print the result as one JSON line')
    .action(run('bench', async () => (await import('./bench.ts')).benchCommand));

  const cache = program.command('cache').description('inspect and clean the run store (GROK_CACHE, default .grok-cache/)');
  cache.command('ls')
    .description('every stored run: key, state, size, what it is')
    .option('--json', 'one JSON array, with the milestones (t_mem, t_gen, τ_grok) of finished runs')
    .action(run('cache ls', async () => (await import('./cache.ts')).cacheLs));
  cache.command('verify')
    .description('check every file of every run against its checksums and report damage')
    .option('--repair', 'delete damaged runs (the next request recomputes them) and stray temp files')
    .action(run('cache verify', async () => (await import('./cache.ts')).cacheVerify));
  cache.command('version')
    .description('a hash of every file a run key depends on (what the training code and the components import, package-lock.json): a CI cache key for the store')
    .option('--files', 'list those files, one a line, instead of their hash')
    .action(run('cache version', async () => (await import('./code-version.ts')).cacheVersion));
  cache.command('gc')
    .description('delete unfinished runs (with --all: every run and every stored claim outcome); runs in use are kept')
    .option('--all', 'delete finished runs and the claim outcomes decided from them too')
    .option('--dry-run', 'list what would be deleted, delete nothing')
    .action(run('cache gc', async () => (await import('./cache.ts')).cacheGc));
  return program;
}

/** One line, in the user's terms; a config error lists its fields. */
function messageOf(err: unknown): string {
  const issues = configIssues(err);
  if (issues) return issues.length === 1 ? issues[0] : `invalid config:\n  ${issues.join('\n  ')}`;
  return err instanceof Error ? err.message : String(err);
}

export async function main(argv: string[]): Promise<number> {
  exitQuietlyOnClosedPipe();
  let code = 0;
  let current = '';
  const program = buildProgram((name, load) => async (...args: unknown[]) => {
    current = name;
    checkEnvironment();
    const action = await load();
    code = await (action as (...a: unknown[]) => number | Promise<number>)(...args);
  });
  try {
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (err) {
    // commander has already printed its own errors (unknown option, with a suggestion, …) and help
    // help is 0 when asked for, 1 when shown for a missing command; a usage error is 2
    if (err instanceof CommanderError) return ['commander.helpDisplayed', 'commander.help', 'commander.version'].includes(err.code) ? err.exitCode : 2;
    process.stderr.write(`grok ${current}: ${messageOf(err)}\n`);
    return 2;
  }
}
