import { z } from 'zod';
import { registerDerivation } from './registry.ts';

/** Plain continuation of the dense run from θ_fromEpoch (Table 1's "WD" arm). */
registerDerivation({
  name: 'continue',
  description: 'dense training continued from a base snapshot (Table 1\'s plain weight-decay arm)',
  paperRef: 'Table 1; spec §7.2',
  source: import.meta.url,
  fields: { fromEpoch: z.number().int().min(0) },
  async prepare({ derive, baseSnapshot }) {
    return { theta0: await baseSnapshot((derive as { fromEpoch: number }).fromEpoch) };
  },
});
