// No control characters anywhere (TAB only inside header values), no Unicode line
// separators, no bidi overrides. Runs on the raw config, before the schema, because these
// characters are how injections get through: every string is scanned, keys included.
import { coreCodes } from "../diagnostics/codes.ts";
import { formatPath } from "../load/locate.ts";
import type { PathSegment } from "../load/types.ts";
import type { Report } from "./context.ts";

const FORBIDDEN = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/u;
const TAB = "\t";
/**
 * FORBIDDEN or a TAB, in one scan: the limits walk asks this of every string and key. Made
 * from FORBIDDEN's own class (same flags), so a character added there is never skipped here
 * (a clean answer skips the character check).
 */
const FORBIDDEN_OR_TAB = new RegExp(`[\\t${FORBIDDEN.source.slice(1, -1)}]`, FORBIDDEN.flags);

/**
 * FORBIDDEN_OR_TAB but for JSON's blanks (TAB, LF, CR), in set notation of the same class: in
 * a text JSON.parse accepted, a raw control character can only be a blank between tokens (the
 * grammar has none inside a string, where they are escaped).
 */
const FORBIDDEN_IN_JSON_TEXT = new RegExp(`[${FORBIDDEN_OR_TAB.source}--[\\t\\n\\r]]`, "v");

/**
 * Whether no string of `json`, a text JSON.parse accepted, could be reported by the character
 * check: neither a value nor a key (mayHaveBadCharacters is false for each). Without escapes a
 * string is its characters in the text; `\"`, `\\` and `\/` stand for clean ones; any other
 * escape (`\n`, `\t`, `\u...`) answers no, as does any character the check forbids that is
 * not a blank between tokens. One scan of the text instead of one per string.
 */
export function jsonStringsAreClean(json: string): boolean {
  if (FORBIDDEN_IN_JSON_TEXT.test(json)) return false;
  // Outside strings, JSON has no backslash: each one here starts an escape, two characters long.
  for (let i = json.indexOf("\\"); i >= 0; i = json.indexOf("\\", i + 2)) {
    const escaped = json.charCodeAt(i + 1);
    if (escaped !== 0x22 && escaped !== 0x5c && escaped !== 0x2f) return false;
  }
  return true;
}

/** Whether checkString could report `text` (any TAB counts: whether one is allowed depends on the path). */
export function mayHaveBadCharacters(text: string): boolean {
  return FORBIDDEN_OR_TAB.test(text);
}

function codePoint(ch: string): string {
  return `U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}`;
}

/** Header values may hold a TAB; they live under requestHeaders/responseHeaders.set|add. */
function isHeaderValue(path: readonly PathSegment[]): boolean {
  const n = path.length;
  return n >= 3 && (path[n - 2] === "set" || path[n - 2] === "add") && (path[n - 3] === "requestHeaders" || path[n - 3] === "responseHeaders");
}

function checkString(text: string, path: readonly PathSegment[], what: string, report: Report): void {
  const bad = FORBIDDEN.exec(text) ?? (text.includes(TAB) && !isHeaderValue(path) ? { 0: TAB, index: text.indexOf(TAB) } : null);
  if (!bad) return;
  report(coreCodes.controlCharacter, {
    message: `${what} ${formatPath(path) || "(top level)"} contains ${codePoint(bad[0]!)} at offset ${bad.index}`,
    path: formatPath(path),
    hint: "remove the character: control characters, line separators and bidi overrides are never allowed",
  });
}

export function checkCharacters(value: unknown, report: Report, path: PathSegment[] = []): void {
  // One path, extended and restored on the way down (checkString copies it only to report):
  // a new array per value was most of this walk's cost on a large mesh.
  if (typeof value === "string") checkString(value, path, "the value at", report);
  else if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      path.push(i);
      checkCharacters(value[i], report, path);
      path.pop();
    }
  } else if (value !== null && typeof value === "object") {
    for (const k of Object.keys(value)) {
      path.push(k);
      checkString(k, path, "the key", report);
      checkCharacters((value as Record<string, unknown>)[k], report, path);
      path.pop();
    }
  }
}
