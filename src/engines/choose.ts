import { parseBackendChoice } from '../backend/choice.ts';
import { backendId } from '../backend/info.ts';
import type { BackendDecision } from '../backend/choose.ts';
import type { LossDef } from '../losses/types.ts';
import type { ModelDef } from '../models/types.ts';
import { nativeEngine, nativeId, nativeStatus } from './native/index.ts';
import { tfjsEngine } from './tfjs/session.ts';
import type { Engine, Training } from './types.ts';

/**
 * Which engine trains a run, from GROK_BACKEND: `native` insists on the native engine (an error
 * when it does not load), `auto` (the default) uses it when it loads, any tfjs backend name means
 * tfjs only. A run the native engine has no kernel for (or edge-popup's own stepper) trains on
 * tfjs; the choice depends on the run's config alone, so its store key can say which engine ran it.
 */
export interface EngineUse {
  engine: Engine;
  /** For the run key and meta.json: the engine, its kernel choice, and the tfjs backend beside it. */
  id: string;
}

export function nativeWanted(choice = process.env.GROK_BACKEND): boolean {
  const c = parseBackendChoice(choice);
  if (c === 'native') {
    const s = nativeStatus();
    if (!s.ok) throw new Error(`GROK_BACKEND=native: the native engine does not load: ${s.reason}`);
    return true;
  }
  return c === 'auto' && nativeStatus().ok;
}

export function engineFor(run: { model: ModelDef; loss: LossDef; training: Training['kind']; lanes?: number }, tfjs: BackendDecision): EngineUse {
  const tfjsId = backendId(tfjs);
  if (nativeWanted() && !nativeEngine.refuses({ ...run, lanes: run.lanes ?? 1 })) {
    return { engine: nativeEngine, id: `${nativeId(run.model.name)} + ${tfjsId}` };
  }
  return { engine: tfjsEngine, id: tfjsId };
}

let announced = false;
/** Says once per process (on stderr, unless GROK_QUIET=1) which engine trains. */
export function announceEngine(): void {
  if (announced || process.env.GROK_QUIET === '1') return;
  announced = true;
  process.stderr.write(`[grok] ${describeEngine()}\n`);
}

/** The one line a process prints about its engine (with initBackend's tfjs line). */
export function describeEngine(): string {
  let c;
  try {
    c = parseBackendChoice(process.env.GROK_BACKEND);
  } catch {
    return '';
  }
  if (c !== 'auto' && c !== 'native') return `engine: tfjs only (GROK_BACKEND=${c})`;
  const s = nativeStatus();
  return s.ok
    ? `engine: native (${s.openblas}, kernel ${s.corename}, 1 thread) for models with native kernels; tfjs for the rest`
    : `engine: tfjs (the native engine is unavailable: ${s.reason})`;
}
