import { currentScale } from '../config/scale.ts';
import { workerCount } from '../config/workers.ts';

/**
 * The GROK_* settings, checked before any command does work: a bad value is never silently
 * ignored by a command that happens not to read it, and fails as one line naming the variable.
 */
export async function checkEnvironment(): Promise<void> {
  currentScale();
  workerCount();
  // the backend choice lives beside tfjs; loaded here, never for --help
  const { parseBackendChoice } = await import('../backend/choose.ts');
  parseBackendChoice(process.env.GROK_BACKEND);
}
