// State threaded through one proxy's view building: the maps and splits collected so far
// (nginx declares them at http level), fresh generated names, and diagnostics. One context
// per emit call: nothing here outlives it.
import type { Diagnostic } from "../../../compiler/diagnostics/types.ts";
import { diagnostic, type CodeInfo } from "../../../compiler/diagnostics/define.ts";
import { NGINX_CODES } from "../codes.ts";
import { findValueProblem, literal, plainLiteralToken, regex, rendered, template, type NginxValue } from "../escape.ts";
import { NjsFunctions } from "./njs.ts";
import type { TraceSource } from "../../../compiler/trace.ts";
import type { MapView, PassView, SplitView } from "./types.ts";
import type { AccessLogField } from "../../../compiler/ir/types.ts";
import type { LogFieldVariables } from "./log.ts";

/**
 * What one emitter's proxies share (one IR): the results of checks of IR values every proxy
 * holds by identity (the mesh's cipher list), kept only when the check passed, so a failing
 * value is reported by every proxy as before.
 */
export interface ViewCache {
  readonly ciphers: WeakMap<readonly string[], NginxValue>;
  /** proxy_next_upstream's conditions by their bits (view/pass.ts): a few lists serve every route. */
  readonly nextUpstream: Map<number, string[]>;
  /** The access log format by block variables and IR field list (view/log.ts). */
  readonly logFormats: Map<LogFieldVariables, WeakMap<readonly AccessLogField[], NginxValue>>;
  /** The first-set map keys by prefix, entry i for bit i (view/match.ts): the same in every proxy, rendered once. */
  readonly firstSetKeys: Map<string, NginxValue[]>;
  /**
   * Tokens many proxies print, rendered once per emitter (see ViewContext.variableToken and
   * its siblings): `${name}` by variable name, `"~pattern"` by pattern, `"text"` by literal
   * text. Generated names are positional (`meshc_l0_s0_forbidden` in every sidecar), and the
   * same few variables and patterns (`${uri}`, `^(?:GET)$`) recur in every proxy.
   */
  readonly variableTokens: Map<string, NginxValue>;
  readonly patternTokens: Map<string, NginxValue>;
  readonly literalTokens: Map<string, NginxValue>;
  /** Upstream TLS settings as JSON by IR object (view/pass.ts's sameWire). */
  readonly tlsTexts: WeakMap<object, string>;
  /**
   * A server block's generated names by position, listener then virtual host (view/server.ts):
   * `meshc_l0_s1_forbidden` is the same in every sidecar, so its texts and tokens are made
   * once per emitter, found by two array indices instead of a string key made and hashed.
   */
  readonly serverNames: ServerNames[][];
}

/** The generated names of server block `s` of listener `l` (view/server.ts), and their tokens. */
export interface ServerNames {
  /** `meshc_l<l>_s<s>` */
  readonly id: string;
  readonly routeVariable: string;
  readonly noRoute: string;
  readonly forbidden: string;
  readonly badRequest: string;
  readonly noRouteToken: NginxValue;
  readonly forbiddenToken: NginxValue;
  readonly badRequestToken: NginxValue;
  /** Route r's location name (`<id>_r<r>`) and its token, made as routes need them. */
  readonly routes: string[];
  readonly routeTokens: NginxValue[];
}

export const createViewCache = (): ViewCache => ({
  ciphers: new WeakMap(), nextUpstream: new Map(), logFormats: new Map(), firstSetKeys: new Map(), tlsTexts: new WeakMap(),
  variableTokens: new Map(), patternTokens: new Map(), literalTokens: new Map(), serverNames: [],
});

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const HOST = /^([0-9]{1,3}(\.[0-9]{1,3}){3}|[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*)$/;

export class ViewContext {
  readonly maps: MapView[] = [];
  readonly splits: SplitView[] = [];
  readonly diagnostics: Diagnostic[] = [];
  /** The js_set variables this block (http or stream) reads: see view/njs.ts. */
  readonly njs = new NjsFunctions();
  /** A single cluster's pass settings by cluster (routes to one service share them), built without a diagnostic: see view/pass.ts. */
  readonly passes = new Map<object, { readonly connectTimeoutMs: number; readonly view: PassView }>();

  /** What the maps and splits built now come from (compiler/trace.ts): see `within`. */
  private current: TraceSource;
  get source(): TraceSource { return this.current; }

  /**
   * `requestIdHeader`: pass x-request-id upstream (ObservabilityIR.requestId); `selfSpiffeId`: the proxy's own identity (XFCC `By=`);
   * `owner`: the service or gateway the proxy belongs to, what its own blocks trace to; `mesh`: where mesh-wide settings come from.
   */
  constructor(readonly proxyName: string, readonly file: string, readonly requestIdHeader: boolean, readonly selfSpiffeId = "",
    readonly owner: TraceSource = { kind: "service", name: proxyName }, readonly mesh: TraceSource = { kind: "mesh", name: "" },
    readonly cache: ViewCache = createViewCache()) {
    this.current = owner;
  }

  /** Builds with `source` as the origin of every map and split made meanwhile (they are declared far from their route or rule). */
  within<T>(source: TraceSource, build: () => T): T {
    const outer = this.current;
    this.current = source;
    try { return build(); } finally { this.current = outer; }
  }

  report(info: CodeInfo, path: string, message: string, hint?: string): void {
    this.diagnostics.push(diagnostic(info, { message: `${this.proxyName}: ${message}`, path, hint }));
  }

  /**
   * User text for a place nginx expands variables. Returns null (and reports) when the
   * text holds `$` or an unsafe character; callers then leave the directive out, and the
   * error diagnostic stops the bundle.
   */
  checkLiteral(text: string, path: string, what: string): NginxValue | null {
    // Rendered now: most texts pass PLAIN_LITERAL, whose one scan is the check too.
    return plainLiteralToken(text) ?? (this.checkText(text, path, what, true) ? rendered(literal(text)) : null);
  }

  /**
   * `${name}` (a template of one variable), rendered once per emitter. A value renderNginxValue
   * refuses stays unrendered (`rendered`), so its print still fails as before (MESH3199).
   */
  variableToken(name: string): NginxValue {
    let token = this.cache.variableTokens.get(name);
    if (token === undefined) this.cache.variableTokens.set(name, (token = rendered(template({ variable: name }))));
    return token;
  }

  /** A map's regex key `~pattern`, rendered once per emitter (for patterns every proxy repeats). */
  patternToken(pattern: string): NginxValue {
    let token = this.cache.patternTokens.get(pattern);
    if (token === undefined) this.cache.patternTokens.set(pattern, (token = rendered(regex(pattern))));
    return token;
  }

  /** A literal meshc generated (a location name), rendered once per emitter. */
  literalToken(text: string): NginxValue {
    let token = this.cache.literalTokens.get(text);
    if (token === undefined) this.cache.literalTokens.set(text, (token = rendered(literal(text))));
    return token;
  }

  /** The names of server block `server` of listener `listener`, with route names up to `routes` (see ViewCache.serverNames). */
  serverNames(listener: number, server: number, routes: number): ServerNames {
    const byServer = (this.cache.serverNames[listener] ??= []);
    let names = byServer[server];
    if (names === undefined) {
      const id = `meshc_l${listener}_s${server}`;
      const noRoute = `${id}_no_route`, forbidden = `${id}_forbidden`, badRequest = `${id}_bad_request`;
      names = { id, routeVariable: `${id}_route`, noRoute, forbidden, badRequest, noRouteToken: this.literalToken(noRoute),
        forbiddenToken: this.literalToken(forbidden), badRequestToken: this.literalToken(badRequest), routes: [], routeTokens: [] };
      byServer[server] = names;
    }
    for (let r = names.routes.length; r < routes; r++) {
      const name = `${names.id}_r${r}`;
      names.routes.push(name);
      names.routeTokens.push(this.literalToken(name));
    }
    return names;
  }

  /** User text for a regex position: `$` is fine there, unsafe characters are not. */
  checkPattern(text: string, path: string, what: string): boolean {
    return this.checkText(text, path, what, false);
  }

  private checkText(text: string, path: string, what: string, expands: boolean): boolean {
    const problem = findValueProblem(text, expands);
    if (problem === null) return true;
    if (problem.kind === "dollar") {
      this.report(NGINX_CODES.dollarInValue, path, `${what} contains "$" (U+0024), which nginx would read as a variable`,
        "remove the `$`; nginx has no escape for it in this position");
    } else {
      this.report(NGINX_CODES.unsafeCharacter, path, `${what} contains ${problem.codePoint}`, "remove control and invisible characters");
    }
    return false;
  }

  /** A name that becomes part of an nginx identifier or file name. */
  checkIdentifier(name: string, path: string, what: string): boolean {
    if (DNS_LABEL.test(name) && name.length <= 63) return true;
    this.report(NGINX_CODES.invalidIdentifier, path, `${what} ${JSON.stringify(name)} is not a DNS-1123 label`);
    return false;
  }

  /** A header name nginx sends or hides: an RFC 7230 token. */
  checkHeaderName(name: string, path: string): NginxValue | null {
    // `$` is a token character but nginx would expand it: checkLiteral rejects it.
    if (/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,256}$/.test(name)) return this.checkLiteral(name, path, "header name");
    this.report(NGINX_CODES.invalidHeaderName, path, `header name ${JSON.stringify(name)} is not an HTTP token`);
    return null;
  }

  /** A host name or IP written into a URL, Host header or SNI. */
  checkHost(host: string, path: string, what: string): NginxValue | null {
    if (HOST.test(host) && host.length <= 253) return rendered(literal(host));
    this.report(NGINX_CODES.invalidDomain, path, `${what} ${JSON.stringify(host)} is not a host name or IP address`);
    return null;
  }

  // Fields copied by name, not spread: a spread of the many shapes callers pass, plus a
  // property added after it, took V8's slow path on every call (~20% of the nginx view build).
  addMap(map: Omit<MapView, "trace">): string {
    this.maps.push({ source: map.source, variable: map.variable, entries: map.entries, fallback: map.fallback, trace: this.current });
    return map.variable;
  }

  addSplit(split: Omit<SplitView, "trace">): string {
    this.splits.push({ key: split.key, variable: split.variable, buckets: split.buckets, trace: this.current });
    return split.variable;
  }
}

/** Milliseconds as an nginx time (`ms` is a valid nginx unit; whole seconds read better). */
export function formatDuration(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}
