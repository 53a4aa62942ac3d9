/** The built-in derivations; importing this module registers them. A new method adds its line here. */
import './magnitude.ts';
import './norm-matched.ts';
import './pai.ts';
import './edge-popup.ts';
import './continue.ts';
export { derivations, registerDerivation } from './registry.ts';
