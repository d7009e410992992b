// The handlebars side: one isolated, strict instance; templates are read once, on the first
// render (rendering stays pure). Two helpers: `q` prints an NginxValue through
// renderNginxValue; `trace` prints the comment naming what a block comes from, through
// compiler/trace.ts, whose text is one line of printable ASCII whatever the name holds (a
// newline would end the comment and make the rest a directive). Both return a SafeString
// so no template needs a triple-stash.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadTemplates, type TemplateSet } from "../../compiler/handlebars-templates.ts";
import { renderNginxValue, type NginxValue } from "./escape.ts";
import type { ProxyView } from "./view/types.ts";
import { TRACE_KINDS, traceComment, type TraceSource } from "../../compiler/trace.ts";

const HERE = dirname(fileURLToPath(import.meta.url));
const TEMPLATE_DIR = join(HERE, "templates");
const readTemplate = (name: string) => readFileSync(join(TEMPLATE_DIR, `${name}.hbs`), "utf8");

/** The templates (precompiled by the build in the package; see compiler/handlebars-templates.ts). */
export const nginxTemplates: TemplateSet = {
  precompiledPath: join(HERE, "nginx.templates.cjs"),
  options: { strict: true },
  sources: () => Object.fromEntries(["server", "route", "pass", "nginx.conf"].map((name) => [name, readTemplate(name)])),
};

function isNginxValue(value: unknown): value is NginxValue {
  const kind = (value as { kind?: unknown } | null)?.kind;
  return kind === "literal" || kind === "regex" || kind === "template";
}

/**
 * The handlebars instance and its templates, set up on the first render, not at import: every
 * compile loads the target registry, and one without nginx (a Kubernetes bundle with Envoy
 * sidecars) paid ~50 ms of start-up for templates it never renders.
 */
function createRenderer(): (view: ProxyView) => string {
  const { hb: handlebars, templates } = loadTemplates(nginxTemplates);
  handlebars.registerHelper("q", (value: unknown) => {
    if (!isNginxValue(value)) throw new Error(`q expects an NginxValue, got ${typeof value}`);
    return new handlebars.SafeString(renderNginxValue(value));
  });
  handlebars.registerHelper("trace", (value: unknown) => {
    const source = value as TraceSource | null;
    if (source === null || typeof source !== "object" || !TRACE_KINDS.includes(source.kind) || typeof source.name !== "string") {
      throw new Error(`trace expects a TraceSource, got ${typeof value}`);
    }
    return new handlebars.SafeString(traceComment(source));
  });
  for (const partial of ["server", "route", "pass"]) handlebars.registerPartial(partial, templates[partial]!);
  return templates["nginx.conf"]! as (view: ProxyView) => string;
}

let renderConf: ((view: ProxyView) => string) | null = null;

/** Renders one proxy's nginx.conf; throws only on a meshc bug (emit reports it as MESH3199). */
export function renderProxyConf(view: ProxyView): string {
  return (renderConf ??= createRenderer())(view);
}
