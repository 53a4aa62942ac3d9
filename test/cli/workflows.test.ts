import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs script without types (it runs in the GPU image with node alone)
import { checkGpu, compareProduct, listGpus, MAX_COMPUTE_CAPABILITY } from '../../.ci/gpu/check-gpu.mjs';

/** The workflows run where they are meant to: ci.yml on GitHub-hosted runners, the GPU workflow only on a GPU it supports. */

const root = resolve(import.meta.dirname, '../..');
const read = (f: string) => readFileSync(join(root, f), 'utf8');
const run = promisify(execFile);
const tmp = mkdtempSync(join(tmpdir(), 'grok-workflows-'));

interface Step { name?: string; uses?: string; run?: string; text: string }
/** The steps of a job, split on the `- ` items at the steps list's indent (enough YAML for our files). */
function steps(yaml: string, job: string): Step[] {
  const jobAt = yaml.search(new RegExp(`^  ${job}:$`, 'm'));
  expect(jobAt).toBeGreaterThanOrEqual(0);
  const rest = yaml.slice(jobAt);
  const list = /^( +)steps:\n/m.exec(rest)!;
  const indent = `${list[1]}  - `;
  const body = rest.slice(list.index + list[0].length).split(/\n(?=  \S)/)[0]; // up to the next job
  return body.split(new RegExp(`^${indent}`, 'm')).slice(1).map((text) => ({
    text,
    name: /^(?:\s*)name: (.*)$/m.exec(text)?.[1],
    uses: /^(?:\s*)uses: (.*)$/m.exec(text)?.[1],
    run: runOf(text),
  }));
}

/** A step's `run:`, one line or a `|` block (the lines indented under it). */
function runOf(step: string): string | undefined {
  const lines = step.split('\n');
  const at = lines.findIndex((l) => /^\s*run: /.test(l));
  if (at < 0) return undefined;
  const value = lines[at].replace(/^\s*run: /, '');
  if (value !== '|') return value;
  const indent = lines[at].search(/\S/);
  const block = [];
  for (const l of lines.slice(at + 1)) {
    if (l.trim() && l.search(/\S/) <= indent) break;
    block.push(l);
  }
  return block.join('\n');
}

describe('ci.yml and .ci/run on GitHub-hosted runners', () => {
  /** Runs .ci/run's apt-get helper with stand-ins for id, sudo and apt-get; returns what was called. */
  async function aptAs(uid: number): Promise<string[]> {
    const script = read('.ci/run');
    const helper = script.slice(script.indexOf('SUDO='), script.indexOf('\n}\n') + 3);
    expect(helper).toMatch(/apt_install\(\)/);
    const bin = join(tmp, `bin-${uid}`);
    const log = join(tmp, `calls-${uid}`);
    mkdirSync(bin);
    const stub = (name: string, body: string) => {
      writeFileSync(join(bin, name), `#!/bin/sh\n${body}\n`);
      chmodSync(join(bin, name), 0o755);
    };
    stub('id', `echo ${uid}`);
    stub('sudo', `echo "sudo $*" >> ${log}; exec "$@"`);
    stub('apt-get', `echo "apt-get $* DEBIAN_FRONTEND=$DEBIAN_FRONTEND" >> ${log}`);
    await run('bash', ['-c', `set -euo pipefail\n${helper}\napt_install chromium`], { env: { PATH: `${bin}:${dirname(process.execPath)}:/usr/bin:/bin` } });
    return readFileSync(log, 'utf8').trim().split('\n');
  }

  it('.ci/run calls apt-get through sudo when not root, directly as root', async () => {
    expect(await aptAs(1001)).toEqual([
      'sudo apt-get update -qq',
      'apt-get update -qq DEBIAN_FRONTEND=',
      'sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium',
      'apt-get install -y -qq chromium DEBIAN_FRONTEND=noninteractive',
    ]);
    expect(await aptAs(0)).toEqual(['apt-get update -qq DEBIAN_FRONTEND=', 'apt-get install -y -qq chromium DEBIAN_FRONTEND=noninteractive']);
    // every apt-get in the script goes through the helper
    expect(read('.ci/run').split('\n').filter((l) => /apt-get /.test(l) && !/^\s*#/.test(l)).every((l) => /\$SUDO (env DEBIAN_FRONTEND=noninteractive )?apt-get/.test(l))).toBe(true);
  });

  it('ci.yml runs .ci/run in Debian (whose chromium, python3-torch and OpenBLAS it installs) on a hosted runner, with the Node the package asks for', () => {
    const yaml = read('.github/workflows/ci.yml');
    expect(yaml).toMatch(/^ {4}runs-on: ubuntu-latest$/m);
    const image = /^ {4}container:\n {6}image: node:(\d+)-bookworm$/m.exec(yaml);
    expect(image).not.toBeNull();
    const engines = (JSON.parse(read('package.json')) as { engines: { node: string } }).engines.node;
    expect(engines).toMatch(new RegExp(`^>=${image![1]}\\.`));
    const s = steps(yaml, 'test');
    expect(s.map((x) => x.uses ?? x.run?.trim())).toEqual(['actions/checkout@v4', 'bash .ci/run', 'actions/upload-artifact@v4']);
    // the browser check's chromium is Debian's /usr/bin/chromium, which the Ubuntu runner lacks
    expect(read('test/report/browser.test.ts')).toContain("'/usr/bin/chromium'");
  });
});

describe('the GPU workflow fails fast on a device it cannot use', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('its first step after checkout runs the GPU check, before any claim; the header says which GPUs the image supports', () => {
    const yaml = read('.github/workflows/claims-gpu.yml');
    const s = steps(yaml, 'claims');
    expect(s[0].uses).toBe('actions/checkout@v4');
    expect(s[1].run?.trim().split('\n').map((l) => l.trim())).toEqual([
      'docker build -t grok-gpu:cuda11.2-node20 .ci/gpu',
      '.ci/gpu/run.sh npm ci --no-audit --no-fund',
      '.ci/gpu/run.sh node .ci/gpu/check-gpu.mjs',
    ]);
    expect(s.findIndex((x) => x.text.includes('shard.sh'))).toBeGreaterThan(1);
    expect(yaml).toMatch(/compute capability 3\.5 to 8\.6/);
    expect(yaml).toMatch(/Hopper \(sm_90: H100, H200\)/);
    expect(yaml).toContain('docs/gpu.md');
    expect(read('docs/gpu.md')).toMatch(/compute capability 3\.5 to 8\.6 \(Kepler to Ampere\)/);
    expect(MAX_COMPUTE_CAPABILITY).toBe(8.6);
  });

  it('on a machine without a GPU the check says "no GPU" in one line and exits 1', async () => {
    // PATH without nvidia-smi, as on our CPU machines
    const r = await run(process.execPath, [join(root, '.ci/gpu/check-gpu.mjs')], { cwd: root, env: { PATH: dirname(process.execPath) } }).then(
      () => ({ code: 0, stdout: '', stderr: '' }),
      (e: { code: number; stdout: string; stderr: string }) => e,
    );
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('gpu check: no GPU kernel can run here: no GPU (no nvidia-smi: no NVIDIA driver here). This image (CUDA 11.2, TensorFlow 2.9.1) supports compute capability 3.5 to 8.6 (Kepler to Ampere); not Hopper (9.0: H100, H200) or later; see docs/gpu.md\n');
  });

  it('reads nvidia-smi\'s names and compute capabilities', () => {
    expect(listGpus(() => 'NVIDIA H100 80GB HBM3, 9.0\nTesla T4, 7.5\n')).toEqual({ gpus: [{ name: 'NVIDIA H100 80GB HBM3', computeCapability: 9 }, { name: 'Tesla T4', computeCapability: 7.5 }], why: null });
    expect(listGpus(() => '')).toEqual({ gpus: [], why: 'nvidia-smi lists no GPU' });
    expect(listGpus(() => 'Tesla K80, [N/A]\n').gpus[0].computeCapability).toBeNull();
  });

  // tfjs's CPU backend stands in for TensorFlow: the check's decisions, each in one line
  const onGpu = (matMul = tf.matMul) => ({ ...tf, matMul, backend: () => ({ isUsingGpuDevice: true }) });
  const t4 = { gpus: [{ name: 'Tesla T4', computeCapability: 7.5 }], why: null };
  it.each([
    ['TensorFlow registered no GPU device', t4, async () => tf, false, /Tesla T4 \(compute capability 7\.5\): TensorFlow registered no GPU device/],
    ['tfjs-node-gpu does not load', t4, async () => { throw new Error('libcudart.so.11.0: cannot open shared object file'); }, false, /does not load \(libcudart\.so\.11\.0: cannot open shared object file\)/],
    ['the kernel fails', t4, async () => onGpu(() => { throw new Error('CUDA_ERROR_INVALID_PTX\nmore'); }), false, /128×96·96×64 product on the GPU failed \(CUDA_ERROR_INVALID_PTX\)/],
    ['the product is wrong', t4, async () => onGpu(((a: tf.Tensor2D, b: tf.Tensor2D) => tf.mul(tf.matMul(a, b), 1.1)) as typeof tf.matMul), false, /differs from the CPU's \(max relative error /],
    ['the product matches', t4, async () => onGpu(), true, /^gpu check: Tesla T4 \(compute capability 7\.5\): a 128×96·96×64 product on the GPU matches the CPU \(max relative error \d\.\d\de-\d+\)$/],
    ['a Hopper GPU whose product matches', { gpus: [{ name: 'NVIDIA H100', computeCapability: 9 }], why: null }, async () => onGpu(), true, /matches the CPU .*; compute capability above 8\.6 runs JIT-compiled PTX, unsupported by this image \(docs\/gpu\.md\)$/],
  ])('%s', async (_what, gpus, load, ok, line) => {
    const before = tf.memory().numTensors;
    const r = (await checkGpu({ gpus, load })) as { ok: boolean; line: string };
    expect(r.ok).toBe(ok);
    expect(r.line).toMatch(line);
    expect(r.line).not.toContain('\n');
    if (!ok) expect(r.line).toMatch(/This image \(CUDA 11\.2, TensorFlow 2\.9\.1\) supports compute capability 3\.5 to 8\.6/);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('the comparison itself: float32 on the CPU backend is far inside its tolerance', () => {
    const r = compareProduct(tf) as { matches: boolean; maxRelativeError: number };
    expect(r.matches).toBe(true);
    expect(r.maxRelativeError).toBeLessThan(1e-5);
    expect(existsSync(join(root, '.ci/gpu/check-gpu.mjs'))).toBe(true);
  });
});
