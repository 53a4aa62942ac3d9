import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/schema.ts';
import { getRun } from '../../src/runs/execute.ts';
import { RunStore } from '../../src/store/store.ts';

/** Random malformed configs: each is rejected naming the field, and nothing reaches the store. */
const fields: [string[], fc.Arbitrary<unknown>][] = [
  [['data', 'p'], fc.oneof(fc.constantFrom(0, 1, 4, 9, 66, 100, -7, 2.5), fc.string())],
  [['data', 'fracTrain'], fc.oneof(fc.double({ min: 1, max: 10, noNaN: true }), fc.double({ min: -10, max: 0, noNaN: true }), fc.constant('0.4'))],
  [['data', 'task'], fc.string().filter((s) => !['add', 'subtract', 'multiply', 'divide'].includes(s))],
  [['data', 'seed'], fc.oneof(fc.integer({ max: -1 }), fc.constant(1.5), fc.constant(null))],
  [['optim', 'lr'], fc.oneof(fc.double({ max: 0, noNaN: true }), fc.constant('fast'))],
  [['optim', 'weightDecay'], fc.double({ max: -Number.MIN_VALUE, noNaN: true })],
  [['optim', 'beta2'], fc.double({ min: 1, max: 5, noNaN: true })],
  [['epochs'], fc.oneof(fc.integer({ max: 0 }), fc.constant(10.5))],
  [['evalEvery'], fc.integer({ max: 0 })],
  [['model', 'dModel'], fc.oneof(fc.integer({ max: 0 }), fc.constant('48'))],
];

describe('config validation (fuzz)', () => {
  it('rejects every malformed config with a message naming the field, before touching the store', async () => {
    const root = mkdtempSync(join(tmpdir(), 'grok-fuzz-'));
    const store = new RunStore({ root });
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...fields.keys()), fc.context(), async (k, ctx) => {
        const [path, arb] = fields[k];
        const bad = fc.sample(arb, 1)[0];
        const cfg: Record<string, any> = { data: {}, model: {}, optim: {}, epochs: 10 };
        let o = cfg;
        for (const p of path.slice(0, -1)) o = o[p];
        o[path.at(-1)!] = bad;
        ctx.log(JSON.stringify(cfg));
        const err = await getRun(cfg, { store }).then(() => null, (e: unknown) => e);
        expect(err).toBeInstanceOf(ConfigError);
        expect((err as Error).message).toContain(`${path.join('.')}:`);
      }),
      { numRuns: 60 },
    );
    const runs = join(root, 'runs');
    expect(existsSync(runs) ? readdirSync(runs) : []).toEqual([]);
  });

  it('rejects unknown fields at any depth', async () => {
    await expect(getRun({ data: { prime: 67 } } as never)).rejects.toThrow(/data: unknown field\(s\) prime/);
    await expect(getRun({ epoch: 5 } as never)).rejects.toThrow(/unknown field\(s\) epoch/);
  });
});
