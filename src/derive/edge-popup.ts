import { z } from 'zod';
import { edgePopupStepper, initScores } from '../train/steppers/edge-popup.ts';
import { keepFraction, seedField } from './fields.ts';
import { registerDerivation } from './registry.ts';

/** Edge-popup (spec §7): learn per-layer top-k scores on the frozen (or trained) θ_fromEpoch. */
registerDerivation({
  name: 'edgePopup',
  description: 'edge-popup from a memorising checkpoint: per-layer top-k scores, weights frozen or trained',
  paperRef: '§5.2, Table 1; spec §7',
  source: import.meta.url,
  ownStepper: true,
  fields: {
    /** The memorising checkpoint θ_mem. */
    fromEpoch: z.number().int().min(0),
    keepFraction,
    /** false: "EP w/o WD" (weights frozen); true: "EP w/ WD" (weights and scores trained). */
    trainWeights: z.boolean(),
    scoreSeed: seedField,
  },
  async prepare({ derive, layout, optim, baseSnapshot }) {
    const d = derive as { fromEpoch: number; keepFraction: number; trainWeights: boolean; scoreSeed: number };
    const thetaMem = await baseSnapshot(d.fromEpoch); // θ_mem, not rewound
    return {
      theta0: thetaMem,
      stepper: edgePopupStepper({ layout, thetaMem, scores0: initScores(layout, d.scoreSeed), keepFraction: d.keepFraction, trainWeights: d.trainWeights, optim }),
    };
  },
});
