import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { claimTestName, type PlannedClaim } from '../../src/claims/plan.ts';
import { selectedPairs, type Selection } from '../../src/claims/selection.ts';

/** The pairs the progress line counts: those the files, `-t` and GROK_SETTINGS keep, no more. */
describe('selectedPairs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'grok-selection-'));
  const claims: PlannedClaim[] = [
    { id: 'tickets-cut-tau', file: 'tickets-cut-tau.claim.ts', title: 'Tickets cut τ', settings: ['mlp-add', 'transformer-add'] },
    { id: 'pai-masks-do-not', file: 'pai-masks-do-not.claim.ts', title: 'PaI masks do not', settings: ['mlp-add'] },
  ];
  for (const c of claims) writeFileSync(join(dir, c.file), '');
  const all: Selection = { files: null, namePattern: null, root: dir, settings: null };

  it('every pair without a filter', () => {
    expect(selectedPairs(claims, dir, all)).toEqual(['tickets-cut-tau@mlp-add', 'tickets-cut-tau@transformer-add', 'pai-masks-do-not@mlp-add']);
  });
  it('the files vitest runs', () => {
    expect(selectedPairs(claims, dir, { ...all, files: new Set([join(dir, 'tickets-cut-tau.claim.ts')]) })).toEqual(['tickets-cut-tau@mlp-add', 'tickets-cut-tau@transformer-add']);
  });
  it('GROK_SETTINGS', () => {
    expect(selectedPairs(claims, dir, { ...all, settings: new Set(['transformer-add']) })).toEqual(['tickets-cut-tau@transformer-add']);
  });
  it('vitest\'s -t, matched against "<file> <test name>" as vitest matches it', () => {
    expect(selectedPairs(claims, dir, { ...all, namePattern: /\[mlp-add\]/ })).toEqual(['tickets-cut-tau@mlp-add', 'pai-masks-do-not@mlp-add']);
    expect(selectedPairs(claims, dir, { ...all, namePattern: /^pai-masks-do-not\.claim\.ts PaI/ })).toEqual([]);
    expect(selectedPairs(claims, dir, { ...all, namePattern: /^pai-masks-do-not\.claim\.ts pai-masks-do-not \[mlp-add\]: PaI masks do not$/ })).toEqual(['pai-masks-do-not@mlp-add']);
    expect(claimTestName('a', 'mlp-add', 'T')).toBe('a [mlp-add]: T');
  });
});
