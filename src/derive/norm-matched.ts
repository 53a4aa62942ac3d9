import { z } from 'zod';
import { normRatios, scaleTheta } from '../analysis/norm-match.ts';
import { magnitudeLayoutMask } from '../prune/magnitude.ts';
import { fromEpoch, keepFraction } from './fields.ts';
import { registerDerivation } from './registry.ts';

/** Controlled dense model (spec §5): θ0 scaled so its L1 or L2 norm equals the ticket's. */
registerDerivation({
  name: 'normMatched',
  description: 'dense θ0 scaled to the L1 or L2 norm of the grokking ticket θ0 ⊙ m',
  paperRef: '§4.1, Fig. 5a; spec §5',
  source: import.meta.url,
  fields: {
    fromEpoch,
    keepFraction,
    norm: z.enum(['l1', 'l2']),
    /** 'paper': global norms ‖θ0⊙m‖/‖θ0‖; 'code': the authors' sum of per-layer norms (spec §12.6). */
    ratio: z.enum(['paper', 'code']).default('paper'),
  },
  async prepare({ derive, layout, baseSnapshot }) {
    const d = derive as { fromEpoch: number | 'final'; keepFraction: number; norm: 'l1' | 'l2'; ratio: 'paper' | 'code' };
    const theta0 = await baseSnapshot(0);
    const r = normRatios(layout, theta0, magnitudeLayoutMask(layout, await baseSnapshot(d.fromEpoch), d.keepFraction));
    const ratio = d.norm === 'l1' ? (d.ratio === 'paper' ? r.r1Global : r.r1Code) : d.ratio === 'paper' ? r.r2Global : r.r2Code;
    return { theta0: scaleTheta(theta0, ratio), meta: { normRatio: ratio } };
  },
});
