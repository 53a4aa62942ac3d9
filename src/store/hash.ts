import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { packageRoot } from '../util/paths.ts';

/**
 * Run keys, in the manner of open_lth's `foundations/hparams.py` + `desc.py`: a run is named by a
 * hash of its non-default config fields, so a field added later with a neutral default keeps every
 * existing key valid. Unlike open_lth, the key also covers the training code (`codeVersion`), so a
 * bug fix never silently reuses results computed by the buggy code.
 */

export class CanonicalJsonError extends Error {
  override name = 'CanonicalJsonError';
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object') return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function childPath(path: string, key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

/**
 * Deterministic JSON: object keys sorted by code unit at every depth, no dependence on insertion
 * order. Our own serialiser rather than JSON.stringify on re-ordered objects, because JS objects
 * always enumerate integer-like keys ("2", "10") first, which would break the "sorted" promise.
 *
 * Rejects values JSON cannot carry faithfully instead of mangling them the way JSON.stringify does
 * (NaN → null, undefined in arrays → null, functions dropped): a hash over mangled data would
 * collide for configs that differ. `undefined` object properties are omitted, as optional fields.
 *
 * `space` indents like JSON.stringify's third argument (for human-read files such as config.json).
 */
export function canonicalJson(value: unknown, space?: number): string {
  const indentUnit = space && space > 0 ? ' '.repeat(Math.min(10, Math.floor(space))) : '';
  const stack = new Set<object>();

  const write = (v: unknown, path: string, indent: string): string => {
    switch (typeof v) {
      case 'string':
        return JSON.stringify(v);
      case 'boolean':
        return v ? 'true' : 'false';
      case 'number':
        if (!Number.isFinite(v)) {
          throw new CanonicalJsonError(`canonicalJson: ${v} at ${path} is not representable in JSON`);
        }
        return JSON.stringify(v); // -0 → "0", shortest round-trip digits otherwise
      case 'undefined':
        throw new CanonicalJsonError(`canonicalJson: undefined at ${path} is not representable in JSON`);
      case 'function':
      case 'symbol':
      case 'bigint':
        throw new CanonicalJsonError(`canonicalJson: a ${typeof v} at ${path} is not representable in JSON`);
    }
    if (v === null) return 'null';
    const obj = v as object;
    if (stack.has(obj)) throw new CanonicalJsonError(`canonicalJson: circular reference at ${path}`);
    const inner = indent + indentUnit;
    const nl = indentUnit ? '\n' : '';
    const colon = indentUnit ? ': ' : ':';
    stack.add(obj);
    try {
      if (Array.isArray(obj)) {
        if (obj.length === 0) return '[]';
        const parts: string[] = [];
        for (let i = 0; i < obj.length; i++) parts.push(inner + write(obj[i], `${path}[${i}]`, inner));
        return `[${nl}${parts.join(`,${nl}`)}${nl}${indent}]`;
      }
      if (!isPlainObject(obj)) {
        const kind = obj.constructor?.name ?? 'object';
        throw new CanonicalJsonError(
          `canonicalJson: a ${kind} at ${path} is not plain JSON data (convert it to an array or object first)`,
        );
      }
      const keys = Object.keys(obj)
        .filter((k) => obj[k as keyof typeof obj] !== undefined)
        .sort();
      if (keys.length === 0) return '{}';
      const parts = keys.map(
        (k) => inner + JSON.stringify(k) + colon + write((obj as Record<string, unknown>)[k], childPath(path, k), inner),
      );
      return `{${nl}${parts.join(`,${nl}`)}${nl}${indent}}`;
    } finally {
      stack.delete(obj);
    }
  };

  return write(value, '$', '');
}

/**
 * Drops every field whose value equals its default, recursing into nested plain objects and
 * dropping groups left empty. This is what lets a new field with a neutral default (or a whole new
 * group of them) be added without changing any existing run key (open_lth `foundations/hparams.py`).
 * Arrays are compared whole. Fields absent from `defaults` are always kept.
 */
export function normaliseConfig(config: unknown, defaults: unknown): unknown {
  if (!isPlainObject(config) || !isPlainObject(defaults)) return config;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(config)) {
    const v = config[k];
    if (v === undefined) continue;
    if (!Object.prototype.hasOwnProperty.call(defaults, k)) {
      out[k] = v;
      continue;
    }
    const d = defaults[k];
    if (isPlainObject(v) && isPlainObject(d)) {
      const n = normaliseConfig(v, d) as Record<string, unknown>;
      if (Object.keys(n).length > 0) out[k] = n;
      continue;
    }
    if (d !== undefined && canonicalJson(v) === canonicalJson(d)) continue;
    out[k] = v;
  }
  return out;
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * 16 hex chars (64 bits): collisions are out of reach for the few thousand runs a study makes.
 * `backend` names what computed the run (backends differ in their last bits); without it the key
 * is what it was before backends were keyed.
 */
export function runKey(config: unknown, defaults: unknown, codeVersion: string, backend?: string): string {
  const normalised = normaliseConfig(config, defaults);
  const keyed = backend === undefined ? { config: normalised, code: codeVersion } : { config: normalised, code: codeVersion, backend };
  return sha256Hex(canonicalJson(keyed)).slice(0, 16);
}

export interface CodeVersionOptions {
  /** Base for relative paths; defaults to the package root. */
  root?: string;
  /** Re-read the files even if this process already hashed them (tests). */
  cache?: boolean;
}

const codeVersionCache = new Map<string, string>();

/**
 * A 12-hex-char fingerprint of the training code: sha256 over the sorted package-relative paths and
 * contents of every file under `paths` (files or directories, recursively), skipping `*.test.ts`
 * (tests do not change results) and dot-files (editor/OS litter would otherwise change the key).
 * Paths are relative to the package root, so the value does not depend on the cwd or checkout
 * location. Computed once per process per input list: the sources do not change under a running
 * process, and reading them on every run lookup would be wasted I/O.
 */
export function codeVersion(paths: readonly string[], opts: CodeVersionOptions = {}): string {
  const root = resolve(opts.root ?? packageRoot());
  const inputs = paths.map((p) => resolve(root, p));
  const cacheKey = [root, ...[...inputs].sort()].join('\0');
  if (opts.cache !== false) {
    const hit = codeVersionCache.get(cacheKey);
    if (hit) return hit;
  }

  const files = new Set<string>();
  const walk = (abs: string, explicit: boolean): void => {
    const st = statSync(abs);
    if (st.isDirectory()) {
      for (const name of readdirSync(abs)) {
        if (name.startsWith('.') || name === 'node_modules') continue;
        walk(join(abs, name), false);
      }
    } else if (st.isFile()) {
      if (abs.endsWith('.test.ts')) return;
      files.add(abs);
    } else if (explicit) {
      throw new Error(`codeVersion: ${abs} is neither a file nor a directory`);
    }
  };
  for (let i = 0; i < inputs.length; i++) {
    // A typo'd path would otherwise hash to a constant and never invalidate anything.
    if (!existsSync(inputs[i])) throw new Error(`codeVersion: ${paths[i]} does not exist (resolved to ${inputs[i]})`);
    walk(inputs[i], true);
  }

  const entries = [...files].map((abs) => ({ abs, rel: relative(root, abs).split(sep).join('/') }));
  entries.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
  const h = createHash('sha256');
  for (const { abs, rel } of entries) {
    const content = readFileSync(abs);
    // Length-prefixed so no choice of names and contents can produce the same byte stream.
    h.update(`${rel}\0${content.length}\0`);
    h.update(content);
  }
  const version = h.digest('hex').slice(0, 12);
  codeVersionCache.set(cacheKey, version);
  return version;
}
