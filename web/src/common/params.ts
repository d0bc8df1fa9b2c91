/** Reading a page's settings back from its URL: what every page's settings parser shares. */

/** The URL's value if it parses to one of `allowed`, else the fallback (a missing or foreign value). */
export function oneOf<T>(v: string | null, allowed: readonly T[], fallback: T, parse: (s: string) => T): T {
  if (v === null) return fallback;
  const x = parse(v);
  return allowed.includes(x) ? x : fallback;
}

/** The URL's `seed`: a whole number ≥ 0, else the fallback. */
export function seedParam(p: URLSearchParams, fallback: number): number {
  const seed = Number(p.get('seed'));
  return p.has('seed') && Number.isInteger(seed) && seed >= 0 ? seed : fallback;
}
