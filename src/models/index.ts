/** The built-in models; importing this module registers them. A new model adds its line here. */
import './mlp.ts';
import './transformer.ts';
import './poly-mlp.ts';
import './relu-mlp.ts';
export { models, registerModel, modelInit } from './registry.ts';
import './mnist-mlp.ts';
import './lstm.ts';
