import { readFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import '../setup-backend.ts';
import { denseRun, resolve, ticketRun } from '../../src/config/schema.ts';
import { torchMatrix } from '../../src/models/layout.ts';
import { modelInit } from '../../src/models/registry.ts';
import { getRun, runMask, snapshot } from '../../src/runs/execute.ts';
import { RunStore } from '../../src/store/store.ts';

/** A checkpoint file read with nothing but the safetensors documentation (what a Python user has). */
function readBySpec(path: string) {
  const buf = readFileSync(path);
  const n = Number(buf.readBigUInt64LE(0));
  const { __metadata__: meta, ...entries } = JSON.parse(buf.toString('utf8', 8, 8 + n)) as Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }> & { __metadata__: Record<string, string> };
  const data = buf.subarray(8 + n);
  const tensors = Object.fromEntries(Object.entries(entries).map(([k, e]) => {
    expect(e.dtype).toBe('F32');
    return [k, { shape: e.shape, values: new Float32Array(Uint8Array.from(data.subarray(...e.data_offsets)).buffer) }];
  }));
  return { meta: meta as unknown as Record<string, string>, tensors };
}

describe('run checkpoints are the authors\' state dicts', () => {
  it('θ0, snapshots and the ticket mask are stored under the torch names, shapes and orientation', async () => {
    const store = new RunStore({ root: mkdtempSync(join(tmpdir(), 'grok-ckpt-')) });
    const dense = denseRun({ data: { task: 'add', p: 7, fracTrain: 0.6, seed: 1 }, model: { dEmb: 6, dModel: 4 }, initSeed: 4, epochs: 20, evalEvery: 5, snapshotEvery: 10 });
    const run = await getRun(dense, { store });
    const { model, layout } = resolve(dense);
    const theta0 = modelInit(model, layout, 4, dense.model);

    const init = readBySpec(join(run.dir, 'checkpoints', '0.safetensors'));
    expect(init.meta).toMatchObject({ format: 'pt', epoch: '0', run: run.key, model: 'mlp', dims: '{"dEmb":6,"dModel":4,"p":7}' });
    expect(Object.keys(init.tensors).sort()).toEqual(['embed.W_E', 'inproj.W', 'outproj.W', 'unembed.W_U']);
    for (const l of layout.layers) {
      const t = init.tensors[l.torch!.key];
      expect(t.shape).toEqual(l.torch!.shape);
      expect(Array.from(t.values)).toEqual(Array.from(torchMatrix(layout, theta0, l.name).data));
    }
    expect(Array.from(await snapshot(run, 0))).toEqual(Array.from(theta0));
    const final = readBySpec(join(run.dir, 'checkpoints', '20.safetensors'));
    expect(final.meta.epoch).toBe('20');
    expect((await snapshot(run, 'final')).length).toBe(layout.size);

    const ticket = await getRun(ticketRun(dense, { keepFraction: 0.5 }), { store });
    const mask = readBySpec(join(ticket.dir, 'checkpoints', 'mask.safetensors'));
    expect(Object.keys(mask.tensors).sort()).toEqual(['mask.embed.W_E', 'mask.inproj.W', 'mask.outproj.W', 'mask.unembed.W_U']);
    expect(mask.meta).toMatchObject({ keepFraction: '0.5', run: ticket.key });
    const flat = (await runMask(ticket))!;
    for (const l of layout.layers) expect(Array.from(mask.tensors[`mask.${l.torch!.key}`].values)).toEqual(Array.from(torchMatrix(layout, flat, l.name).data));
    expect(flat.reduce((a, b) => a + b, 0)).toBe(layout.size / 2);
  });
});
