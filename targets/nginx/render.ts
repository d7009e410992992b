// The handlebars side: one isolated, strict instance; templates are read once at module
// load (rendering stays pure). The only helper is `q`, which prints an NginxValue through
// renderNginxValue; it returns a SafeString so no template needs a triple-stash.
import Handlebars from "handlebars";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { renderNginxValue, type NginxValue } from "./escape.ts";
import type { ProxyView } from "./view/types.ts";

const TEMPLATE_DIR = join(dirname(fileURLToPath(import.meta.url)), "templates");
const readTemplate = (name: string) => readFileSync(join(TEMPLATE_DIR, `${name}.hbs`), "utf8");

const handlebars = Handlebars.create();

function isNginxValue(value: unknown): value is NginxValue {
  const kind = (value as { kind?: unknown } | null)?.kind;
  return kind === "literal" || kind === "regex" || kind === "template";
}

handlebars.registerHelper("q", (value: unknown) => {
  if (!isNginxValue(value)) throw new Error(`q expects an NginxValue, got ${typeof value}`);
  return new handlebars.SafeString(renderNginxValue(value));
});
for (const partial of ["server", "route", "pass"]) {
  handlebars.registerPartial(partial, handlebars.compile(readTemplate(partial), { strict: true }));
}

const renderConf = handlebars.compile<ProxyView>(readTemplate("nginx.conf"), { strict: true });

/** Renders one proxy's nginx.conf; throws only on a meshc bug (emit reports it as MESH3199). */
export function renderProxyConf(view: ProxyView): string {
  return renderConf(view);
}
