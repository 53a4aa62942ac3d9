import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readClaimResults } from '../../src/claims/results.ts';
import { parseScale, QUICK_FRACTION, SCALES } from '../../src/config/scale.ts';
import { getSetting, settingAt, SETTINGS, type SettingRun } from '../../src/config/settings.ts';

/**
 * The quick scale: each setting's own ci scale at a fifth of every horizon, same seeds and split;
 * what ci cannot decide, quick cannot either; and its outcomes never count as ci's.
 */
describe('the quick scale', () => {
  it('is GROK_SCALE=quick', () => {
    expect(parseScale('quick').name).toBe('quick');
    expect(() => parseScale('fast')).toThrow('GROK_SCALE: "fast" is not a scale; allowed values: smoke, quick, ci, paper');
  });

  it('trains each setting\'s ci seeds and split, every horizon cut to QUICK_FRACTION; nothing else changes', () => {
    let decided = 0;
    for (const s of SETTINGS) {
      const ci = settingAt(s, SCALES.ci);
      const quick = settingAt(s, SCALES.quick);
      if ('undecidable' in ci) {
        expect(quick).toEqual({ undecidable: expect.stringContaining(ci.undecidable) });
        continue;
      }
      const q = (quick as SettingRun).scale;
      const c = ci.scale;
      const cut = (n: number) => Math.max(c.evalEvery, Math.round(n * QUICK_FRACTION));
      expect(q).toEqual({ ...c, name: 'quick', epochs: cut(c.epochs), controlEpochs: cut(c.controlEpochs), ...(c.ticketEpochs ? { ticketEpochs: cut(c.ticketEpochs) } : {}), snapshotEvery: Math.min(c.snapshotEvery, cut(c.epochs)) });
      expect(q.seeds).toEqual([0, 1, 2, 3, 4]);
      // the same run as ci but for its horizon
      const { epochs: _e, snapshotEvery: _s, ...qBase } = (quick as SettingRun).base(2);
      const { epochs: _e2, snapshotEvery: _s2, ...cBase } = ci.base(2);
      expect(qBase).toEqual(cBase);
      decided++;
    }
    expect(decided).toBeGreaterThanOrEqual(5);
    expect((settingAt(getSetting('mlp-add'), SCALES.quick) as SettingRun).scale).toMatchObject({ epochs: 3000, controlEpochs: 600 });
  });

  it('a quick outcome stored among the ci outcomes is an error row there, never a ci verdict', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'grok-quick-'));
    const outcome = (scale: string, stampScale: string) => JSON.stringify({
      id: 'my-claim', setting: 'mlp-add', title: 't', paperQuote: '', paperRef: '', assertion: '', verdict: 'reproduced',
      statistics: [], seedTable: { columns: [], rows: [] }, figures: [], runs: [], scale, stamp: { commit: 'c', decidedAt: 'd', scale: stampScale, claimCode: 'x' },
    });
    writeFileSync(join(dir, 'my-claim@mlp-add.json'), outcome('quick', 'quick'));
    const [row] = await readClaimResults('ci', dir);
    expect(row).toMatchObject({ verdict: 'error', scale: 'ci', reason: expect.stringMatching(/decided at quick scale, stored among the ci outcomes/) });
    // a relabelled file whose stamp still says quick is caught the same way
    writeFileSync(join(dir, 'my-claim@mlp-add.json'), outcome('ci', 'quick'));
    expect((await readClaimResults('ci', dir))[0]).toMatchObject({ verdict: 'error' });
    writeFileSync(join(dir, 'my-claim@mlp-add.json'), outcome('ci', 'ci'));
    expect((await readClaimResults('ci', dir))[0]).toMatchObject({ verdict: 'reproduced' });
  });
});
