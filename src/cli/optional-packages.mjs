// `npm ci` runs this after the install (package.json "postinstall"): npm skips an optional
// dependency whose install fails (the native TensorFlow packages download libtensorflow) without a
// word, so a user would learn only from GROK_BACKEND=gpu failing later. One line names what was
// skipped; nothing when all are there. It never fails the install. Reads package.json and
// node_modules of the current directory, the package root when npm runs it.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = process.cwd();
const optional = Object.keys(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).optionalDependencies ?? {});
const missing = optional.filter((name) => !existsSync(join(root, 'node_modules', name, 'package.json')));
if (missing.length) {
  process.stdout.write(
    `[grok] optional packages not installed: ${missing.join(', ')} (npm skips an optional package whose install fails or is omitted; ` +
      `\`npm install --no-save --foreground-scripts ${missing[0]}\` shows why); GROK_BACKEND=tensorflow and gpu need them, the harness trains on the native engine or tfjs-wasm\n`,
  );
}
