import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { defaultRun, derivedRun, denseRun, ticketRun } from '../../src/config/schema.ts';
import { SETTINGS } from '../../src/config/settings.ts';
import { derivations } from '../../src/derive/index.ts';
import { losses } from '../../src/losses/index.ts';
import { models } from '../../src/models/index.ts';
import type { Registered, Registry } from '../../src/registry.ts';
import { componentCode, CORE_ENTRIES, coreCode, runCode, runEntries, sourceOf } from '../../src/runs/code-identity.ts';
import { codeVersionOf } from '../../src/runs/execute.ts';
import { codeVersion } from '../../src/store/hash.ts';
import { ImportGraphError, importedFiles, packagePath } from '../../src/store/import-graph.ts';
import { OTHER_LISTS } from '../../src/runs/code-identity.ts';
import { tasks } from '../../src/tasks/index.ts';
import { packageRoot } from '../../src/util/paths.ts';

const REGISTRIES = [tasks, models, losses, derivations] as Registry<Registered>[];
// the native engine's table of kernels is a list too: each native model's key hashes its own line
const lists = new Set([...REGISTRIES.map((r) => packagePath(r.list)), ...OTHER_LISTS]);
const members = (): Set<string> => new Set(REGISTRIES.flatMap((r) => r.all().map((c) => packagePath(c.source))));

/**
 * A second reading of the module graph, independent of esbuild: TypeScript's parser, every import,
 * re-export and literal dynamic import of one of our files that is not marked type-only. (esbuild
 * also drops an unmarked import used only as a type; this reading then asks for more than esbuild
 * hashes, and the fix is `import type`.) Registries' lists are not followed to their members.
 */
const direct = new Map<string, string[]>();
function directImports(file: string): string[] {
  const hit = direct.get(file);
  if (hit) return hit;
  const abs = resolve(packageRoot(), file);
  const out: string[] = [];
  const add = (spec: ts.Expression | undefined) => {
    if (spec && ts.isStringLiteral(spec) && /^[./]/.test(spec.text)) out.push(packagePath(resolve(dirname(abs), spec.text)));
  };
  const visit = (n: ts.Node): void => {
    if (ts.isImportDeclaration(n)) {
      const c = n.importClause;
      const named = c?.namedBindings && ts.isNamedImports(c.namedBindings) ? c.namedBindings.elements : undefined;
      if (!c?.isTypeOnly && !(c && !c.name && named && named.length > 0 && named.every((e) => e.isTypeOnly))) add(n.moduleSpecifier);
    } else if (ts.isExportDeclaration(n)) {
      if (!n.isTypeOnly) add(n.moduleSpecifier);
    } else if (ts.isCallExpression(n) && n.expression.kind === ts.SyntaxKind.ImportKeyword) {
      add(n.arguments[0]);
    }
    ts.forEachChild(n, visit);
  };
  visit(ts.createSourceFile(abs, readFileSync(abs, 'utf8'), ts.ScriptTarget.ES2022, false, ts.ScriptKind.TS));
  direct.set(file, out);
  return out;
}
function tsImports(entries: readonly string[]): Set<string> {
  const mem = members();
  const seen = new Set(entries);
  const todo = [...entries];
  while (todo.length > 0) {
    const file = todo.pop()!;
    for (const to of directImports(file)) {
      if (seen.has(to) || (lists.has(file) && mem.has(to))) continue;
      seen.add(to);
      todo.push(to);
    }
  }
  return seen;
}
const missingFrom = (hashed: string[], imported: Set<string>): string[] => [...imported].filter((f) => !lists.has(f) && !hashed.includes(f));

describe('a run\'s code identity comes from the module graph', () => {
  it('every file a registered component imports is in the code of its runs', () => {
    for (const reg of REGISTRIES) {
      for (const c of reg.all()) expect(missingFrom(componentCode(c), tsImports([sourceOf(c)])), `${reg.kind} ${c.name}`).toEqual([]);
    }
    expect(missingFrom(coreCode(), tsImports(CORE_ENTRIES)), 'core').toEqual([]);
    // a run hashes the core and each of its components: every named setting, and derivations of one
    // the code a run imports does not depend on its sizes: the memory bound refuses IMDb's (a
    // full-batch evaluation of 37 500 reviews), which a key computation need not respect
    const bound = process.env.GROK_MAX_MEMORY_GB;
    process.env.GROK_MAX_MEMORY_GB = '100000';
    let dense;
    try {
      dense = SETTINGS.map((s) => denseRun({ data: { task: s.task, ...s.data }, model: { name: s.model, ...s.modelFields } }));
    } finally {
      if (bound === undefined) delete process.env.GROK_MAX_MEMORY_GB;
      else process.env.GROK_MAX_MEMORY_GB = bound;
    }
    const derived = [
      ticketRun(defaultRun(), { keepFraction: 0.4 }),
      derivedRun(defaultRun(), { method: 'pai', scorer: 'snip', keepFraction: 0.4 }),
      derivedRun(defaultRun(), { method: 'normMatched', norm: 'l2', keepFraction: 0.4 }),
    ];
    for (const config of [...dense, ...derived]) {
      const files = runCode(config);
      expect(missingFrom(files, tsImports(runEntries(config))), `${config.model.name} ${config.data.task} ${config.derive?.method ?? ''}`).toEqual([]);
      expect(codeVersionOf(config)).toBe(codeVersion(files));
    }
  });

  it('the MLP\'s runs hash the loss file mlp.ts imports, whatever loss their task uses', () => {
    expect(readFileSync(join(packageRoot(), 'src/models/mlp.ts'), 'utf8')).toMatch(/from '\.\.\/losses\/cross-entropy\.ts'/);
    expect(componentCode(models.get('mlp'))).toContain('src/losses/cross-entropy.ts');
    expect(componentCode(models.get('mlp'))).toContain('src/models/mlp.ts');
    expect(runCode(defaultRun())).toContain('src/losses/cross-entropy.ts');
  });

  it('the core reaches no component: one component\'s code is in no other\'s runs', () => {
    const core = coreCode();
    // the core does import the registries (through their lists), which is how it reaches the components
    for (const f of ['src/runs/execute.ts', 'src/train/loop.ts', 'src/engines/choose.ts', 'src/engines/tfjs/session.ts', 'src/engines/native/index.ts', 'src/config/schema.ts', 'src/models/registry.ts']) expect(core).toContain(f);
    expect(core.filter((f) => members().has(f))).toEqual([]);
    expect(core.filter((f) => lists.has(f))).toEqual([]);
    const transformer = runCode(denseRun({ data: { task: 'subtract' }, model: { name: 'transformer' } }));
    expect(transformer).toContain('src/models/transformer.ts');
    expect(transformer).not.toContain('src/models/mlp.ts');
    expect(transformer).not.toContain('src/tasks/parity.ts');
  });

  it('a registry\'s list holds only the lines that register its members, so leaving it out of the hash hides no code', () => {
    for (const reg of REGISTRIES) {
      const list = packagePath(reg.list);
      const registry = packagePath(new URL('./registry.ts', reg.list).href);
      expect(directImports(list).filter((f) => f !== registry && !members().has(f)), list).toEqual([]);
      const code = readFileSync(resolve(packageRoot(), list), 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '').split('\n').filter((l) => l.trim());
      expect(code.filter((l) => !/^(import '\.\/[\w-]+\.ts';|export \{[\w, ]+\} from '\.\/registry\.ts';)$/.test(l)), list).toEqual([]);
    }
  });

  it('a component names its registering module as its source', () => {
    const fake = { name: 'nowhere', source: 'src/models/nowhere.ts' };
    expect(() => (models as unknown as Registry<Registered>).register(fake)).toThrow(/model "nowhere": source must be the registering module's import\.meta\.url \(a file: URL\), got "src\/models\/nowhere\.ts"/);
    expect(models.has('nowhere')).toBe(false);
  });
});

describe('the module graph (esbuild\'s metafile)', () => {
  const tree = (files: Record<string, string>): string => {
    const root = mkdtempSync(join(tmpdir(), 'grok-graph-'));
    for (const [f, text] of Object.entries(files)) {
      mkdirSync(dirname(join(root, f)), { recursive: true });
      writeFileSync(join(root, f), text);
    }
    return root;
  };

  it('follows imports and re-exports, not packages or type-only imports, and hashes what they reach', () => {
    const root = tree({
      'a.ts': "import { b } from './lib/b.ts';\nimport type { T } from './lib/t.ts';\nimport * as z from 'zod';\nexport const a: T = b + String(z);\n",
      'lib/b.ts': "export { c as b } from './c.ts';\n",
      'lib/c.ts': 'export const c = 1;\n',
      'lib/t.ts': 'export type T = string;\n',
      'lib/unrelated.ts': 'export const u = 2;\n',
    });
    expect(importedFiles(['a.ts'], { root })).toEqual(['a.ts', 'lib/b.ts', 'lib/c.ts']);
    expect(importedFiles(['a.ts'], { root, follow: (_from, to) => to !== 'lib/c.ts' })).toEqual(['a.ts', 'lib/b.ts']);
    const version = () => codeVersion(importedFiles(['a.ts'], { root }), { root, cache: false });
    const before = version();
    writeFileSync(join(root, 'lib/new-statistic.ts'), 'export const n = 3;\n');
    writeFileSync(join(root, 'lib/unrelated.ts'), 'export const u = 4;\n');
    expect(version()).toBe(before);
    writeFileSync(join(root, 'lib/c.ts'), 'export const c = 5;\n');
    expect(version()).not.toBe(before);
  });

  it('is read once per process, or reread where a file changed when asked to be fresh', () => {
    const root = tree({ 'a.ts': "import './b.ts';\n", 'b.ts': '', 'c.ts': '' });
    expect(importedFiles(['a.ts'], { root })).toEqual(['a.ts', 'b.ts']);
    writeFileSync(join(root, 'a.ts'), "import './c.ts';\n");
    expect(importedFiles(['a.ts'], { root })).toEqual(['a.ts', 'b.ts']);
    expect(importedFiles(['a.ts'], { root, fresh: true })).toEqual(['a.ts', 'c.ts']);
  });

  it('a missing entry or an unreadable import is an error naming the file', () => {
    const root = tree({ 'a.ts': "import './gone.ts';\n", 'bad.ts': 'export const = ;\n' });
    expect(() => importedFiles(['nope.ts'], { root })).toThrow(ImportGraphError);
    expect(() => importedFiles(['nope.ts'], { root })).toThrow(/code identity: nope\.ts does not exist/);
    expect(() => importedFiles(['a.ts'], { root })).toThrow(/code identity: cannot read the imports of a\.ts: a\.ts:1: Could not resolve "\.\/gone\.ts"/);
    expect(() => importedFiles(['bad.ts'], { root })).toThrow(/code identity: cannot read the imports of bad\.ts: bad\.ts:1: /);
  });
});
