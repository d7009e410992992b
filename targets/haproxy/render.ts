// Renders a view model with the templates compiled to plain string building
// (compiler/template-compiler.ts; handlebars semantics, strict, noEscape). `hap` is the only
// way a user value reaches a directive (see words.ts); `trace` prints the comment naming what
// a block comes from (compiler/trace.ts: one line of printable ASCII, so no name can end the
// comment and start a directive).
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadTemplates, type TemplateHelpers, type TemplateSet } from "../../compiler/handlebars-templates.ts";
import type { ConfigView } from "./view.ts";
import { TRACE_KINDS, traceComment, type TraceSource } from "../../compiler/trace.ts";
import { encodeWord, type Word } from "./words.ts";
import { configTemplate, dispatchTemplate, httpFrontendTemplate, tcpFrontendTemplate } from "./templates.ts";

/** Thrown only if a view holds a word the builders did not check first: a meshc bug. */
export class UncheckedWordError extends Error {}

/** The templates (compiled by the build in the package; see compiler/handlebars-templates.ts). */
export const haproxyTemplates: TemplateSet = {
  precompiledPath: join(dirname(fileURLToPath(import.meta.url)), "haproxy.templates.cjs"),
  // noEscape: HTML escaping means nothing to HAProxy; `hap` does the escaping that does.
  options: { strict: true, noEscape: true },
  partials: ["dispatch", "httpFrontend", "tcpFrontend"],
  helpers: { hap: { safe: false }, trace: { safe: false } },
  sources: () => ({
    dispatch: dispatchTemplate, httpFrontend: httpFrontendTemplate, tcpFrontend: tcpFrontendTemplate, config: configTemplate,
  }),
};

export const haproxyHelpers: TemplateHelpers = {
  hap(word) {
    // Nearly every word of a view was checked while it was built (BuildContext.check).
    if ((word as Word | null)?.word === "checked") return (word as { text: string }).text;
    const encoded = encodeWord(word as Word);
    if (!encoded.ok) throw new UncheckedWordError(encoded.reason);
    return encoded.text;
  },
  trace(value) {
    const source = value as TraceSource | null;
    if (source === null || typeof source !== "object" || !TRACE_KINDS.includes(source.kind) || typeof source.name !== "string") {
      throw new UncheckedWordError(`trace expects a TraceSource, got ${typeof source}`);
    }
    return traceComment(source);
  },
};

/** The config renderer; callers keep it for one emit. */
export function createRenderer(): (view: ConfigView) => string {
  return loadTemplates(haproxyTemplates, haproxyHelpers).config! as (view: ConfigView) => string;
}
