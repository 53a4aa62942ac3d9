import { execFile, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { opener } from '../../src/cli/open.ts';

/** The commands that read the run store, on one tiny trained run (and its ticket). */

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'grok-commands-'));
const baseEnv = { ...process.env, GROK_CACHE: join(dir, 'cache'), GROK_REPORTS: join(dir, 'reports'), GROK_RESULTS: join(dir, 'results'), GROK_CLAIMS_DIR: join(dir, 'claims'), GROK_QUIET: '1' };
const cli = (args: string[], env: Record<string, string | undefined> = {}) =>
  run(process.execPath, ['bin/grok.js', ...args], { env: { ...baseEnv, ...env } }).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );
const backendLines = (r: { stdout: string; stderr: string }) => `${r.stdout}${r.stderr}`.match(/backend: /g)?.length ?? 0;

interface Trained { key: string; tMem: number | null; tGen: number | null; tauGrok: number | null; horizon: number }
let dense: Trained;
let ticket: Trained;
let trainOutput: { stdout: string; stderr: string };

beforeAll(async () => {
  const tiny = ['--p', '11', '--frac', '0.5', '--epochs', '40', '--eval-every', '5', '--snapshot-every', '20', '--json'];
  trainOutput = await cli(['train', ...tiny], { GROK_QUIET: undefined });
  dense = JSON.parse(trainOutput.stdout) as Trained;
  ticket = JSON.parse((await cli(['train', ...tiny, '--keep', '0.5', '--from', '20'])).stdout) as Trained;
}, 60_000);

describe('grok commands on a stored run', () => {
  it.each([
    ['train', () => Promise.resolve(trainOutput)],
    ['info', () => cli(['info'], { GROK_QUIET: undefined })],
    ['bench', () => cli(['bench', '--steps', '1', '--warmup', '1'], { GROK_QUIET: undefined })],
  ])('%s names the backend once', async (_name, result) => {
    expect(backendLines(await result())).toBe(1);
  });

  it('bench --profile says where a step\'s time goes: kernels by input shape, summing to the kernel time', async () => {
    const r = await cli(['bench', '--steps', '2', '--warmup', '1', '--profile', '3', '--json']);
    expect(r.code).toBe(0);
    const res = JSON.parse(r.stdout) as { profile: { kernelMsPerStep: number; kernelsPerStep: number; rows: { kernel: string; shapes: string; msPerStep: number; callsPerStep: number; share: number }[] } };
    const { rows, kernelMsPerStep } = res.profile;
    // the MLP's eleven matmuls of a step (four forward, seven backward), plus the run's final
    // evaluation (a few forwards) spread over the 3 profiled steps
    const matmuls = rows.filter((x) => x.kernel === 'BatchMatMul');
    const perStep = matmuls.reduce((a, x) => a + x.callsPerStep, 0);
    expect(perStep).toBeGreaterThanOrEqual(11);
    expect(perStep).toBeLessThanOrEqual(11 + 16 / 3);
    expect(matmuls.map((x) => x.shapes)).toContain('[911,67]×[67,48]');
    expect(rows.reduce((a, x) => a + x.msPerStep, 0)).toBeCloseTo(kernelMsPerStep, 6);
    expect(rows.reduce((a, x) => a + x.share, 0)).toBeCloseTo(1, 6);
  });

  it('bench --population n times the real step of n runs as one population, per run-step, and checks its lanes', async () => {
    const r = await cli(['bench', '--steps', '2', '--warmup', '1', '--population', '3', '--json']);
    expect(r.code).toBe(0);
    const { msPerStep, population: q } = JSON.parse(r.stdout) as { msPerStep: number; population: { n: number; msPerPopulationStep: number; msPerRunStep: number; aloneMsPerStep: number; exact: boolean } };
    expect(q.n).toBe(3);
    expect(q.msPerPopulationStep).toBeGreaterThan(0);
    expect(q.msPerRunStep).toBeCloseTo(q.msPerPopulationStep / 3, 9);
    expect(q.aloneMsPerStep).toBe(msPerStep);
    expect(typeof q.exact).toBe('boolean');
  });

  it('cache ls --json lists each run with its state, size, summary and milestones', async () => {
    const r = await cli(['cache', 'ls', '--json']);
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.stdout) as { key: string; state: string; sizeBytes: number; summary: string; milestones: Omit<Trained, 'key'> }[];
    const byKey = new Map(rows.map((row) => [row.key, row]));
    expect(rows).toHaveLength(2);
    for (const [t, summary] of [[dense, 'mlp add p 11 dense seed 0 frac 0.5 wd 1 40 epochs'], [ticket, 'mlp add p 11 magnitude keep 0.5 from 20 seed 0 frac 0.5 wd 1 40 epochs']] as const) {
      const row = byKey.get(t.key)!;
      expect(row).toMatchObject({ state: 'done', summary });
      expect(row.sizeBytes).toBeGreaterThan(0);
      expect(row.milestones).toEqual({ tMem: t.tMem, tGen: t.tGen, tauGrok: t.tauGrok, horizon: t.horizon });
    }
  });

  it('plot writes a run\'s accuracy and loss curves as SVG or PNG, found by a key prefix', async () => {
    const svgFile = join(dir, 'curves.svg');
    const r = await cli(['plot', dense.key.slice(0, 8), '--out', svgFile]);
    expect(r).toMatchObject({ code: 0, stdout: `${svgFile}\n` });
    const svg = readFileSync(svgFile, 'utf8');
    expect(svg.startsWith('<svg')).toBe(true);
    for (const text of [`run ${dense.key}`, 'accuracy: t_mem', 'loss (log)', 'epoch (log)', 'train', 'test']) expect(svg).toContain(text);
    const pngFile = join(dir, 'curves.png');
    expect((await cli(['plot', ticket.key, '--out', pngFile])).code).toBe(0);
    expect(readFileSync(pngFile).subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    const missing = dense.key[0] === 'f' ? '0000' : 'ffff';
    expect((await cli(['plot', missing])).stderr).toBe(`grok plot: run "${missing}": no stored run has this key (see \`grok cache ls\`)\n`);
  }, 30_000);

  it('plot without --out writes under the reports folder (plots/<key>.svg), never the current directory, with the milestones marked', async () => {
    const prefix = dense.key.slice(0, 6);
    const r = await cli(['plot', prefix]);
    const file = join(dir, 'reports', 'plots', `${dense.key}.svg`);
    expect(r).toMatchObject({ code: 0, stdout: `${file}\n` });
    expect(existsSync(`${prefix}.svg`)).toBe(false); // the old default: <run>.svg in the cwd, the checkout's root here
    const svg = readFileSync(file, 'utf8');
    // each reached milestone is labelled on both charts (accuracy and loss), apart from the title's numbers
    const reached = [['t_mem', dense.tMem], ['t_gen', dense.tGen]].filter(([, e]) => e !== null);
    expect(reached.length).toBeGreaterThan(0);
    for (const [name, epoch] of reached) expect(svg.split(`>${name} ${epoch}</text>`).length - 1).toBe(2);
  }, 30_000);

  it.each([[['cache', 'ls']], [['info']]])('grok %j exits quietly when the reader closes the pipe (| head)', async (args) => {
    const child = spawn(process.execPath, ['bin/grok.js', ...args], { env: baseEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy(); // the reader is gone before grok writes a byte
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });

  it('cache gc --all removes the claim outcomes with the runs (--dry-run only lists them)', async () => {
    const own = mkdtempSync(join(tmpdir(), 'grok-gc-'));
    const env = { GROK_CACHE: join(own, 'cache'), GROK_RESULTS: join(own, 'results') };
    mkdirSync(join(own, 'results', 'ci'), { recursive: true });
    const outcome = join(own, 'results', 'ci', 'probe@mlp-add.json');
    writeFileSync(outcome, '{}');
    const dry = await cli(['cache', 'gc', '--all', '--dry-run'], env);
    expect(dry.code).toBe(0);
    expect(JSON.parse(dry.stdout).removedOutcomes).toEqual([outcome]);
    expect(existsSync(outcome)).toBe(true);
    const real = await cli(['cache', 'gc', '--all'], env);
    expect(real.code).toBe(0);
    expect(existsSync(outcome)).toBe(false);
  });

  describe.runIf(process.platform === 'linux')('report --open', () => {
    beforeAll(() => {
      // one stored claim outcome of an existing claim file, so there is a report to open
      mkdirSync(join(dir, 'results', 'ci'), { recursive: true });
      mkdirSync(join(dir, 'claims'), { recursive: true });
      writeFileSync(join(dir, 'claims', 'probe.claim.ts'), 'export default {};\n');
      writeFileSync(join(dir, 'results', 'ci', 'probe.json'), JSON.stringify({
        id: 'probe', title: 'probe', paperQuote: 'q', paperRef: '§0', assertion: 'a', verdict: 'reproduced', reason: 'r',
        statistics: [], seedTable: { columns: [], rows: [] }, figures: [], runs: [], scale: 'ci', setting: 'mlp-add',
      }));
    });

    const index = () => join(dir, 'reports', 'index.html');
    /** A fake xdg-open in its own folder on PATH. */
    const fakeOpener = (name: string, script: string) => {
      const bin = join(dir, name);
      mkdirSync(bin);
      writeFileSync(join(bin, 'xdg-open'), `#!/bin/sh\n${script}\n`);
      chmodSync(join(bin, 'xdg-open'), 0o755);
      return `${bin}:${process.env.PATH}`;
    };
    const display = { DISPLAY: ':0', WAYLAND_DISPLAY: undefined };

    it('opens index.html with the platform opener', async () => {
      const opened = join(dir, 'opened.txt');
      const r = await cli(['report', '--open'], { ...display, PATH: fakeOpener('bin', `printf '%s' "$1" > ${JSON.stringify(opened)}`) });
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      await expect.poll(() => { try { return readFileSync(opened, 'utf8'); } catch { return ''; } }).toBe(index());
    });

    it('says so in one line, with the report\'s path, when there is no opener', async () => {
      const empty = join(dir, 'empty-bin');
      mkdirSync(empty);
      const r = await cli(['report', '--open'], { ...display, PATH: empty });
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(`grok report: --open: no browser available (no "xdg-open" on PATH); the report is at ${index()}\n`);
    });

    it('on a machine without a display says in one line that no browser is available, without trying the opener', async () => {
      const tried = join(dir, 'tried.txt');
      const r = await cli(['report', '--open'], { DISPLAY: undefined, WAYLAND_DISPLAY: undefined, PATH: fakeOpener('bin-headless', `echo tried > ${JSON.stringify(tried)}`) });
      expect(r.code).toBe(2);
      expect(r.stdout).toContain(index()); // the report was written
      expect(r.stderr).toBe(`grok report: --open: no browser available (no display: DISPLAY and WAYLAND_DISPLAY are unset); the report is at ${index()}\n`);
      expect(existsSync(tried)).toBe(false);
    });

    it('an opener that fails is one line (its status and last words), not its noise', async () => {
      const noise = Array.from({ length: 10 }, (_, i) => `echo "/usr/bin/xdg-open: line ${i}: www-browser: not found" >&2`).join('\n');
      const r = await cli(['report', '--open'], { ...display, PATH: fakeOpener('bin-noisy', `${noise}\necho "xdg-open: no method available for opening '$1'" >&2\nexit 3`) });
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(`grok report: --open: no browser available (xdg-open exited with status 3: xdg-open: no method available for opening '${index()}'); the report is at ${index()}\n`);
    });
  });

  it('picks the opener of each platform', () => {
    expect([opener('linux').command, opener('darwin').command, opener('win32').command]).toEqual(['xdg-open', 'open', 'cmd']);
    expect(opener('win32').args('a b.html')).toEqual(['/c', 'start', '""', 'a b.html']);
  });

  // last: on the old CLI this deleted every run
  it('a mistyped gc flag is an error and deletes nothing', async () => {
    const r = await cli(['cache', 'gc', '--all', '--dryrun']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown option '--dryrun'\n\(Did you mean --dry-run\?\)/);
    expect((await cli(['cache', 'ls'])).stdout).toContain(dense.key);
  });
});
