/** The built-in losses; importing this module registers them. */
import './cross-entropy.ts';
import './mse.ts';
export { losses, registerLoss } from './registry.ts';
import './binary-cross-entropy.ts';
