import type { Layout } from '../../models/layout.ts';

/**
 * Per model: the C file with its kernel (its hash is in the run key of that model's runs only, so a
 * new kernel retrains nothing else) and its sizes in the C constructor's order. A new native model
 * is a C file and a line here (and in addon/registry.c and binding.gyp).
 */
export const ADAPTERS: Record<string, { source: string; dims(layout: Layout): number[] }> = {
  'mnist-mlp': { source: 'dense_chain.c', dims: (l) => [l.dims.dIn, l.dims.dModel, l.dims.classes] },
  'poly-mlp': { source: 'dense_chain.c', dims: (l) => [l.dims.d, l.dims.dModel, l.dims.dEmb, l.dims.out] },
  'relu-mlp': { source: 'dense_chain.c', dims: (l) => [l.dims.n, l.dims.width, l.dims.out] },
  mlp: { source: 'mlp.c', dims: (l) => [l.dims.p, l.dims.dEmb, l.dims.dModel] },
  transformer: { source: 'transformer.c', dims: (l) => [l.dims.p, l.dims.dModel, l.dims.dMlp, l.dims.dHead] },
  lstm: { source: 'lstm.c', dims: (l) => [l.dims.vocab, l.dims.positions, l.dims.dEmb, l.dims.dHidden, l.dims.outputs] },
};
