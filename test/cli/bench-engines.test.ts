import { describe, expect, it } from 'vitest';
import '../setup-backend.ts';
import { benchEngines, formatEngineBench } from '../../src/cli/bench-engines.ts';
import { nativeStatus } from '../../src/engines/native/index.ts';

describe('bench: engines side by side in one interleaved run', () => {
  it('times each engine that can train the setting, names the ones it skips, and PyTorch with --vs-torch', async () => {
    const r = await benchEngines({ setting: 'mlp-parity', rounds: 2, steps: 2, vsTorch: true });
    const names = r.contenders.map((c) => c.name);
    expect(names.some((n) => n === 'tfjs')).toBe(true);
    if (nativeStatus().ok) expect(names.some((n) => n.startsWith('native (OpenBLAS'))).toBe(true);
    else expect(r.skipped.map((s) => s.name)).toContain('native');
    // no PyTorch twin of the parity MLP: said, not silently dropped
    expect(r.skipped.find((s) => s.name === 'pytorch')?.why).toMatch(/no (PyTorch twin of relu-mlp|python3 with torch)/);
    for (const c of r.contenders) {
      expect(c.perRound).toHaveLength(2);
      expect(c.cpuMsPerStep).toBeGreaterThan(0);
      expect(c.vsTorch).toBeNull();
    }
    expect(formatEngineBench(r)).toMatch(/mlp-parity: relu-mlp on parity/);
  });
});
