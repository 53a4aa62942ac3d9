import seedrandom from 'seedrandom';

/**
 * A seeded stream of standard normals for generated data sets (polynomial regression inputs and
 * β), in the manner of the init (src/models/init.ts): alea for the uniforms, Box–Muller for the
 * normals, both values of each pair used. torch's `randn` stream is not reproduced (spec §1.6
 * says it need not be); what matters is that a seed names one data set, on every machine.
 */
export function normalStream(seed: string): () => number {
  const rng = seedrandom.alea(seed);
  let spare: number | null = null;
  return () => {
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
}

/** A seeded stream of uniform reals in [0, 1) (alea), for sign bits and data orders. */
export function uniformStream(seed: string): () => number {
  return seedrandom.alea(seed);
}
