import { describe, expect, it } from 'vitest';
import { SCALES, SCALE_NAMES } from '../../src/config/scale.ts';
import { denseRun, ticketRun } from '../../src/config/schema.ts';
import { getSetting, selectedSettings, settingAt, SETTINGS, type SettingRun } from '../../src/config/settings.ts';
import { models } from '../../src/models/index.ts';
import { tasks } from '../../src/tasks/index.ts';

describe('settings', () => {
  it('mlp-add is the harness\'s original base run at every scale', () => {
    for (const name of SCALE_NAMES) {
      const sc = SCALES[name];
      const at = settingAt(getSetting('mlp-add'), sc) as SettingRun;
      expect(at.scale).toEqual(sc);
      expect(denseRun(at.base(3))).toEqual(denseRun({
        data: { task: 'add', p: 67, fracTrain: sc.fracTrain, symmetric: true, seed: 3 },
        initSeed: 3, epochs: sc.epochs, evalEvery: sc.evalEvery, snapshotEvery: sc.snapshotEvery,
      }));
    }
  });

  it('every setting names a registered task and model and parses at every scale, or says why it cannot be decided', () => {
    for (const s of SETTINGS) {
      expect(tasks.has(s.task) && models.has(s.model)).toBe(true);
      for (const name of SCALE_NAMES) {
        const at = settingAt(s, SCALES[name]);
        // a setting whose external data are absent says exactly how to install them; any other reason is measured
        if ('undecidable' in at) expect(at.undecidable).toEqual(s.unavailable?.() ?? expect.stringMatching(/measured/));
        else expect(denseRun(at.base(0)).model.name).toBe(s.model);
      }
    }
    expect(new Set(SETTINGS.map((s) => s.name)).size).toBe(SETTINGS.length);
    // Fig. 2c: at least six operations besides addition
    expect(new Set(SETTINGS.map((s) => s.task)).size).toBeGreaterThanOrEqual(7);
  });

  it('non-commutative operations train the transformer on ordered pairs', () => {
    for (const task of ['subtract', 'x2xyy2x', 'x3xy']) {
      const at = settingAt(getSetting(`transformer-${task}`), SCALES.paper) as SettingRun;
      const c = denseRun(at.base(0));
      expect(c.data.symmetric).toBe(false);
      expect(c.model.name).toBe('transformer');
      expect(c.epochs).toBe(50_000);
    }
  });

  it('a setting\'s ticket: mlp-add\'s is the plain ticket every claim shares; the transformer may empty a matrix', () => {
    const mlp = settingAt(getSetting('mlp-add'), SCALES.ci) as SettingRun;
    const d = denseRun(mlp.base(0));
    expect(mlp.ticket(d, 0.4)).toEqual(ticketRun(d, { keepFraction: 0.4 }));
    const tr = settingAt(getSetting('transformer-add'), SCALES.ci) as SettingRun;
    const t = tr.ticket(denseRun(tr.base(0)), 0.4);
    expect(t.derive).toMatchObject({ method: 'magnitude', keepFraction: 0.4, allowEmptyLayers: true });
    expect(t.epochs).toBe(2000);
    expect(t.derive!.base.epochs).toBe(10_000);
  });

  it('generated-data settings: no split fraction, their own sizes, and parity trains on seeded minibatches', () => {
    // decided at ci since the native engine, at the authors' horizon, as at paper scale
    expect(denseRun((settingAt(getSetting('mlp-polynomial'), SCALES.ci) as SettingRun).base(2)).epochs).toBe(10_000);
    const poly = settingAt(getSetting('mlp-polynomial'), SCALES.paper) as SettingRun;
    const p = denseRun(poly.base(2));
    expect(p.epochs).toBe(10_000);
    expect(p.data).toEqual({ task: 'polynomial', d: 40, nTrain: 600, nTest: 1000, seed: 2 });
    expect([p.model.name, p.model.weightScale, p.optim.lr, p.optim.weightDecay, p.batchSize]).toEqual(['poly-mlp', 3, 1e-3, 1, 0]);
    const par = settingAt(getSetting('mlp-parity'), SCALES.ci) as SettingRun;
    const q = denseRun(par.base(1));
    expect(q.data).toEqual({ task: 'parity', n: 40, k: 3, nTrain: 1000, nTest: 1000, seed: 1 });
    expect(q.batchSize).toBe(32);
    // a ticket keeps its base run's minibatches (and so its data order, seeded by initSeed)
    expect(par.ticket(q, 0.4).batchSize).toBe(32);
  });

  it('GROK_SETTINGS selects settings and names an unknown one', () => {
    expect(selectedSettings('')).toBeNull();
    expect([...selectedSettings('mlp-add, transformer-add')!]).toEqual(['mlp-add', 'transformer-add']);
    expect(() => selectedSettings('mlp-add,resnet-add')).toThrow(/GROK_SETTINGS: "resnet-add" is not a setting; settings: mlp-add, transformer-add/);
  });
});
