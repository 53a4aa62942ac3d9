import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { chooseBackend, parseBackendChoice } from '../backend/choose.ts';
import { SCALES } from '../config/scale.ts';
import { parseRunConfig, resolve, type RunConfig } from '../config/schema.ts';
import { getSetting, settingAt } from '../config/settings.ts';
import { nativeEngine, nativeStatus } from '../engines/native/index.ts';
import { tfjsEngine } from '../engines/tfjs/session.ts';
import type { Engine, Session } from '../engines/types.ts';
import { modelInit, models } from '../models/index.ts';
import { losses } from '../losses/index.ts';
import type { Examples, Split, TokenExamples, VectorExamples } from '../tasks/types.ts';

/**
 * One training step of a setting on every engine that can train it, and optionally PyTorch's step
 * on one thread (src/cli/bench-torch.py), timed in ONE interleaved run: round after round, each
 * contender takes its turn, so a busy neighbour slows all of them alike. Times are CPU time of the
 * timing thread's process (ours: process.cpuUsage; PyTorch: thread_time) per step, with wall time
 * beside it; the summary is the median over rounds and each ratio is to PyTorch's median.
 */

/** The models src/cli/bench-torch.py builds. */
const TORCH_TWINS = ['mlp', 'transformer', 'mnist-mlp', 'lstm'];

export const BENCH_SETTINGS = ['mlp-add', 'transformer-add', 'mnist-mlp', 'lstm-imdb', 'mlp-polynomial', 'mlp-parity'] as const;

interface Workload {
  setting: string;
  description: string;
  config: RunConfig | null;
  model: string;
  split: Split;
  layoutOf(): ReturnType<typeof resolve>['layout'];
  /** Examples per step (a minibatch) or null for full batch. */
  batch: number | null;
  theta0: Float32Array;
  /** Multiply-adds of the step's products (forward + backward), where modelled. */
  macs: number | null;
}

/** The LSTM's paper shapes on generated reviews (the IMDb data cannot be shipped): 32 reviews × 500 tokens. */
function lstmWorkload(): Workload {
  const n = 32, T = 500, vocab = 1002;
  const model = models.get('lstm');
  const shape = { inputKind: 'tokens' as const, vocab, positions: T, outputSize: 1 };
  const cfg = model.schema.parse({});
  const layout = model.layout(cfg, shape);
  let s = 12345;
  const rnd = () => (s = (s * 1103515245 + 12345) % 2 ** 31);
  const ex: TokenExamples = { kind: 'tokens', n, vocab, tokens: Array.from({ length: T }, () => Int32Array.from({ length: n }, () => rnd() % vocab)), labels: Int32Array.from({ length: n }, () => rnd() % 2) };
  const h = cfg.dHidden as number, e = cfg.dEmb as number;
  const macs = 3 * n * T * 4 * h * (e + h + h + h); // 2 layers: x·W_ih and h·W_hh, forward + 2× backward
  return { setting: 'lstm-imdb', description: `lstm: ${n} generated reviews × ${T} tokens, vocab ${vocab}, embedding ${e}, 2 × ${h} hidden`, config: null, model: 'lstm', split: { train: ex, test: ex }, layoutOf: () => layout, batch: null, theta0: modelInit(model, layout, 0, cfg), macs };
}

function workload(name: string): Workload {
  if (name === 'lstm-imdb') return lstmWorkload();
  const at = settingAt(getSetting(name), SCALES.paper);
  if ('undecidable' in at) throw new Error(`bench --setting ${name}: ${at.undecidable}`);
  const config = parseRunConfig(at.base(0));
  const r = resolve(config);
  const { task: _t, ...df } = config.data;
  const split = r.task.make(df);
  const d = r.layout.dims, B = split.train.n;
  const macs =
    r.model.name === 'mlp' ? 6 * d.p * d.dEmb * d.dModel + 3 * B * d.p * d.dModel
      : r.model.name === 'mnist-mlp' ? 3 * B * (d.dIn * d.dModel + d.dModel * d.dModel + d.dModel * d.classes) - B * d.dIn * d.dModel
        : null;
  const sizes = Object.entries(d).map(([k, v]) => `${k} ${v}`).join(', ');
  return {
    setting: name, description: `${r.model.name} on ${r.task.name}: ${sizes}, ${B} train examples${config.batchSize ? `, minibatches of ${config.batchSize}` : ', full batch'}`,
    config, model: r.model.name, split, layoutOf: () => r.layout, batch: config.batchSize || null, theta0: modelInit(r.model, r.layout, 0, config.model), macs,
  };
}

function open(engine: Engine, w: Workload): Session {
  const model = models.get(w.model);
  const loss = losses.get(w.config ? resolve(w.config).loss.name : 'binaryCrossEntropy');
  const optim = w.config?.optim ?? { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 };
  const layout = w.layoutOf();
  return engine.open({ model, loss, layout, outputSize: w.split.train.kind === 'tokens' && w.model !== 'lstm' ? (w.split.train as TokenExamples).vocab : outputs(w), splits: [w.split], training: { kind: 'dense', optim, lanes: [{ theta0: w.theta0, mask: null }] } }, [null]);
}

function outputs(w: Workload): number {
  if (w.model === 'lstm') return 1;
  return resolve(w.config!).shape.outputSize;
}

/** `steps` steps of a session: full batch, or minibatches cycling over the training set. */
function timeSteps(s: Session, w: Workload, steps: number): { cpuMs: number; wallMs: number } {
  const n = w.split.train.n;
  const idx = w.batch ? Int32Array.from({ length: w.batch }, (_, i) => i % n) : null;
  const c0 = process.cpuUsage(), t0 = performance.now();
  for (let i = 0; i < steps; i++) {
    if (idx) s.stepOn(idx);
    else {
      s.forwardTrain(false);
      s.update();
    }
  }
  const c = process.cpuUsage(c0);
  return { cpuMs: (c.user + c.system) / 1000, wallMs: performance.now() - t0 };
}

/** PyTorch's twin of the workload, answering "N" with the time of N steps. */
class TorchTwin {
  private constructor(private child: ChildProcessWithoutNullStreams, private lines: AsyncIterator<string>, readonly version: string, private dir: string) {}

  static python(): string | null {
    for (const py of ['python3', '/usr/bin/python3']) if (spawnSync(py, ['-c', 'import torch'], { stdio: 'ignore', timeout: 60_000 }).status === 0) return py;
    return null;
  }

  static async start(python: string, w: Workload): Promise<TorchTwin> {
    const dir = mkdtempSync(join(tmpdir(), 'grok-bench-torch-'));
    const ex = w.split.train;
    const layout = w.layoutOf();
    const spec: Record<string, unknown> = { model: w.model, dims: layout.dims, optim: w.config?.optim ?? { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 } };
    if (ex.kind === 'tokens') {
      Object.assign(spec, { tok: ex.tokens.map((c) => Array.from(c)), labels: Array.from(ex.labels), n: ex.n, positions: ex.tokens.length });
      if (w.model === 'lstm') spec.tokT = Array.from({ length: ex.n * ex.tokens.length }, (_, k) => ex.tokens[k % ex.tokens.length][Math.floor(k / ex.tokens.length)]);
    } else Object.assign(spec, { x: Array.from((ex as VectorExamples).x), targets: Array.from((ex as VectorExamples).targets) });
    if (w.model === 'mnist-mlp') (spec.dims as Record<string, number>) = { ...layout.dims };
    const path = join(dir, 'spec.json');
    writeFileSync(path, JSON.stringify(spec));
    const child = spawn(python, [join(dirname(fileURLToPath(import.meta.url)), 'bench-torch.py'), path], { stdio: ['pipe', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    const first = await lines.next();
    if (first.done) throw new Error(`bench --vs-torch: PyTorch's twin of ${w.model} did not start: ${err.trim().split('\n').at(-1)}`);
    return new TorchTwin(child, lines, (JSON.parse(first.value) as { torch: string }).torch, dir);
  }

  async time(steps: number): Promise<{ cpuMs: number; wallMs: number }> {
    this.child.stdin.write(`${steps}\n`);
    const r = await this.lines.next();
    if (r.done) throw new Error('bench --vs-torch: PyTorch stopped');
    return JSON.parse(r.value);
  }

  stop(): void {
    this.child.stdin.end();
    this.child.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export interface ContenderResult {
  name: string;
  /** Median over rounds of CPU ms per step, and of wall ms per step. */
  cpuMsPerStep: number;
  wallMsPerStep: number;
  perRound: number[];
  /** This contender's median CPU time over PyTorch's (null without --vs-torch). */
  vsTorch: number | null;
  /** Modelled arithmetic of the products over the CPU time, where modelled. */
  gflops: number | null;
}

export interface EngineBench {
  setting: string;
  description: string;
  stepsPerRound: number;
  rounds: number;
  contenders: ContenderResult[];
  /** Why an engine was not timed (e.g. no native kernel for this model). */
  skipped: { name: string; why: string }[];
  torch: string | null;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

export async function benchEngines(o: { setting: string; rounds: number; steps: number | null; vsTorch: boolean }): Promise<EngineBench> {
  await chooseBackend(parseBackendChoice(process.env.GROK_BACKEND === 'native' ? 'wasm' : process.env.GROK_BACKEND));
  const w = workload(o.setting);
  const model = models.get(w.model);
  const loss = losses.get(w.config ? resolve(w.config).loss.name : 'binaryCrossEntropy');
  const skipped: EngineBench['skipped'] = [];
  const sessions: { name: string; time(n: number): Promise<{ cpuMs: number; wallMs: number }>; close(): void }[] = [];
  for (const engine of [nativeEngine, tfjsEngine]) {
    const why = engine === nativeEngine && !nativeStatus().ok ? nativeStatus().reason! : engine.refuses({ model, loss, training: 'dense', lanes: 1 });
    if (why) {
      skipped.push({ name: engine.name, why });
      continue;
    }
    const s = open(engine, w);
    timeSteps(s, w, 2); // warm-up: JIT, wasm, first-touch of buffers
    sessions.push({ name: engine === nativeEngine ? `native (${nativeStatus().openblas}, ${nativeStatus().corename})` : 'tfjs', time: async (n) => timeSteps(s, w, n), close: () => s.dispose() });
  }
  let twin: TorchTwin | null = null;
  if (o.vsTorch) {
    const py = TorchTwin.python();
    if (!py) skipped.push({ name: 'pytorch', why: 'no python3 with torch (apt-get install python3-torch)' });
    else if (!TORCH_TWINS.includes(w.model)) skipped.push({ name: 'pytorch', why: `no PyTorch twin of ${w.model} in src/cli/bench-torch.py (twins: ${TORCH_TWINS.join(', ')})` });
    else {
      twin = await TorchTwin.start(py, w);
      const t = twin;
      sessions.push({ name: `pytorch ${t.version} (1 thread)`, time: (n) => t.time(n), close: () => t.stop() });
    }
  }
  try {
    // steps per round: about 0.3 s of the slowest contender's first measured step
    const probe = await Promise.all(sessions.map(async (s) => (await s.time(1)).cpuMs));
    const steps = o.steps ?? Math.max(1, Math.min(200, Math.round(300 / Math.max(...probe, 0.01))));
    const per = sessions.map(() => ({ cpu: [] as number[], wall: [] as number[] }));
    for (let r = 0; r < o.rounds; r++) {
      for (const [i, s] of sessions.entries()) {
        const t = await s.time(steps);
        per[i].cpu.push(t.cpuMs / steps);
        per[i].wall.push(t.wallMs / steps);
      }
    }
    const torchIdx = twin ? sessions.length - 1 : -1;
    const torchMs = torchIdx >= 0 ? median(per[torchIdx].cpu) : null;
    return {
      setting: w.setting, description: w.description, stepsPerRound: steps, rounds: o.rounds, skipped, torch: twin?.version ?? null,
      contenders: sessions.map((s, i) => {
        const cpu = median(per[i].cpu);
        return { name: s.name, cpuMsPerStep: cpu, wallMsPerStep: median(per[i].wall), perRound: per[i].cpu, vsTorch: torchMs ? cpu / torchMs : null, gflops: w.macs ? (2 * w.macs) / (cpu * 1e6) : null };
      }),
    };
  } finally {
    for (const s of sessions) s.close();
  }
}

export function formatEngineBench(b: EngineBench): string {
  const lines = [`${b.setting}: ${b.description}`, `${b.rounds} interleaved rounds × ${b.stepsPerRound} steps; median CPU ms per step (wall beside it)`];
  for (const c of b.contenders) {
    lines.push(`  ${c.name.padEnd(34)} ${c.cpuMsPerStep.toFixed(3).padStart(9)} ms  (wall ${c.wallMsPerStep.toFixed(3)})${c.vsTorch !== null ? `  ${c.vsTorch.toFixed(2)}× PyTorch` : ''}${c.gflops !== null ? `  ${c.gflops.toFixed(1)} GFLOP/s of products` : ''}`);
  }
  for (const s of b.skipped) lines.push(`  ${s.name}: not timed (${s.why})`);
  return `${lines.join('\n')}\n`;
}
