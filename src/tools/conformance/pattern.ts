/**
 * Case selection patterns, in the spirit of Autobahn's `cases` and
 * `exclude-cases` lists: `*`, `1.*`, `6.4.*`, `9.1.1`, comma-separated, and
 * exclusions written `!PATTERN` (or `-PATTERN`).
 *
 * A term matches a whole case id, `*` standing for any run of characters
 * (dots included): `1.*` matches 1.1.1 and 1.2.8 but not 10.1.1, `6.*.1`
 * matches 6.2.1 but not 6.2.10. (Autobahn anchors only the start, so there
 * `6.*.1` would also match 6.2.10.) With no positive term, everything is
 * included; exclusions are removed afterwards.
 */

/** A parsed pattern. */
export interface CasePattern {
  readonly include: readonly string[];
  readonly exclude: readonly string[];
}

/** Thrown for a pattern that is malformed or selects a term that matches nothing. */
export class PatternError extends Error {
  override readonly name = 'PatternError';
}

const TERM_CHARS = /^[0-9.*]+$/;

/** Parse `1.*,!1.2.*, 2.1` into include and exclude terms. Whitespace around terms is ignored. */
export function parseCasePattern(text: string): CasePattern {
  const include: string[] = [];
  const exclude: string[] = [];
  for (const raw of text.split(',')) {
    const term = raw.trim();
    if (term === '') continue;
    const negated = term.startsWith('!') || term.startsWith('-');
    const body = negated ? term.slice(1).trim() : term;
    if (body === '' || !TERM_CHARS.test(body)) {
      throw new PatternError(`invalid case pattern term "${term}": use case ids, "*" and "!" (e.g. "1.*,!1.2.*")`);
    }
    (negated ? exclude : include).push(body);
  }
  return { include, exclude };
}

/** Whether the glob `term` matches the whole of `id`. */
export function matchesTerm(term: string, id: string): boolean {
  // Iterative glob match with backtracking on the last star: linear enough for ids.
  let t = 0;
  let i = 0;
  let star = -1;
  let resume = 0;
  while (i < id.length) {
    if (t < term.length && term[t] !== '*' && term[t] === id[i]) {
      t++;
      i++;
    } else if (t < term.length && term[t] === '*') {
      star = t++;
      resume = i;
    } else if (star >= 0) {
      t = star + 1;
      i = ++resume;
    } else {
      return false;
    }
  }
  while (t < term.length && term[t] === '*') t++;
  return t === term.length;
}

/**
 * The ids of `ids` that `pattern` selects, in the order of `ids`. Throws a
 * {@link PatternError} when a term matches no id at all (almost always a typo).
 */
export function selectCaseIds(ids: readonly string[], pattern: string | CasePattern): string[] {
  const parsed = typeof pattern === 'string' ? parseCasePattern(pattern) : pattern;
  for (const term of [...parsed.include, ...parsed.exclude]) {
    if (!ids.some((id) => matchesTerm(term, id))) throw new PatternError(`case pattern "${term}" matches no case`);
  }
  return ids.filter((id) =>
    (parsed.include.length === 0 || parsed.include.some((term) => matchesTerm(term, id)))
    && !parsed.exclude.some((term) => matchesTerm(term, id)));
}
