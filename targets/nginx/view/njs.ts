// The request model's njs side (issue 9): nginx 1.22 has no variable for a certificate's URI
// SAN, keeps only the first copy of a repeated header in $http_*, untrimmed, and silently
// drops header names with `_`. One njs module per proxy (`nginx/<proxy>.js`, next to the
// conf: js_import resolves a relative path against the directory of the -c file, so the
// pair works wherever it is copied, a ConfigMap included) holds the fixed functions in
// templates/request-model.js plus small generated wrappers, one per `js_set` variable.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const BASE = readFileSync(join(dirname(fileURLToPath(import.meta.url)), "..", "templates", "request-model.js"), "utf8");

/** What every module starts with (the fixed functions, ~5 kB): made once, not per proxy. */
const MODULE_HEAD = `${BASE.trimEnd()}\n\n// --- this proxy's js_set handlers ------------------------------------------------------\n`;

/** Debian's libnginx-mod-http-js / libnginx-mod-stream-js (and the nginx.org packages) install here. */
export const HTTP_JS_MODULE_PATH = "/usr/lib/nginx/modules/ngx_http_js_module.so";
export const STREAM_JS_MODULE_PATH = "/usr/lib/nginx/modules/ngx_stream_js_module.so";

/** What peerUri accepts (the same pattern as the module): a URI that needs no quoting in a header. */
export const PLAIN_URI = /^[A-Za-z][A-Za-z0-9+.\-]*:[A-Za-z0-9._~%!$&'()*+=:@/-]+$/;

/** The module's import name in the conf. */
export const NJS_IMPORT = "meshc";

export interface JsSetView {
  readonly variable: string;
  /** `meshc.<function>` */
  readonly handler: string;
}

const NO_RULE_HEADERS = "return refusal(r, []);";

/** The js_set variables one block (http or stream) asked for, and their wrapper functions. */
export class NjsFunctions {
  private readonly wrappers = new Map<string, { variable: string; body: string }>();

  /** Wrapper names start with `set_`, which no function of the fixed part uses. */
  private add(name: string, variable: string, body: string): string {
    const fn = `set_${name}`;
    if (!this.wrappers.has(fn)) this.wrappers.set(fn, { variable, body });
    return variable;
  }

  /** `$meshc_peer`: the verified peer's single URI SAN, or "". */
  peer(): string {
    return this.add("peer", "meshc_peer", "return peerUri(r);");
  }

  /** `$meshc_xfcc`: `By=<self>;URI=<peer>`, or "" (proxy_set_header then sends nothing). */
  xfcc(self: string): string {
    // Every forwarding location asks; the body is made once per block.
    if (this.wrappers.has("set_xfcc")) return "meshc_xfcc";
    return this.add("xfcc", "meshc_xfcc", `return xfcc(r, ${JSON.stringify(self)});`);
  }

  /** `$meshc_h_<name>`: "=" + the trimmed value of the header's only copy, "" when absent. `name` is [a-z0-9-]. */
  header(name: string): string {
    const id = name.replace(/-/g, "_");
    return this.add(`h_${id}`, `meshc_h_${id}`, `return header(r, ${JSON.stringify(name)});`);
  }

  /** `$<listener>_refuse`: "b" (400), "u" (403) or "0"; `ruleHeaders` may not repeat. */
  refusal(listenerId: string, ruleHeaders: readonly string[]): string {
    // Most listeners read no header: their body is fixed (no set, sort or JSON per listener).
    const body = ruleHeaders.length === 0 ? NO_RULE_HEADERS : `return refusal(r, ${JSON.stringify([...new Set(ruleHeaders)].sort())});`;
    return this.add(`refuse_${listenerId}`, `${listenerId}_refuse`, body);
  }

  get used(): boolean {
    return this.wrappers.size > 0;
  }

  jsSets(): JsSetView[] {
    return [...this.wrappers.entries()].map(([fn, w]) => ({ variable: w.variable, handler: `${NJS_IMPORT}.${fn}` }));
  }

  /** The wrapper functions, for the module text. */
  source(): string[] {
    return [...this.wrappers.entries()].map(([fn, w]) => `function ${fn}(r) { ${w.body} }`);
  }

  names(): string[] {
    return [...this.wrappers.keys()];
  }
}

/** The module text for one proxy: the fixed functions, then every wrapper http and stream use. */
export function renderNjsModule(blocks: readonly NjsFunctions[]): string {
  const fns = new Map<string, string>();
  for (const b of blocks) {
    const sources = b.source();
    const names = b.names();
    for (let i = 0; i < names.length; i++) fns.set(names[i]!, sources[i]!);
  }
  const names = [...fns.keys()].sort();
  // One loop for both lists (the module of every proxy is made here).
  let functions = "";
  let exported = "";
  for (let i = 0; i < names.length; i++) {
    functions += fns.get(names[i]!)! + "\n";
    exported += i === 0 ? names[i]! : ", " + names[i]!;
  }
  return `${MODULE_HEAD}${functions}\nexport default { ${exported} };\n`;
}

/** Where the module sits next to `nginx/<proxy>.conf`. */
export function njsFileName(proxy: string): string {
  return `${proxy}.js`;
}
