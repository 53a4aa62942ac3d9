import seedrandom from 'seedrandom';
import type { Layout } from './layout.ts';

/**
 * θ0: every matrix ~ N(0, std²), std = κ/√fan_in as in the authors' MLP (spec §2.1) unless the
 * layer fixes its own (the transformer ignores κ, spec §12.5).
 *
 * torch's init stream cannot be matched (the authors never seeded it), so we use our own seeded
 * generator: alea for speed, Box–Muller for normals, one stream per run seed.
 */
export function initTheta(layout: Layout, seed: number, weightScale = 1): Float32Array {
  const rng = seedrandom.alea(`grok-init:${seed}`);
  const theta = new Float32Array(layout.size);
  let spare: number | null = null;
  const normal = (): number => {
    if (spare !== null) {
      const s = spare;
      spare = null;
      return s;
    }
    let u = 0;
    while (u === 0) u = rng();
    const v = rng();
    const r = Math.sqrt(-2 * Math.log(u));
    spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  };
  for (const l of layout.layers) {
    const std = l.initStd ?? weightScale / Math.sqrt(l.fanIn);
    for (let i = 0; i < l.size; i++) theta[l.offset + i] = normal() * std;
  }
  return theta;
}
