// Renders a view model with an isolated, strict handlebars instance. `hap` is the only way
// a user value reaches a directive (see words.ts); `trace` prints the comment naming what a
// block comes from (compiler/trace.ts: one line of printable ASCII, so no name can end the
// comment and start a directive).
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadTemplates, type TemplateSet } from "../../compiler/handlebars-templates.ts";
import type { ConfigView } from "./view.ts";
import { TRACE_KINDS, traceComment, type TraceSource } from "../../compiler/trace.ts";
import { encodeWord, type Word } from "./words.ts";
import { backendTemplate, configTemplate, dispatchTemplate, httpFrontendTemplate, tcpFrontendTemplate } from "./templates.ts";

/** Thrown only if a view holds a word the builders did not check first: a meshc bug. */
export class UncheckedWordError extends Error {}

/** The templates (precompiled by the build in the package; see compiler/handlebars-templates.ts). */
export const haproxyTemplates: TemplateSet = {
  precompiledPath: join(dirname(fileURLToPath(import.meta.url)), "haproxy.templates.cjs"),
  // noEscape: HTML escaping means nothing to HAProxy; `hap` does the escaping that does.
  options: { strict: true, noEscape: true },
  sources: () => ({
    dispatch: dispatchTemplate, httpFrontend: httpFrontendTemplate, tcpFrontend: tcpFrontendTemplate,
    backend: backendTemplate, config: configTemplate,
  }),
};

/** The templates on a fresh handlebars instance; callers keep it for one emit. */
export function createRenderer(): (view: ConfigView) => string {
  const { hb, templates } = loadTemplates(haproxyTemplates);
  hb.registerHelper("hap", (word: Word) => {
    const encoded = encodeWord(word);
    if (!encoded.ok) throw new UncheckedWordError(encoded.reason);
    return encoded.text;
  });
  hb.registerHelper("trace", (source: TraceSource) => {
    if (source === null || typeof source !== "object" || !TRACE_KINDS.includes(source.kind) || typeof source.name !== "string") {
      throw new UncheckedWordError(`trace expects a TraceSource, got ${typeof source}`);
    }
    return traceComment(source);
  });
  for (const partial of ["dispatch", "httpFrontend", "tcpFrontend", "backend"]) hb.registerPartial(partial, templates[partial]!);
  const config = templates.config! as (view: ConfigView) => string;
  return (view) => config(view);
}
