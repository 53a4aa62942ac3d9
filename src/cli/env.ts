import { parseBackendChoice } from '../backend/choice.ts';
import { currentScale } from '../config/scale.ts';
import { populationChoice } from '../config/population.ts';
import { workerCount } from '../config/workers.ts';

/**
 * The GROK_* settings, checked before any command does work: a bad value is never silently
 * ignored by a command that happens not to read it, and fails as one line naming the variable.
 */
export function checkEnvironment(): void {
  parseBackendChoice(process.env.GROK_BACKEND);
  currentScale();
  workerCount();
  populationChoice();
}
