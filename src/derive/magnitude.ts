import { z } from 'zod';
import { magnitudeLayoutMask } from '../prune/magnitude.ts';
import { fromEpoch, keepFraction } from './fields.ts';
import { registerDerivation } from './registry.ts';

/** The grokking ticket: global magnitude mask of θ_fromEpoch, rewound to θ0 (spec §4). */
registerDerivation({
  name: 'magnitude',
  description: 'grokking ticket: global magnitude mask of a base snapshot, rewound to θ0',
  paperRef: '§3.2; spec §4',
  source: import.meta.url,
  fields: {
    fromEpoch,
    /** Fraction of weights KEPT (the authors' "sparsity"); pruning ratio k = 1 − keepFraction. */
    keepFraction,
    allowEmptyLayers: z.boolean().default(false),
  },
  async prepare({ derive, layout, baseSnapshot }) {
    const d = derive as { fromEpoch: number | 'final'; keepFraction: number; allowEmptyLayers: boolean };
    return {
      theta0: await baseSnapshot(0),
      mask: magnitudeLayoutMask(layout, await baseSnapshot(d.fromEpoch), d.keepFraction),
      allowEmptyLayers: d.allowEmptyLayers,
    };
  },
});
