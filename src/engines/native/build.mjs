// `npm ci` runs this (package.json "install"): builds the native engine's addon when a C compiler,
// OpenBLAS's headers and Node's own headers are on this machine, and otherwise says in one line
// what is missing. It never fails the install: without the addon the harness trains on tfjs-wasm.
// Nothing is downloaded: node-gyp builds against the headers Debian's nodejs installs (--nodedir).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const HOW = 'apt-get install build-essential libopenblas-dev, then npm ci';
const skip = (why) => {
  process.stdout.write(`[grok] native engine not built: ${why} (${HOW}); the harness trains on tfjs-wasm\n`);
  process.exit(0);
};
if (process.env.GROK_NATIVE_BUILD === '0') skip('GROK_NATIVE_BUILD=0');

const has = (cmd) => spawnSync(cmd, ['--version'], { stdio: 'ignore' }).status === 0;
if (!has('cc') || !has('make')) skip('no C compiler or make');
const arch = spawnSync('gcc', ['-dumpmachine'], { encoding: 'utf8' }).stdout?.trim() || 'x86_64-linux-gnu';
const include = [`/usr/include/${arch}/openblas-pthread`, `/usr/include/${arch}/openblas-openmp`, `/usr/include/${arch}/openblas-serial`, '/usr/include/openblas', '/usr/include']
  .find((d) => existsSync(join(d, 'cblas.h')) && existsSync(join(d, 'openblas_config.h')));
if (!include) skip("no OpenBLAS headers (cblas.h, openblas_config.h)");
const nodedir = dirname(dirname(process.execPath));
if (!existsSync(join(nodedir, 'include', 'node', 'node_api.h'))) skip(`no Node headers under ${nodedir}/include/node (Debian's nodejs installs them)`);

let gyp = process.env.npm_config_node_gyp;
if (!gyp || !existsSync(gyp)) {
  try {
    gyp = createRequire(import.meta.url).resolve('node-gyp/bin/node-gyp.js');
  } catch {
    const bundled = join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
    gyp = existsSync(bundled) ? bundled : undefined;
  }
}
if (!gyp) skip('node-gyp not found (npm bundles it)');

const r = spawnSync(process.execPath, [gyp, 'rebuild', `--nodedir=${nodedir}`, '--', `-Dblas_include=${include}`], { cwd: here, encoding: 'utf8' });
if (r.status !== 0) {
  mkdirSync(join(here, 'build'), { recursive: true });
  const log = join(here, 'build', 'build-failure.log');
  writeFileSync(log, `${r.stdout ?? ''}\n${r.stderr ?? ''}`);
  skip(`node-gyp failed (log: ${log})`);
}
process.stdout.write(`[grok] native engine built (OpenBLAS headers ${include})\n`);
