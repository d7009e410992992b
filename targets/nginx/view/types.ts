// The typed view model the nginx templates render. Everything a template prints is either
// meshc's own token (numbers, generated names such as `meshc_s0_r1`, fixed keywords) or an
// NginxValue printed through the single `q` helper; user text never appears any other way.
import type { NginxValue, RegexValue, TemplateValue } from "../escape.ts";
import type { TraceSource } from "../../../compiler/trace.ts";

/** What a block comes from, printed as a comment above it by the `trace` helper (compiler/trace.ts). */
interface Traced { readonly trace: TraceSource }

export interface ProxyView extends Traced {
  readonly pidFile: NginxValue;
  readonly errorLog: NginxValue;
  readonly tempPaths: readonly { readonly directive: string; readonly path: NginxValue }[];
  readonly accessLog: { readonly file: NginxValue; readonly format: NginxValue } | null;
  readonly maps: readonly MapView[];
  readonly splits: readonly SplitView[];
  readonly rateLimitZones: readonly RateLimitZoneView[];
  readonly upstreams: readonly UpstreamView[];
  readonly servers: readonly ServerView[];
  /** The local admin endpoint: /ready for probes and /stats (as HAProxy's and Envoy's admin). */
  readonly admin: { readonly port: number };
  readonly metrics: { readonly port: number } | null;
  /** The `stream {}` block and its `load_module`; null when the proxy has no TCP listener. */
  readonly stream: StreamView | null;
  /** The request model's njs module for the http block (view/njs.ts); null when nothing reads it. */
  readonly njs: NjsView | null;
}

/** `load_module` of the js module, `js_import meshc from <file>` and the js_set variables. */
export interface NjsView {
  readonly modulePath: NginxValue;
  readonly file: NginxValue;
  readonly jsSets: readonly { readonly variable: string; readonly handler: string }[];
}

/** TCP listeners: nginx's stream module, loaded from `modulePath` (view/stream.ts). */
export interface StreamView extends Traced {
  readonly modulePath: NginxValue;
  readonly accessLog: { readonly file: NginxValue; readonly format: NginxValue } | null;
  readonly maps: readonly MapView[];
  readonly splits: readonly SplitView[];
  readonly upstreams: readonly UpstreamView[];
  /** An upstream whose only server is `down`: a denied connection goes there and is closed. */
  readonly denyUpstream: string | null;
  readonly servers: readonly StreamServerView[];
  /** The stream block's njs (peer identity for authorization), or null. */
  readonly njs: NjsView | null;
}

export interface StreamServerView extends Traced {
  readonly listen: string;
  readonly tls: ServerTlsView | null;
  /** proxy_pass target: an upstream name or `$variable` (split and/or authorization), meshc's own token. */
  readonly pass: string;
  readonly connectTimeout: string;
  readonly idleTimeout: string;
  readonly upstreamTls: UpstreamTlsView | null;
}

/** `map SOURCE $variable { KEY VALUE; ... default VALUE; }`; regex keys are tried in order. */
export interface MapView extends Traced {
  /** A template, or its token rendered once (ViewContext.variableToken). */
  readonly source: NginxValue;
  readonly variable: string;
  readonly entries: readonly { readonly key: NginxValue; readonly value: NginxValue }[];
  readonly fallback: NginxValue;
}

/** `split_clients KEY $variable { 90% VALUE; * VALUE; }` keyed on the request id, so a request's choice is random. */
export interface SplitView extends Traced {
  readonly key: TemplateValue;
  readonly variable: string;
  readonly buckets: readonly { readonly share: string; readonly value: NginxValue }[];
}

export interface RateLimitZoneView extends Traced {
  readonly zone: string;
  readonly key: TemplateValue;
  readonly rate: string;
}

export interface UpstreamView extends Traced {
  readonly name: string;
  /** `least_conn` or `random`, or null for round robin / hash. */
  readonly method: string | null;
  readonly hashKey: TemplateValue | null;
  readonly servers: readonly UpstreamServerView[];
}

export interface UpstreamServerView {
  readonly address: string;
  readonly maxFails: number;
  readonly failTimeout: string | null;
  readonly maxConns: number | null;
}

export interface ServerView extends Traced {
  readonly listen: string;
  readonly defaultServer: boolean;
  readonly ssl: boolean;
  readonly http2: boolean;
  readonly serverNames: readonly NginxValue[];
  readonly tls: ServerTlsView | null;
  readonly rateLimit: { readonly zone: string; readonly burst: number } | null;
  /** Permissive mTLS: plain HTTP on the TLS port is served (nginx's 497) through the same dispatch. */
  readonly acceptsPlainText: boolean;
  /** The variable naming the route's named location (see view/dispatch.ts). */
  readonly dispatchVariable: string;
  readonly routes: readonly RouteLocationView[];
  readonly mirrors: readonly MirrorLocationView[];
  /** Named locations answering 404 (no route) and 403 (authorization). */
  readonly noRouteLocation: string;
  readonly forbiddenLocation: string;
  /** Answers 400: the request model refused the request (view/njs.ts). */
  readonly badRequestLocation: string;
}

export interface ServerTlsView {
  readonly certificate: NginxValue;
  readonly certificateKey: NginxValue;
  readonly protocols: string;
  readonly ciphers: NginxValue;
  /** `on` (strict) or `optional` (permissive); null when client certificates are not asked for. */
  readonly verifyClient: "on" | "optional" | null;
  readonly clientCa: NginxValue | null;
}

export interface HeaderLineView {
  readonly name: NginxValue;
  readonly value: NginxValue;
}

export interface RouteLocationView extends Traced {
  readonly name: string;
  /** A second named location answering the injected fault, or null. */
  readonly abort: { readonly name: string; readonly status: number } | null;
  readonly responseHeaders: ResponseHeadersView;
  readonly forward: ForwardView | null;
  readonly redirect: { readonly status: number; readonly url: TemplateValue } | null;
  readonly direct: { readonly status: number; readonly body: NginxValue | null } | null;
}

export interface ResponseHeadersView {
  readonly hide: readonly NginxValue[];
  readonly add: readonly HeaderLineView[];
}

export interface UpstreamTlsView {
  readonly certificate: NginxValue | null;
  readonly certificateKey: NginxValue | null;
  readonly trusted: NginxValue | null;
  /** A literal, or (a split across services) a variable mapped from the chosen upstream. */
  readonly serverName: NginxValue | null;
  readonly protocols: string;
  readonly ciphers: NginxValue;
}

/** Settings shared by a route's proxied request and its mirror. `module` is `proxy` or `grpc`. */
export interface PassView {
  readonly module: "proxy" | "grpc";
  readonly url: TemplateValue;
  readonly tls: UpstreamTlsView | null;
  readonly connectTimeout: string;
}

export interface ForwardView extends PassView {
  /** The Host sent upstream: the client's ($http_host, as Envoy keeps it) or the rewrite's. */
  readonly host: NginxValue;
  readonly requestHeaders: readonly HeaderLineView[];
  readonly rewrite: { readonly pattern: RegexValue; readonly replacement: TemplateValue } | null;
  /** proxy_next_upstream conditions, or [`off`]. */
  readonly nextUpstream: readonly string[];
  readonly tries: number;
  readonly retryTimeout: string | null;
  readonly readTimeout: string | null;
  readonly mirrorUri: string | null;
}

export interface MirrorLocationView extends Traced {
  readonly uri: string;
  /** Named location proxying the copy; the dispatch variable picks it or `skip` by percent. */
  readonly name: string;
  readonly pickVariable: string | null;
  readonly skipName: string;
  /** proxy_set_header lines of the copy (the identity header). */
  readonly requestHeaders: readonly HeaderLineView[];
  readonly pass: PassView;
}
