/**
 * Forwarding optional settings under `exactOptionalPropertyTypes`: an absent
 * option must stay absent (not become a key holding `undefined`, which the
 * receiving options type rejects), so a layer that passes some of its
 * options on copies only those that are set.
 */

/** The properties of `source` named by `keys` whose value is not undefined. */
export function pickDefined<T extends object, K extends keyof T>(source: T, keys: readonly K[]): { [P in K]?: Exclude<T[P], undefined> } {
  const picked: { [P in K]?: Exclude<T[P], undefined> } = {};
  for (const key of keys) {
    const value = source[key];
    if (value !== undefined) picked[key] = value as Exclude<T[K], undefined>;
  }
  return picked;
}
