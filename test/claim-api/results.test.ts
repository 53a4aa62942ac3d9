import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readClaimResults } from '../../src/claims/results.ts';

const outcome = (id: string, setting?: string) => JSON.stringify({ id, setting, title: id, paperQuote: '', paperRef: '', assertion: '', verdict: 'reproduced', statistics: [], seedTable: { columns: [], rows: [] }, figures: [], runs: [], scale: 'ci' });

describe('stored claim outcomes', () => {
  it('one per (claim, setting); an outcome from before claims had settings is not presented', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'grok-results-'));
    writeFileSync(join(dir, 'tickets-cut-tau.json'), outcome('tickets-cut-tau'));
    writeFileSync(join(dir, 'tickets-cut-tau@mlp-add.json'), outcome('tickets-cut-tau', 'mlp-add'));
    writeFileSync(join(dir, 'tickets-cut-tau@transformer-add.json'), outcome('tickets-cut-tau', 'transformer-add'));
    const read = await readClaimResults('ci', dir);
    expect(read.map((c) => `${c.id}@${c.setting}`)).toEqual(['tickets-cut-tau@mlp-add', 'tickets-cut-tau@transformer-add']);
    writeFileSync(join(dir, 'copy.json'), outcome('tickets-cut-tau', 'mlp-add'));
    await expect(readClaimResults('ci', dir)).rejects.toThrow(/duplicate claim "tickets-cut-tau@mlp-add" in tickets-cut-tau@mlp-add.json and copy.json/);
  });
});
