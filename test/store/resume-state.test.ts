import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import '../setup-backend.ts';
import { initBackend } from '../../src/backend/choose.ts';
import { defaultRun, denseRun } from '../../src/config/schema.ts';
import { codeVersionOf, engineOf, getRun, keyOf, layoutOf, RunInterrupted, type RunResult } from '../../src/runs/execute.ts';
import { resumeProblem, type ResumeExpectation } from '../../src/runs/resume-check.ts';
import type { TensorRecord } from '../../src/store/safetensors.ts';
import { RunStore } from '../../src/store/store.ts';

/**
 * A resume state is validated against its run before it is trusted: a file with a valid checksum
 * can still hold a step of 1e9 or −20, a NaN θ or the wrong shapes (a bug, an edit that recomputed
 * the checksum). Such a state is dropped and the run recomputed from scratch, saying so in one line.
 */
const cfg = denseRun({ data: { p: 11, fracTrain: 0.5, seed: 4 }, model: { dEmb: 8, dModel: 6 }, initSeed: 4, epochs: 40, evalEvery: 5, snapshotEvery: 20 });
const tmpStore = () => new RunStore({ root: mkdtempSync(join(tmpdir(), 'grok-resume-state-')) });

let reference: RunResult | undefined;

type Tamper = (r: TensorRecord) => { tensors: TensorRecord['tensors']; meta: Record<string, string> };
const withStep = (step: string): Tamper => (r) => ({ tensors: r.tensors, meta: { ...r.meta, step } });
const withTensor = (name: string, f: (t: Float32Array) => Float32Array): Tamper => (r) => ({
  tensors: { ...r.tensors, [name]: f(r.tensors[name] as Float32Array) },
  meta: r.meta,
});

/** Interrupts the run, has `tamper` rewrite its resume state through the store (checksum valid), resumes it. */
async function resumedFrom(tamper: Tamper): Promise<{ run: RunResult; said: string[] }> {
  reference ??= await getRun(cfg, { store: tmpStore() });
  const store = tmpStore();
  await expect(getRun(cfg, { store, resumeEvery: 10, stopAfterEpoch: 25 })).rejects.toBeInstanceOf(RunInterrupted);
  const backend = engineOf(cfg, await initBackend()).id; // the key names the engine that trains the run
  await store
    .getOrCompute(
      keyOf(cfg, backend),
      cfg,
      async (ctx) => {
        const t = tamper((await ctx.loadResume())!);
        await ctx.saveResume(t.tensors, t.meta);
        throw new Error('a writer that saved a bad state, then died');
      },
      async () => null,
      { codeVersion: codeVersionOf(cfg), defaults: defaultRun(), backend },
    )
    .catch(() => {});

  const quiet = process.env.GROK_QUIET;
  const said: string[] = [];
  const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => (said.push(String(chunk)), true));
  try {
    delete process.env.GROK_QUIET;
    const run = await getRun(cfg, { store, resumeEvery: 10 });
    // the process's one engine line (src/engines/choose.ts) is not about the run
    return { run, said: said.filter((l) => !l.startsWith('[grok] engine:')) };
  } finally {
    spy.mockRestore();
    if (quiet === undefined) delete process.env.GROK_QUIET;
    else process.env.GROK_QUIET = quiet;
  }
}

describe('a resume state that does not fit its run is recomputed from scratch', () => {
  const cases: [string, Tamper, RegExp][] = [
    ['a step of 1e9', withStep('1000000000'), /step 1000000000 .*0…40/],
    ['a step of −20', withStep('-20'), /step -20 /],
    ['a step that is not a whole number', withStep('12.5'), /step 12\.5 /],
    ['a NaN in θ', withTensor('theta', (t) => Float32Array.from(t, (x, i) => (i === 3 ? NaN : x))), /theta.*NaN/],
    ['an infinite moment', withTensor('v', (t) => Float32Array.from(t, (x, i) => (i === 0 ? Infinity : x))), /\bv\b.*Infinity/],
    ['a θ shorter than the layout', withTensor('theta', (t) => t.slice(1)), /theta has \d+ entries/],
  ];
  for (const [what, tamper, reason] of cases) {
    it(what, async () => {
      const { run, said } = await resumedFrom(tamper);
      expect(run.meta.resumedFromEpoch).toBeUndefined();
      expect(run.log).toEqual(reference!.log);
      expect(said).toHaveLength(1);
      expect(said[0]).toMatch(new RegExp(`^\\[grok\\] run ${run.key}: resume\\.safetensors: .*; recomputing it from scratch\\n$`));
      expect(said[0]).toMatch(reason);
    });
  }

  it('a valid resume state is used', async () => {
    const { run, said } = await resumedFrom((r) => ({ tensors: r.tensors, meta: r.meta }));
    expect(run.meta.resumedFromEpoch).toBe(20);
    expect(run.log).toEqual(reference!.log);
    expect(said).toEqual([]);
  });
});

describe('resumeProblem', () => {
  const layout = layoutOf(cfg);
  const n = layout.size;
  const FIELDS = ['epochs', 'trainLoss', 'trainAccEvery'] as const;
  const expectation: ResumeExpectation = { layout, ownStepper: false, epochs: 40, perEpoch: 3, logFields: FIELDS };
  /** A state after 4 epochs of 3 steps, evaluated at epochs 0 and 2. */
  const good = (): TensorRecord => {
    const tensors: TensorRecord['tensors'] = {
      theta: new Float32Array(n).fill(0.5), m: new Float32Array(n), v: new Float32Array(n),
      'log.epochs': Float64Array.from([0, 2]), 'log.trainLoss': Float64Array.from([2.3, 1.9]), 'log.trainAccEvery': Float64Array.from([0.1, 0.2, NaN, 0.3]),
    };
    return { tensors, shapes: Object.fromEntries(Object.entries(tensors).map(([k, t]) => [k, [t.length]])), meta: { step: '12' } };
  };
  const edited = (f: (r: TensorRecord) => void): TensorRecord => {
    const r = good();
    f(r);
    for (const [k, t] of Object.entries(r.tensors)) r.shapes[k] ??= [t.length];
    return r;
  };

  it('accepts a state that fits the run (an accuracy may be NaN: regression tasks have none)', () => {
    expect(resumeProblem(good(), expectation)).toBeNull();
  });

  it.each([
    ['no step', (r: TensorRecord) => delete r.meta.step, /step undefined is not a whole number within 0…120 \(40 epochs of 3 steps\)/],
    ['step above epochs · steps per epoch', (r: TensorRecord) => (r.meta.step = '121'), /step 121 /],
    ['step NaN', (r: TensorRecord) => (r.meta.step = 'NaN'), /step NaN /],
    ['step inside an epoch', (r: TensorRecord) => (r.meta.step = '13'), /step 13 is not at the end of an epoch \(3 steps each\)/],
    ['m missing', (r: TensorRecord) => delete r.tensors.m, /^m is missing/],
    ['θ as float64', (r: TensorRecord) => (r.tensors.theta = new Float64Array(n)), /^theta is missing or not a float32 vector/],
    ['θ as a matrix', (r: TensorRecord) => (r.shapes.theta = [1, n]), /^theta is missing or not a float32 vector/],
    ['θ longer than the layout', (r: TensorRecord) => {
      r.tensors.theta = new Float32Array(2 * n);
      r.shapes.theta = [2 * n];
    }, new RegExp(`^theta has ${2 * n} entries; the layout \\(mlp\\) has ${n}$`)],
    ['v shorter than θ', (r: TensorRecord) => {
      r.tensors.v = new Float32Array(n - 1);
      r.shapes.v = [n - 1];
    }, new RegExp(`^v has ${n - 1} entries; theta has ${n}$`)],
    ['-Infinity in m', (r: TensorRecord) => ((r.tensors.m as Float32Array)[7] = -Infinity), /^m\[7\] is -Infinity$/],
    ['a log column missing', (r: TensorRecord) => delete r.tensors['log.trainLoss'], /^log\.trainLoss is missing/],
    ['too few per-epoch accuracies', (r: TensorRecord) => {
      r.tensors['log.trainAccEvery'] = Float64Array.from([0.1]);
      r.shapes['log.trainAccEvery'] = [1];
    }, /^log\.trainAccEvery has 1 entries for 4 epochs trained$/],
    ['an eval column out of line', (r: TensorRecord) => {
      r.tensors['log.trainLoss'] = Float64Array.from([2.3]);
      r.shapes['log.trainLoss'] = [1];
    }, /^log\.trainLoss has 1 entries; log\.epochs has 2$/],
    ['an evaluated epoch not yet trained', (r: TensorRecord) => ((r.tensors['log.epochs'] as Float64Array)[1] = 4), /^log\.epochs\[1\] is 4/],
  ])('refuses %s', (_what, edit, reason) => {
    expect(resumeProblem(edited(edit as (r: TensorRecord) => void), expectation)).toMatch(reason);
  });

  it('with its own stepper, θ may be a whole multiple of the layout (edge-popup: scores and weights)', () => {
    const double = edited((r) => {
      for (const k of ['theta', 'm', 'v']) {
        r.tensors[k] = new Float32Array(2 * n);
        r.shapes[k] = [2 * n];
      }
    });
    expect(resumeProblem(double, { ...expectation, ownStepper: true })).toBeNull();
    expect(resumeProblem(double, expectation)).toMatch(/theta has/);
  });
});
