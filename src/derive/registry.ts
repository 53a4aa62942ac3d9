import { Registry } from '../registry.ts';
import type { DerivationDef } from './types.ts';

/** Every method a run can name in `derive.method`. Built-ins register in src/derive/index.ts. */
export const derivations = new Registry<DerivationDef>('derivation', new URL('./index.ts', import.meta.url).href);
export const registerDerivation = (def: DerivationDef): DerivationDef => derivations.register(def);
