// Renders a view model with an isolated, strict handlebars instance. `hap` is the only way
// a user value reaches a directive (see words.ts); `trace` prints the comment naming what a
// block comes from (compiler/trace.ts: one line of printable ASCII, so no name can end the
// comment and start a directive).
import Handlebars from "handlebars";
import type { ConfigView } from "./view.ts";
import { TRACE_KINDS, traceComment, type TraceSource } from "../../compiler/trace.ts";
import { encodeWord, type Word } from "./words.ts";
import { backendTemplate, configTemplate, dispatchTemplate, httpFrontendTemplate, tcpFrontendTemplate } from "./templates.ts";

/** Thrown only if a view holds a word the builders did not check first: a meshc bug. */
export class UncheckedWordError extends Error {}

/** Compiles the templates on a fresh handlebars instance; callers keep it for one emit. */
export function createRenderer(): (view: ConfigView) => string {
  const hb = Handlebars.create();
  // noEscape: HTML escaping means nothing to HAProxy; `hap` does the escaping that does.
  const options = { strict: true, noEscape: true } as const;
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
  hb.registerPartial("dispatch", hb.compile(dispatchTemplate, options));
  hb.registerPartial("httpFrontend", hb.compile(httpFrontendTemplate, options));
  hb.registerPartial("tcpFrontend", hb.compile(tcpFrontendTemplate, options));
  hb.registerPartial("backend", hb.compile(backendTemplate, options));
  const config = hb.compile<ConfigView>(configTemplate, options);
  return (view) => config(view);
}
