import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { canonicalJson, codeVersion, normaliseConfig, runKey } from '../../src/store/hash.ts';
import { packageRoot } from '../../src/util/paths.ts';

// Like open_lth's lottery/test/test_desc.py: literal keys for a sequence of config edits. If one of
// these changes, every cached run is orphaned; that must be a deliberate decision, never an
// accident of refactoring. Update the literals only together with a note in the changelog.
// The values were cross-checked with Python: for ASCII data the key is
//   sha256(json.dumps({"config": normalised, "code": code}, sort_keys=True, separators=(",", ":")))[:16]
const DEFAULTS = {
  task: 'x+y',
  p: 97,
  trainFraction: 0.4,
  seed: 0,
  model: { dEmb: 500, dModel: 200, init: 'kaiming' },
  optim: { name: 'adamw', lr: 1e-3, weightDecay: 1, betas: [0.9, 0.98] },
  epochs: 25_000,
};
const CODE = 'abcdef012345';

describe('canonicalJson', () => {
  it('sorts keys at every depth, by code unit (integer-like keys included)', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null }, '10': 1, '9': 2 })).toBe(
      '{"10":1,"9":2,"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}',
    );
  });

  it('omits undefined properties, writes -0 as 0, indents on request', () => {
    expect(canonicalJson({ a: undefined, b: -0 })).toBe('{"b":0}');
    expect(canonicalJson({ b: [1], a: {} }, 2)).toBe('{\n  "a": {},\n  "b": [\n    1\n  ]\n}');
  });

  it.each([
    [{ lr: NaN }, /NaN at \$\.lr/],
    [{ a: [1, Infinity] }, /Infinity at \$\.a\[1\]/],
    [[1, undefined], /undefined at \$\[1\]/],
    [{ f: () => 1 }, /function at \$\.f/],
    [{ t: new Float32Array(2) }, /Float32Array at \$\.t/],
    [{ d: new Date(0) }, /Date at \$\.d/],
    [{ n: 1n }, /bigint at \$\.n/],
  ])('rejects %o with a message naming the place', (value, message) => {
    expect(() => canonicalJson(value)).toThrow(message);
  });

  it('rejects circular structures', () => {
    const a: Record<string, unknown> = {};
    a.self = a;
    expect(() => canonicalJson(a)).toThrow(/circular/);
  });

  it('is independent of key insertion order and round-trips through JSON.parse', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const s = canonicalJson(v);
        expect(canonicalJson(JSON.parse(s))).toBe(s);
        const reversed = JSON.parse(s, (_k, x) =>
          x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).reverse()) : x,
        );
        expect(canonicalJson(reversed)).toBe(s);
      }),
    );
  });
});

describe('normaliseConfig', () => {
  it('drops default-valued fields deeply and empty groups, keeps unknown fields', () => {
    expect(
      normaliseConfig(
        { ...DEFAULTS, seed: 3, model: { ...DEFAULTS.model }, optim: { ...DEFAULTS.optim, lr: 0.01 }, extra: 'x' },
        DEFAULTS,
      ),
    ).toEqual({ seed: 3, optim: { lr: 0.01 }, extra: 'x' });
  });

  it('compares arrays whole', () => {
    expect(normaliseConfig({ optim: { betas: [0.9, 0.99] } }, DEFAULTS)).toEqual({ optim: { betas: [0.9, 0.99] } });
    expect(normaliseConfig({ optim: { betas: [0.9, 0.98] } }, DEFAULTS)).toEqual({});
  });
});

describe('runKey (pinned: changing these literals orphans every cached run)', () => {
  const base = structuredClone(DEFAULTS);
  const steps: [string, unknown, unknown, string][] = [
    ['all defaults', base, DEFAULTS, 'e0f72aebbc0d7e00'],
    ['empty config = all defaults', {}, DEFAULTS, 'e0f72aebbc0d7e00'],
    ['seed 1', { ...base, seed: 1 }, DEFAULTS, 'c1d4da94f22944b5'],
    [
      'seed 1, keys in another order',
      Object.fromEntries(Object.entries({ ...base, seed: 1 }).reverse()),
      DEFAULTS,
      'c1d4da94f22944b5',
    ],
    [
      'new field added to the defaults, config sets it to its default',
      { ...base, seed: 1, useBias: false, logging: { every: 100 } },
      { ...DEFAULTS, useBias: false, logging: { every: 100 } },
      'c1d4da94f22944b5',
    ],
    ['new field set to a non-default value', { ...base, seed: 1, useBias: true }, { ...DEFAULTS, useBias: false }, '512cba60d6bbb01b'],
    ['lr changed', { ...base, seed: 1, optim: { ...base.optim, lr: 3e-3 } }, DEFAULTS, '53c051745fea4a62'],
    ['nested array changed', { ...base, seed: 1, optim: { ...base.optim, betas: [0.9, 0.999] } }, DEFAULTS, '881e667ca88d9156'],
    ['a field absent from the defaults', { ...base, seed: 1, note: 'x' }, DEFAULTS, 'dec9476bc0f4b7fd'],
  ];

  it.each(steps)('%s', (_name, config, defaults, expected) => {
    expect(runKey(config, defaults, CODE)).toBe(expected);
  });

  it('changes with the code version', () => {
    expect(runKey(base, DEFAULTS, 'abcdef012346')).toBe('f2d9493d812d399c');
  });

  it('changes with the backend (keyed since backends were found to differ; without one, the key is as before)', () => {
    expect(runKey(base, DEFAULTS, CODE, 'wasm@1')).toBe('c7d951b3d0254716');
    expect(runKey(base, DEFAULTS, CODE, 'cpu@1')).toBe('03d70cd77935c641');
    expect(runKey(base, DEFAULTS, CODE, undefined)).toBe('e0f72aebbc0d7e00');
  });

  it('is 16 lowercase hex chars', () => {
    fc.assert(
      // '__proto__' as a generated key gives an object with another prototype: not a config
      fc.property(fc.dictionary(fc.string().filter((k) => k !== '__proto__'), fc.jsonValue()), fc.string(), (cfg, code) => {
        expect(runKey(cfg, {}, code)).toMatch(/^[0-9a-f]{16}$/);
      }),
      { numRuns: 50 },
    );
  });
});

describe('codeVersion', () => {
  const root = mkdtempSync(join(tmpdir(), 'grok-codever-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const put = (rel: string, content: string): void => {
    mkdirSync(join(root, rel, '..'), { recursive: true });
    writeFileSync(join(root, rel), content);
  };
  put('src/a/one.ts', 'export const a = 1;\n');
  put('src/b/two.ts', 'export const b = 2;\n');
  put('src/b/sub/three.ts', 'export const c = 3;\n');

  const v = (paths: string[]): string => codeVersion(paths, { root, cache: false });

  it('is pinned for a known tree and independent of argument order', () => {
    expect(v(['src/a', 'src/b'])).toBe('28cf01562bbc');
    expect(v(['src/b', 'src/a'])).toBe('28cf01562bbc');
    expect(v(['src/a', 'src/b/two.ts', 'src/b/sub'])).toBe('28cf01562bbc');
  });

  it('ignores *.test.ts and dot-files, sees every other change', () => {
    const before = v(['src/a', 'src/b']);
    put('src/a/one.test.ts', 'test');
    put('src/a/.DS_Store', 'litter');
    expect(v(['src/a', 'src/b'])).toBe(before);
    put('src/b/sub/three.ts', 'export const c = 4;\n');
    const edited = v(['src/a', 'src/b']);
    expect(edited).not.toBe(before);
    put('src/b/sub/three.ts', 'export const c = 3;\n');
    put('src/b/new.ts', '');
    expect(v(['src/a', 'src/b'])).not.toBe(before);
    rmSync(join(root, 'src/b/new.ts'));
    expect(v(['src/a', 'src/b'])).toBe(before);
  });

  it('fails loudly on a path that does not exist', () => {
    expect(() => v(['src/a', 'src/nope'])).toThrow(/src\/nope does not exist/);
  });

  it('is cached per process unless told otherwise', () => {
    const first = codeVersion(['src/a'], { root });
    put('src/a/one.ts', 'export const a = 99;\n');
    expect(codeVersion(['src/a'], { root })).toBe(first);
    expect(codeVersion(['src/a'], { root, cache: false })).not.toBe(first);
    put('src/a/one.ts', 'export const a = 1;\n');
  });

  it('resolves relative to the package root by default', () => {
    expect(JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')).name).toBe('grokking-tickets');
    expect(codeVersion(['src/store'])).toMatch(/^[0-9a-f]{12}$/);
  });
});
