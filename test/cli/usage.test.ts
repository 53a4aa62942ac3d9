import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { defaultRun } from '../../src/config/schema.ts';
import { FLAG_FIELDS, issuesInFlagTerms } from '../../src/cli/flags.ts';
import { jsonDepth, MAX_CONFIG_DEPTH } from '../../src/cli/train.ts';

/** Usage of the `grok` command: help, version, flag errors. No training here (see commands.test.ts). */

const run = promisify(execFile);
const tmp = mkdtempSync(join(tmpdir(), 'grok-usage-'));
const cli = (args: string[], env: Record<string, string> = {}, nodeArgs: string[] = []) =>
  run(process.execPath, [...nodeArgs, 'bin/grok.js', ...args], { env: { ...process.env, GROK_QUIET: '1', GROK_CACHE: join(tmp, 'cache'), ...env } }).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );

// A module hook that refuses tfjs, vega and resvg: a command that imports any of them fails.
const hook = join(tmp, 'no-heavy-modules.mjs');
writeFileSync(hook, `import { register } from 'node:module';
register('data:text/javascript,' + encodeURIComponent(\`export async function resolve(specifier, context, next) {
  if (/^(@tensorflow\\\\/|vega|@resvg\\\\/)/.test(specifier)) throw new Error('heavy module imported: ' + specifier);
  return next(specifier, context);
}\`));
`);
const withoutHeavyModules = ['--import', pathToFileURL(hook).href];

const COMMANDS = ['train', 'dataset', 'report', 'plot', 'info', 'list', 'bench', 'cache', 'cache ls', 'cache verify', 'cache gc', 'cache version'];

describe('grok usage', () => {
  it('the module hook used below does catch a command that loads tfjs (control)', async () => {
    const r = await cli(['info'], {}, withoutHeavyModules);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('heavy module imported: @tensorflow/');
  });

  const HELP: [string[], string][] = [
    [['--help'], 'Usage: grok [options] [command]'], [['help'], 'Usage: grok [options] [command]'], [['help', 'train'], 'Usage: grok train [options]'],
    ...COMMANDS.map((c): [string[], string] => [[...c.split(' '), '--help'], `Usage: grok ${c} `]),
  ];
  it.each(HELP)('grok %j answers without loading tfjs, vega or resvg', async (args, usage) => {
    const r = await cli(args, {}, withoutHeavyModules);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.startsWith(usage)).toBe(true);
  });

  it('grok --version prints the package version without loading tfjs, vega or resvg', async () => {
    const r = await cli(['--version'], {}, withoutHeavyModules);
    expect(r).toEqual({ code: 0, stdout: `${(JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version}\n`, stderr: '' });
  });

  it('train --help states the schema defaults of the flags it documents', async () => {
    const help = (await cli(['train', '--help'])).stdout.replace(/\s+/g, ' ');
    const defaults = defaultRun() as unknown as Record<string, unknown>;
    const at = (path: string) => path.split('.').reduce<unknown>((v, k) => (v as Record<string, unknown>)[k], defaults);
    let checked = 0;
    for (const [flag, [field]] of Object.entries(FLAG_FIELDS)) {
      const m = new RegExp(`--${flag} <\\w+> [^(]*\\(default ([\\d.]+)\\)`).exec(help);
      if (!m) continue;
      expect([flag, Number(m[1])]).toEqual([flag, at(field)]);
      checked++;
    }
    expect(checked).toBeGreaterThanOrEqual(8);
  });

  it.each([
    [['train', '--epoch', '5'], /unknown option '--epoch'\n\(Did you mean --epochs\?\)/],
    [['cache', 'gc', '--dryrun'], /unknown option '--dryrun'\n\(Did you mean --dry-run\?\)/],
    [['train', '--frac', '1.5'], /^grok train: --frac: 1\.5 is invalid \(Too big: expected number to be <1\)\n$/],
    [['train', '--seed', '1.5'], /^grok train: --seed: 1\.5 is invalid \(/],
    [['train', '--p', 'x'], /option '--p <n>' argument 'x' is invalid\. Allowed: a number in decimal notation/],
    [['train', '--p', '0x43'], /option '--p <n>' argument '0x43' is invalid\. Allowed: a number in decimal notation \(e\.g\. 67, 0\.4, 1e-3\)\./],
    [['train', '--lr', 'Infinity'], /option '--lr <x>' argument 'Infinity' is invalid/],
    [['bench', '--steps', '0x10'], /option '--steps <n>' argument '0x10' is invalid\. Allowed: a positive integer, in digits\./],
    [['train', '--config', 'c.json', '--epochs', '5', '--seed', '3'], /option '--(epochs|seed) <n>' cannot be used with option '--config <file>'/],
    [['train', '--from', '2000'], /--from needs --keep/],
    [['train', '--keep', '0.4', '--from', 'last'], /option '--from <epoch>' argument 'last' is invalid/],
    [['train', 'extra'], /too many arguments for 'train'/],
    [['bench', '--steps', '0'], /option '--steps <n>' argument '0' is invalid\. Allowed: a positive integer, in digits\./],
    [['bench', '--frac', '1.5'], /^grok bench: --frac: 1\.5 is invalid/],
    [['report', '--scale', 'huge'], /option '--scale <name>' argument 'huge' is invalid\. Allowed choices are smoke, quick, ci, paper\./],
    [['train', '--epochs', '1e12'], /^grok train: --epochs: 1000000000000 is too large \(at most \d+ with evalEvery 10: metrics\.json keeps a train accuracy per epoch and 9 columns per evaluation in one string of at most \d+ characters\)\n$/],
    [['train', '--keep', '1e-9'], /^grok train: --keep: 1e-9 is too small \(it keeps 1 of the 115000 prunable weights, fewer than the 4 prunable matrices W_U, W_E, W_in, W_out, so at least one would be pruned entirely; --keep 0\.000035 or more can keep a weight in each\)\n$/],
    [['plot', 'xyz'], /^grok plot: run "xyz" is invalid \(a run key or its prefix/],
    [['plot', 'ab', '--out', 'curves.jpg'], /^grok plot: --out: "curves\.jpg" is invalid \(the file name must end in \.svg or \.png\)/],
  ])('grok %j is an error naming the flag', async (args, message) => {
    const r = await cli(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(r.stdout).toBe('');
  });

  it('a config file with run flags is an error, and its own errors name the file and fields', async () => {
    const file = join(tmp, 'bad.json');
    writeFileSync(file, JSON.stringify({ data: { fracTrain: 1.5 } }));
    const r = await cli(['train', '--config', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`grok train: --config: ${file} is not a valid run config:\n  data.fracTrain: 1.5 is invalid (Too big: expected number to be <1)\n`);
    const derived = join(tmp, 'derived.json');
    const base = { data: { p: 11, fracTrain: 0.5 }, epochs: 10, snapshotEvery: 10 };
    writeFileSync(derived, JSON.stringify({ ...base, derive: { method: 'magnitude', base, keepFraction: 0.5 } }));
    expect((await cli(['train', '--config', derived, '--keep', '0.4'])).stderr).toMatch(/--keep: .*derived\.json already describes a derived run \(derive\.method "magnitude"\)/);
    expect(existsSync(join(tmp, 'cache'))).toBe(false); // nothing was written
  });

  it('a config file nested deeper than a run config can be is refused in one line, before it is parsed', async () => {
    const file = join(tmp, 'deep.json');
    writeFileSync(file, `{"data":${'['.repeat(100_000)}${']'.repeat(100_000)}}`);
    const r = await cli(['train', '--config', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`grok train: --config: ${file} nests objects and arrays deeper than ${MAX_CONFIG_DEPTH} levels, the most a run config file may\n`);
    // brackets inside strings do not count; a real derived config is far inside the limit
    expect(jsonDepth('{"a":"[[[[{{{{","b":{"c":[1]}}')).toBe(3);
    const base = { data: { p: 11 }, optim: { lr: 0.001 } };
    expect(jsonDepth(JSON.stringify({ ...base, derive: { method: 'magnitude', base, keepFraction: 0.5 } }))).toBeLessThanOrEqual(MAX_CONFIG_DEPTH);
    expect(existsSync(join(tmp, 'cache'))).toBe(false);
  });

  it('a --keep that the trained weights leave a matrix empty at names --keep, not an option that does not exist', async () => {
    const r = await cli(['train', '--p', '7', '--epochs', '10', '--snapshot-every', '10', '--keep', '1e-4'], { GROK_CACHE: join(tmp, 'keep-cache') });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^grok train: --keep: 0\.0001 pruned matrix \S+ entirely \(0 of \d+ kept, by this base run's weights\); a larger --keep keeps some of it/m);
    expect(r.stderr).not.toMatch(/allow it explicitly/);
  }, 60_000);

  it('config errors are renamed only for the flags that set the field', () => {
    const issues = ['data.fracTrain: 1.5 is invalid (x)', 'derive.base.data.p: 9 is invalid (must be a prime)', 'epochs: 0 is invalid (y)', 'data: must equal derive.base.data'];
    expect(issuesInFlagTerms(issues, ['frac', 'p'])).toEqual(['--frac: 1.5 is invalid (x)', '--p: 9 is invalid (must be a prime)', 'epochs: 0 is invalid (y)', 'data: must equal derive.base.data']);
  });
});
