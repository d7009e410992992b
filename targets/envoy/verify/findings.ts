// Findings collected while walking a document: the code, the JSON path as segments, and
// whether the finding is about a key (unknown field) or a value. Positions are looked up
// afterwards, only for the few findings there are.
import type { CodeInfo } from "../../../compiler/diagnostics/define.ts";

export type PathSegment = string | number;

export interface Finding {
  readonly info: CodeInfo;
  readonly path: readonly PathSegment[];
  readonly message: string;
  readonly hint: string | null;
  /** Point at the key of the last segment rather than its value. */
  readonly atKey: boolean;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** `a.b[0]["envoy.filters.http.fault"]`: dotted where a key is a plain name, quoted otherwise. */
export function formatPath(path: readonly PathSegment[]): string {
  let out = "";
  for (const segment of path) {
    if (typeof segment === "number") out += `[${segment}]`;
    else if (IDENTIFIER.test(segment)) out += out === "" ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

/** Levenshtein distance, bounded: enough to suggest a field name for a typo. */
function editDistance(a: string, b: string): number {
  const previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = previous[0];
    previous[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = previous[j];
      previous[j] = Math.min(previous[j] + 1, previous[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return previous[b.length];
}

/** The closest candidate within a third of the word's length (at least 2 edits), or null. */
export function suggestName(word: string, candidates: Iterable<string>): string | null {
  let best: string | null = null;
  let bestDistance = Math.max(2, Math.floor(word.length / 3)) + 1;
  for (const candidate of candidates) {
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) { best = candidate; bestDistance = distance; }
  }
  return best;
}
