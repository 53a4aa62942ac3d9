import { z } from 'zod';

/** Config fields several derivations share. */
export const keepFraction = z.number().gt(0).max(1);
/** Which snapshot of the base run: 'final' or an epoch that was snapshotted. */
export const fromEpoch = z.union([z.literal('final'), z.number().int().min(0)]).default('final');
export const seedField = z.number().int().min(0).default(0);
