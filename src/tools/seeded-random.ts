/**
 * A small, fast, seeded generator (mulberry32): numbers in [0, 1). The
 * conformance corpus and the tests' random inputs use it so that the same
 * seed always yields the same bytes, and a failure can be replayed from it.
 * Not for anything secret: masking keys come from node:crypto.
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
