import * as tf from '@tensorflow/tfjs-core';
import { buildSync } from 'esbuild';
import { createRequire } from 'node:module';

/**
 * tfjs-core registers its gradient functions only in its ES-module build (dist/register_all_gradients),
 * whose extensionless imports Node cannot load, and Node resolves tfjs-core to a CommonJS bundle
 * without them. So the first model without a hand-written backward bundles that module once with
 * esbuild (~0.25 s) and runs it: the gradients land in tfjs's global registry, which every copy of
 * tfjs-core shares, as does the engine. Under vitest the ES build is loaded and this is a no-op.
 */
let ready = false;

export function ensureGradients(): void {
  if (ready || tf.getGradient('BatchMatMul')) {
    ready = true;
    return;
  }
  const require = createRequire(import.meta.url);
  const entry = require.resolve('@tensorflow/tfjs-core/dist/register_all_gradients.js');
  const out = buildSync({ entryPoints: [entry], bundle: true, format: 'cjs', platform: 'node', write: false, logLevel: 'silent' });
  const module = { exports: {} };
  new Function('module', 'exports', 'require', out.outputFiles[0].text)(module, module.exports, require);
  if (!tf.getGradient('BatchMatMul')) throw new Error('autodiff: tfjs-core gradients could not be registered');
  ready = true;
}
