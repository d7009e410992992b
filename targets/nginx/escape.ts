// The one place user text becomes nginx syntax. nginx's tokenizer reads a double-quoted
// token, turning `\"` and `\\` back into `"` and `\`; everything else inside the quotes is
// literal, braces, `;` and `#` included. What it cannot protect is `$`: directives that
// take "complex values" expand `$name` and there is no escape, so a `$` in such a value
// is rejected. Regexes (map keys, rewrite patterns) are not expanded, so `$` is allowed.
//
// The view model carries user text only as these three shapes; `renderNginxValue` is the
// only function that turns them into text, and the templates reach it through one helper.

/** User text in a place nginx expands variables (header values, return texts, URLs). */
export interface LiteralValue { readonly kind: "literal"; readonly text: string }
/** A regex in a place nginx does not expand variables (map keys, rewrite patterns). */
export interface RegexValue { readonly kind: "regex"; readonly pattern: string; readonly prefix: "" | "~" }
/** Literal text joined with variables meshc itself chose (`${host}`, capture `$1`). */
export interface TemplateValue { readonly kind: "template"; readonly parts: readonly TemplatePart[] }
export type TemplatePart = { readonly text: string } | { readonly variable: string } | { readonly capture: number };
/**
 * A value renderNginxValue has already turned into its token, made only by `rendered`: a
 * mesh-wide value every proxy prints (the access log format) is rendered once per emit.
 */
export interface RenderedValue { readonly kind: "rendered"; readonly text: string }
export type NginxValue = LiteralValue | RegexValue | TemplateValue | RenderedValue;

// C0 controls, DEL, C1 controls, Unicode line/paragraph separators, bidi embeddings,
// overrides and isolates, zero-width and BOM characters.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069\u200b-\u200f\ufeff]/u;
const VARIABLE_NAME = /^[a-z_][a-z0-9_]*$/;

export type ValueProblem = { readonly kind: "dollar" } | { readonly kind: "unsafe"; readonly codePoint: string };

/** Why `text` cannot be written where nginx expands variables (`expands`) or anywhere at all. */
export function findValueProblem(text: string, expands: boolean): ValueProblem | null {
  const unsafe = UNSAFE.exec(text);
  if (unsafe) return { kind: "unsafe", codePoint: "U+" + unsafe[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0") };
  if (expands && text.includes("$")) return { kind: "dollar" };
  return null;
}

export const literal = (text: string): LiteralValue => ({ kind: "literal", text });
export const regex = (pattern: string, prefix: "" | "~" = "~"): RegexValue => ({ kind: "regex", pattern, prefix });
export const template = (...parts: TemplatePart[]): TemplateValue => ({ kind: "template", parts });

const NEEDS_ESCAPE = /[\\"]/;
/**
 * Text with none of UNSAFE's characters, no `$`, nothing to escape. Made from UNSAFE's own
 * class (same flags), so a character added to UNSAFE is refused by the fast path too.
 */
const PLAIN_LITERAL = new RegExp(`^[^${UNSAFE.source.slice(1, -1)}$\\\\"]*$`, UNSAFE.flags);
const ESCAPED = /[\\"]/g;
/** A pattern with none of UNSAFE's characters and nothing to escape (`$` is fine in a regex). */
const PLAIN_PATTERN = new RegExp(`^[^${UNSAFE.source.slice(1, -1)}\\\\"]*$`, UNSAFE.flags);

function quote(text: string): string {
  // Most values hold neither (every value of every proxy comes through here).
  if (!NEEDS_ESCAPE.test(text)) return `"${text}"`;
  // One pass: the same text as escaping `\` first, then `"` (each gains one backslash).
  return `"${text.replace(ESCAPED, "\\$&")}"`;
}

function assertSafe(text: string, expands: boolean): string {
  const problem = findValueProblem(text, expands);
  if (problem) throw new Error(`unchecked value reached an nginx template (${problem.kind === "dollar" ? "$" : problem.codePoint})`);
  return text;
}

/**
 * One double-quoted nginx token for a view value. Throws when a value skipped the view
 * builder's checks: that is a meshc bug, and emit turns it into MESH3199.
 */
export function renderNginxValue(value: NginxValue): string {
  switch (value.kind) {
    // Most literals hold nothing to refuse or escape: one test instead of three (unsafe, `$`, quoting).
    case "literal": return PLAIN_LITERAL.test(value.text) ? `"${value.text}"` : quote(assertSafe(value.text, true));
    case "regex": {
      const text = value.prefix + value.pattern;
      return PLAIN_PATTERN.test(text) ? `"${text}"` : quote(value.prefix + assertSafe(value.pattern, false));
    }
    case "template": {
      // A loop, not map/join: maps and their keys make most of a conf's values. A text part
      // PLAIN_LITERAL accepts needs neither refusal nor escaping, nor does a variable or
      // capture: a value made only of those is printed as it is, without quote's scan.
      let text = "";
      let plain = true;
      for (const part of value.parts) {
        if (!("text" in part)) text += renderPart(part);
        else if (PLAIN_LITERAL.test(part.text)) text += part.text;
        else {
          plain = false;
          text += assertSafe(part.text, true);
        }
      }
      return plain ? `"${text}"` : quote(text);
    }
    case "rendered": return value.text;
  }
}

function renderPart(part: TemplatePart): string {
  if ("text" in part) return assertSafe(part.text, true);
  if ("capture" in part) {
    if (!Number.isInteger(part.capture) || part.capture < 1 || part.capture > 9) throw new Error(`bad capture ${part.capture}`);
    return `$${part.capture}`;
  }
  if (!VARIABLE_NAME.test(part.variable)) throw new Error(`bad variable name ${part.variable}`);
  return `\${${part.variable}}`;
}

/**
 * `value` with its token rendered now, or `value` itself when renderNginxValue refuses it:
 * the template's render then refuses it as before (MESH3199), and no view builder throws.
 */
export function rendered(value: LiteralValue | RegexValue | TemplateValue): NginxValue {
  try {
    return { kind: "rendered", text: renderNginxValue(value) };
  } catch {
    return value;
  }
}

/**
 * `text`'s token when it needs neither refusal nor escaping, else null: the view's checks
 * render what they accept with the same scan that accepts it (one scan, not a check when
 * the view is built and another at every print).
 */
export function plainLiteralToken(text: string): RenderedValue | null {
  return PLAIN_LITERAL.test(text) ? { kind: "rendered", text: `"${text}"` } : null;
}

/**
 * A fixed literal's token, rendered once when the module loads: constants every proxy prints
 * many times (a bit map's "1" and "0", the fixed header lines) skip the check at each print.
 */
export const renderedLiteral = (text: string): NginxValue => rendered(literal(text));
/** A bit map's values: "1" (the condition holds) and "0". */
export const ONE = renderedLiteral("1");
export const ZERO = renderedLiteral("0");

/**
 * The map key for an empty source value: the exact key `""` (rendered once, at load). nginx
 * never tries a map's regex keys on an empty value (ngx_http_map_find runs them only when
 * the value is non-empty), so `~^$` never matches anything.
 */
export const EMPTY_KEY: NginxValue = rendered({ kind: "regex", pattern: "", prefix: "" });

/** PCRE for a literal string: its metacharacters escaped (a backslash before punctuation is always literal in PCRE). */
export function escapeRegexLiteral(text: string): string {
  return text.replace(/[\\^$.|?*+()[\]{}]/g, (c) => "\\" + c);
}
