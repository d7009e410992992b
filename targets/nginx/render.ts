// Renders the templates (compiled to plain string building by compiler/template-compiler.ts;
// handlebars semantics, strict, HTML-escaping `{{x}}`), read once, on the first render (rendering
// stays pure). Two helpers: `q` prints an NginxValue through renderNginxValue; `trace` prints
// the comment naming what a block comes from, through compiler/trace.ts, whose text is one
// line of printable ASCII whatever the name holds (a newline would end the comment and make
// the rest a directive). Both are declared safe (a handlebars SafeString: printed unescaped)
// so no template needs a triple-stash.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadTemplates, type TemplateHelpers, type TemplateSet } from "../../compiler/handlebars-templates.ts";
import { renderNginxValue, type NginxValue, type RenderedValue } from "./escape.ts";
import type { ProxyView } from "./view/types.ts";
import { TRACE_KINDS, traceComment, type TraceSource } from "../../compiler/trace.ts";

const HERE = dirname(fileURLToPath(import.meta.url));
const TEMPLATE_DIR = join(HERE, "templates");
const readTemplate = (name: string) => readFileSync(join(TEMPLATE_DIR, `${name}.hbs`), "utf8");

/** The templates (compiled by the build in the package; see compiler/handlebars-templates.ts). */
export const nginxTemplates: TemplateSet = {
  precompiledPath: join(HERE, "nginx.templates.cjs"),
  options: { strict: true },
  partials: ["server", "route", "pass"],
  helpers: { q: { safe: true }, trace: { safe: true } },
  sources: () => Object.fromEntries(["server", "route", "pass", "nginx.conf"].map((name) => [name, readTemplate(name)])),
};

export const nginxHelpers: TemplateHelpers = {
  q(value) {
    // One switch on the kind (a value already rendered first: it needs nothing else).
    switch ((value as { kind?: unknown } | null)?.kind) {
      case "rendered": {
        const text = (value as RenderedValue).text;
        if (typeof text === "string") return text;
        throw new Error(`q expects a rendered value's text, got ${typeof text}`);
      }
      case "literal": case "regex": case "template": return renderNginxValue(value as NginxValue);
      default: throw new Error(`q expects an NginxValue, got ${typeof value}`);
    }
  },
  trace(value) {
    const source = value as TraceSource | null;
    if (source === null || typeof source !== "object" || !TRACE_KINDS.includes(source.kind) || typeof source.name !== "string") {
      throw new Error(`trace expects a TraceSource, got ${typeof value}`);
    }
    return traceComment(source);
  },
};

/** Made on the first render, not at import: a compile without nginx does not pay for it. */
let renderConf: ((view: ProxyView) => string) | null = null;

/** The nginx.conf renderer, loaded on first use. */
export function nginxRenderer(): (view: ProxyView) => string {
  return (renderConf ??= loadTemplates(nginxTemplates, nginxHelpers)["nginx.conf"]! as (view: ProxyView) => string);
}

/** Renders one proxy's nginx.conf, as one flat string; throws only on a meshc bug (emit reports it as MESH3199). */
export function renderProxyConf(view: ProxyView): string {
  return flatten(nginxRenderer()(view));
}

/**
 * `text`, made one flat string now. A render is a tree of thousands of concatenation nodes
 * (V8 cons strings, each a heap object). The compile pipeline holds a chunk of proxies' files
 * until it hashes and writes them, so the trees outlived young-generation collections and
 * were copied and promoted node by node, then walked when hashed. Flattened at once, the
 * nodes die young and one flat string is kept (the hash would flatten it anyway): measured
 * at 1,000 services, `--target nginx` ~4.19 -> ~4.09 G instructions. ToNumber flattens its
 * string first (V8's String::ToNumber) and stops at the leading `#`: no copy, no parse.
 */
export function flatten(text: string): string {
  Number(text);
  return text;
}
