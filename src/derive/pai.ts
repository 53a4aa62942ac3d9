import { z } from 'zod';
import { PAI_METHODS, paiMask } from '../prune/scores.ts';
import { makeBatch } from '../train/loop.ts';
import { keepFraction, seedField } from './fields.ts';
import { registerDerivation } from './registry.ts';

/** Pruning at initialisation (spec §6): a mask from PaI scores, rewound to θ0. */
registerDerivation({
  name: 'pai',
  description: 'pruning at initialisation (random, SNIP, GraSP, SynFlow), rewound to θ0',
  paperRef: '§4.2, Fig. 5b; spec §6',
  source: import.meta.url,
  fields: {
    scorer: z.enum(PAI_METHODS),
    /** 'init' scores θ0 (the paper, App. G); 'final' scores the trained weights (the authors' code default). */
    scoreAt: z.enum(['init', 'final']).default('init'),
    keepFraction,
    /** Seeds the random scorer. */
    scoreSeed: seedField,
  },
  async prepare({ derive, model, loss, layout, split, outputSize, baseSnapshot }) {
    const d = derive as { scorer: string; scoreAt: 'init' | 'final'; keepFraction: number; scoreSeed: number };
    const theta0 = await baseSnapshot(0);
    const scored = d.scoreAt === 'init' ? theta0 : await baseSnapshot('final');
    // spec §1.4: the whole training set as one batch
    const batch = makeBatch(model, loss, split.train, layout, outputSize);
    try {
      return { theta0, mask: paiMask(d.scorer, layout, scored, batch, d.scoreSeed, d.keepFraction) };
    } finally {
      batch.dispose();
    }
  },
});
