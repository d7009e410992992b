// The one place where a value becomes HAProxy configuration text.
//
// The view model never holds user text as a plain string: every user-supplied value is a
// `Word` that says what it is, and `encodeWord` is the single function that validates or
// escapes it (templates reach it through the `hap` helper; builders call
// `checkWord` on the same function to turn a rejection into a diagnostic).
//
// HAProxy's parser, measured on 2.6: inside double quotes it interprets `\\`, `\"`, `\$`,
// `\t`, `\n`, `\r`, `\xNN` and expands `$VAR`/`${VAR}`; `#` starts a comment only outside
// quotes. Arguments that are log-formats (header values, redirect locations, replace-path
// substitutions, log-format) also read `%` as the start of a variable, so `%` becomes `%%`.

/** A value on its way into the config. */
export type Word =
  /** An identifier HAProxy parses as a name (frontend, backend, server): [A-Za-z0-9_.:-]. */
  | { readonly word: "name"; readonly value: string }
  /** A name used inside a sample-fetch argument (header or query parameter name, SNI): [A-Za-z0-9_.-]. */
  | { readonly word: "token"; readonly value: string }
  /** A literal argument, double-quoted: ACL patterns, regexes, file paths, response bodies. */
  | { readonly word: "text"; readonly value: string }
  /** A double-quoted log-format argument: literal parts are user text, expr parts are the compiler's. */
  | { readonly word: "format"; readonly parts: readonly FormatPart[] }
  | { readonly word: "int"; readonly value: number }
  /**
   * A word `encodeWord` has already accepted, as the text it gave (made only by
   * BuildContext.check, context.ts): the builders check every user value where its origin is
   * known, so the template prints that text instead of encoding the same word twice.
   */
  | { readonly word: "checked"; readonly text: string };

export type FormatPart = { readonly literal: string } | { readonly expr: string };

export const nameWord = (value: string): Word => ({ word: "name", value });
export const tokenWord = (value: string): Word => ({ word: "token", value });
export const textWord = (value: string): Word => ({ word: "text", value });
export const intWord = (value: number): Word => ({ word: "int", value });
export const formatWord = (...parts: FormatPart[]): Word => ({ word: "format", parts });
export const literal = (text: string): FormatPart => ({ literal: text });
export const expr = (text: string): FormatPart => ({ expr: text });

export type Encoded = { readonly ok: true; readonly text: string } | { readonly ok: false; readonly reason: string };

const NAME = /^[A-Za-z0-9_.:-]{1,128}$/;
const TOKEN = /^[A-Za-z0-9_.-]{1,256}$/;
// C0 controls, DEL, C1 controls (U+0085 among them), line/paragraph separators, bidi controls.
// TAB is refused too: HAProxy would keep it, but SECURITY.md allows it only in header
// values, and a literal tab in a config line is invisible in review.
const FORBIDDEN = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]/u;

function forbiddenCharacter(value: string): string | null {
  const found = FORBIDDEN.exec(value);
  if (!found) return null;
  const point = found[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0");
  return `U+${point} is not allowed in HAProxy configuration (one directive a line, no control or separator characters)`;
}

/**
 * A text value with nothing to refuse or escape: FORBIDDEN's class (same flags, so a character
 * added there is refused here too) plus the three escaped characters.
 */
const PLAIN_TEXT = new RegExp(`^[^${FORBIDDEN.source.slice(1, -1)}\\\\"$]*$`, FORBIDDEN.flags);

const NEEDS_ESCAPE = /[\\"$]/;
const ESCAPED = /[\\"$]/g;

/** Escapes for HAProxy's weak (double) quoting: a backslash before each backslash, quote and dollar. */
function escapeForDoubleQuotes(value: string): string {
  // Most values hold none of the three (every word of every proxy comes through here).
  if (!NEEDS_ESCAPE.test(value)) return value;
  // One pass: the same text as escaping `\` first, then `"` and `$` (each gains one backslash).
  return value.replace(ESCAPED, "\\$&");
}

/** Validates or escapes one value for HAProxy. Never throws: a rejection says why. */
export function encodeWord(word: Word): Encoded {
  switch (word.word) {
    case "checked":
      return { ok: true, text: word.text };
    case "int":
      return Number.isSafeInteger(word.value) && word.value >= 0
        ? { ok: true, text: String(word.value) }
        : { ok: false, reason: `${word.value} is not a non-negative integer` };
    case "name":
      return NAME.test(word.value)
        ? { ok: true, text: word.value }
        : { ok: false, reason: `"${printable(word.value)}" is not a valid HAProxy name ([A-Za-z0-9_.:-], 1-128 characters)` };
    case "token":
      return TOKEN.test(word.value)
        ? { ok: true, text: word.value }
        : { ok: false, reason: `"${printable(word.value)}" cannot be used inside an HAProxy sample-fetch argument ([A-Za-z0-9_.-] only)` };
    case "text": {
      const bad = forbiddenCharacter(word.value);
      return bad ? { ok: false, reason: bad } : { ok: true, text: `"${escapeForDoubleQuotes(word.value)}"` };
    }
    case "format": {
      let text = "";
      for (const part of word.parts) {
        const raw = "literal" in part ? part.literal : part.expr;
        const bad = forbiddenCharacter(raw);
        if (bad) return { ok: false, reason: bad };
        const escaped = escapeForDoubleQuotes(raw);
        text += "literal" in part && escaped.includes("%") ? escaped.replace(/%/g, "%%") : escaped;
      }
      return { ok: true, text: `"${text}"` };
    }
  }
}

/**
 * encodeWord's text for a word it accepts, null for one it refuses (encodeWord says why): the
 * builders check every word of every proxy (~50,000 at 1,000 services), most of them plain
 * names and texts, so those take one regex test here and no result object.
 */
export function acceptedText(word: Word): string | null {
  switch (word.word) {
    case "checked": return word.text;
    case "name": return NAME.test(word.value) ? word.value : null;
    case "token": return TOKEN.test(word.value) ? word.value : null;
    case "text": if (PLAIN_TEXT.test(word.value)) return `"${word.value}"`;
  }
  const encoded = encodeWord(word);
  return encoded.ok ? encoded.text : null;
}

/** For messages: shows control characters as code points instead of printing them. */
function printable(value: string): string {
  return value.replace(/[^\x20-\x7e]/gu, (c) => `\\u{${c.codePointAt(0)!.toString(16)}}`).slice(0, 80);
}

/** Escapes regex metacharacters so a literal path prefix can sit inside a PCRE pattern. */
export function regexLiteral(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
