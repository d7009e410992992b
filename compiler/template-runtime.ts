// What the template functions compiled by compiler/template-compiler.ts call at run time:
// handlebars 4.7's semantics for the constructs meshc's templates use, and nothing else (no
// frames, no helper wrappers, no partial context copies). Each function mirrors the
// handlebars source named in its comment, so output stays byte-identical to handlebars'
// (test/core/template-compiler.test.ts renders both and compares).

const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#x27;", "`": "&#x60;", "=": "&#x3D;" };
const BAD_CHARS = /[&<>"'`=]/g;
const POSSIBLE = /[&<>"'`=]/;
const escapeChar = (c: string) => ESCAPES[c]!;

export interface TemplateRuntime {
  /** A character `esc` changes: a string without one is printed as it is (the compiled code tests it inline). */
  readonly possible: RegExp;
  esc(value: unknown): string;
  strict(object: unknown, name: string): unknown;
  items(value: unknown): readonly unknown[];
  extend(context: unknown, hash: Record<string, unknown>): Record<string, unknown>;
  indent(text: string, indent: string): string;
}

export const templateRuntime: TemplateRuntime = {
  possible: POSSIBLE,
  /** utils.escapeExpression: `{{x}}` without noEscape (a SafeString-like value prints its toHTML()). */
  esc(value) {
    let text: string;
    if (typeof value !== "string") {
      const html = (value as { toHTML?: () => string } | null | undefined)?.toHTML;
      if (value && html) return html.call(value);
      if (value == null) return "";
      if (!value) return `${value as string}`;
      text = "" + (value as string);
    } else {
      text = value;
    }
    return POSSIBLE.test(text) ? text.replace(BAD_CHARS, escapeChar) : text;
  },
  /** runtime `container.strict`: a strict-mode `{{a.b}}` whose last name is missing throws; then lookupProperty (an inherited value reads as undefined). */
  strict(object, name) {
    if (!object || !(name in (object as object))) throw new Error(`"${name}" not defined in ${object as string}`);
    const value = (object as Record<string, unknown>)[name];
    return value == null || Object.hasOwn(object as object, name) ? value : undefined;
  },
  /** helpers/each: what it iterates (an array as is, holes skipped by the caller; an iterable's values; an object's values in key order; nothing else). */
  items(value) {
    if (!value || typeof value !== "object") return [];
    if (Array.isArray(value)) return value;
    if (typeof (value as Iterable<unknown>)[Symbol.iterator] === "function") return [...(value as Iterable<unknown>)];
    return Object.keys(value).map((key) => (value as Record<string, unknown>)[key]);
  },
  /** runtime invokePartial with a hash: the context's own enumerable properties, then the hash's (utils.extend). */
  extend: (context, hash) => Object.assign({}, context, hash),
  /** invokePartialWrapper: a standalone partial's indentation before every line but a last empty one. */
  indent(text, indent) {
    const lines = text.split("\n");
    for (let i = 0; i < lines.length; i++) {
      if (!lines[i] && i + 1 === lines.length) break;
      lines[i] = indent + lines[i];
    }
    return lines.join("\n");
  },
};
