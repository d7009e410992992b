// The typed view model the templates render. Everything a template prints raw is either
// a number, a literal union owned by the compiler, or an ACL name the compiler made from
// indexes (`AclName`); every user-supplied value is a `Word` printed through `hap`.
import type { Word } from "./words.ts";
import type { TraceSource } from "../../compiler/trace.ts";

/** What a block comes from, printed as a comment above it by the `trace` helper (compiler/trace.ts). */
interface Traced { readonly trace: TraceSource }

/** ACL names are generated from indexes, never from user names. */
export type AclName = `meshc_${string}`;
/** A condition term: an ACL, maybe negated. */
export type AclRef = AclName | `!${AclName}` | "TRUE" | "FALSE";

export interface ConfigView extends Traced {
  readonly logToStdout: boolean;
  /** `lua-load` of the identity converter (identity-lua.ts), relative to the config's folder; null when no listener verifies clients. */
  readonly lua: Word | null;
  /** `http-request normalize-uri` is experimental in 2.6: set when an HTTP frontend exists. */
  readonly experimental: boolean;
  readonly usesDns: boolean;
  readonly admin: { readonly port: number };
  readonly metrics: { readonly port: number } | null;
  readonly httpFrontends: readonly HttpFrontendView[];
  readonly tcpFrontends: readonly TcpFrontendView[];
  readonly backends: readonly BackendView[];
}

export interface BindView {
  /** `address:port`, or for an internal bind the abstract socket name (printed after `abns@`). */
  readonly address: Word;
  /** A permissive listener's inner bind: `abns@NAME accept-proxy` (see PermissiveDispatchView). */
  readonly internal: boolean;
  readonly tls: BindTlsView | null;
  /** Plain-text HTTP/2 (gRPC without TLS). */
  readonly h2c: boolean;
}

export interface BindTlsView {
  /** cert+key bundles; the first is the default certificate. */
  readonly certificates: readonly Word[];
  readonly caFile: Word | null;
  readonly verify: "required" | "optional" | "none";
  readonly minVersion: "TLSv1.2" | "TLSv1.3";
  readonly ciphers: Word;
  /** Null for TCP listeners: no application protocol to negotiate. */
  readonly alpn: "h2,http/1.1" | "http/1.1" | null;
}

/**
 * Permissive mTLS: a `mode tcp` frontend on the listener's public address looks at the
 * first bytes and relays TLS and plain text, with a PROXY v2 header, to the two internal
 * binds of the listener's one frontend (abstract sockets). The routing, authorization and
 * rate-limit rules, and the stick table, exist once, in that frontend.
 */
export interface PermissiveDispatchView {
  readonly name: Word;
  readonly address: Word;
  /** How long to wait for the first bytes; silence that long closes the connection (as Envoy's listener filter timeout). */
  readonly inspectDelayMs: number;
  /** Idle timeout of the relay hop: never shorter than what the inner frontend and backends allow. */
  readonly timeoutMs: number;
  readonly tls: RelayView;
  readonly plain: RelayView;
}

export interface RelayView {
  readonly backend: Word;
  /** Abstract socket name, printed after `abns@`. */
  readonly socket: Word;
}

/**
 * A named ACL line: `acl NAME FETCH[(ARG)][,CONV] FLAGS -- [OPERATOR] PATTERN...`. The `--`
 * is always printed before patterns: HAProxy reads a pattern word starting with `-` as an
 * option (`-i`, `-n`, `--`), quoted or not, which would leave the ACL with no pattern.
 */
export interface AclView {
  readonly name: AclName;
  readonly fetch: AclFetch;
  readonly arg: Word | null;
  readonly flags: string;
  /** Integer comparison for `-m int` / `-m len` patterns (null: equality, or not an integer match). */
  readonly operator: "gt" | "lt" | null;
  readonly patterns: readonly Word[];
  /** The line the fields above make (templates.ts `aclView`): what the templates print. */
  readonly line: Word;
}

export type AclFetch =
  | "path" | "method" | "req.fhdr" | "urlp" | "ssl_c_der,hex,lua.meshc_uri_san" | "var" | "ssl_c_verify" | "ssl_c_used"
  | "hdr(host),field(1,:),lower" | "query";

export interface HeaderRuleView {
  readonly action: "del-header" | "set-header" | "add-header";
  readonly name: Word;
  /** Null for del-header. */
  readonly value: Word | null;
}

export interface RouteView extends Traced {
  readonly index: number;
  readonly acls: readonly AclView[];
  /** Selects this route: the vhost, then every match term. */
  readonly conditions: readonly AclRef[];
  readonly faultAbort: { readonly status: number; readonly threshold: number } | null;
  readonly requestHeaders: readonly HeaderRuleView[];
  readonly responseHeaders: readonly HeaderRuleView[];
  readonly rewritePath: { readonly regex: Word; readonly replacement: Word } | null;
  readonly rewriteHost: Word | null;
  readonly redirects: readonly { readonly location: Word; readonly status: number; readonly conditions: readonly AclRef[] }[];
  readonly direct: { readonly status: number; readonly body: Word | null } | null;
  /** Whether any per-route action line (fault, headers, rewrite, redirect, direct) is printed: it gets the route's comment. */
  readonly hasActions: boolean;
  /** Cumulative weights: a backend is used when the pick is below `below` (null: always). */
  readonly backends: readonly { readonly name: Word; readonly below: number | null }[];
  /**
   * The route's three parts of its frontend, written from the fields above once they are
   * set (templates.ts `routeTexts`): its comment, ACLs and choice line; its action lines
   * under its comment (null: none); its use_backend lines under its comment (null: none).
   */
  readonly select: Word;
  readonly actions: Word | null;
  readonly use: Word | null;
}

export interface AuthzView {
  /** Shared by every rule: the peer presented a certificate, and it verified. */
  readonly acls: readonly AclView[];
  /** Each rule's own ACLs under its comment (rules without terms of their own are left out). */
  readonly ruleAcls: readonly (Traced & { readonly acls: readonly AclView[] })[];
  readonly denyRules: readonly (Traced & { readonly conditions: readonly AclRef[] })[];
  readonly allowRules: readonly (Traced & { readonly conditions: readonly AclRef[] })[];
  readonly defaultDeny: boolean;
}

/**
 * What every HTTP frontend does before any routing or authorization rule (the request
 * model): refuse what cannot be normalized one way, normalize the path, refuse upgrades and
 * repeated copies of headers that rules read, and replace the client's identity header.
 */
export interface RequestGuardView {
  /** Header names a route match or authorization rule of this listener reads: a second copy is a 400. */
  readonly singleHeaders: readonly Word[];
  /** The x-forwarded-client-cert value set for a verified peer with an identity (mTLS listeners); null: only removed. */
  readonly clientCert: Word | null;
}

export interface HttpFrontendView extends Traced {
  readonly name: Word;
  readonly dispatch: PermissiveDispatchView | null;
  readonly binds: readonly BindView[];
  readonly logFormat: Word | null;
  /** Set x-request-id when missing (sidecars), or always (`replace`: gateways do not trust a client's). */
  readonly requestId: { readonly replace: boolean } | null;
  readonly guards: RequestGuardView;
  readonly rateLimit: { readonly limit: number; readonly windowMs: number } | null;
  readonly authz: AuthzView | null;
  /** The host-selector lines (templates.ts `vhostSelectorLine`) in Envoy's order: exact domains, longest suffix wildcards, then `*`; a word holds one line or several. */
  readonly vhostSelectors: readonly Word[];
  /** ACLs shared by every route: vhost chosen, route chosen, weighted pick below N. */
  readonly acls: readonly AclView[];
  readonly usesPick: boolean;
  readonly routes: readonly RouteView[];
}

export interface TcpFrontendView extends Traced {
  readonly name: Word;
  readonly dispatch: PermissiveDispatchView | null;
  readonly binds: readonly BindView[];
  readonly logFormat: Word | null;
  readonly idleTimeoutMs: number | null;
  readonly authz: AuthzView | null;
  /** Connections admitted per window (Envoy's TCP local rate limit counts connections too). */
  readonly rateLimit: { readonly limit: number; readonly windowMs: number } | null;
  readonly usesPick: boolean;
  readonly backends: readonly { readonly name: Word; readonly below: number | null }[];
}

export interface BackendView extends Traced {
  readonly name: Word;
  readonly mode: "http" | "tcp";
  /** `balance KEYWORD[(KEY)]`. */
  readonly balance: { readonly keyword: "roundrobin" | "leastconn" | "random" | "source" | "hdr" | "hash req.cook"; readonly key: Word | null; readonly consistent: boolean };
  readonly connectTimeoutMs: number;
  readonly serverTimeoutMs: number;
  readonly retries: { readonly count: number; readonly on: string } | null;
  readonly idempotentOnly: boolean;
  readonly httpCheck: { readonly path: Word; readonly timeoutMs: number } | null;
  readonly checkTimeoutMs: number | null;
  readonly observe: "layer4" | "layer7";
  /** Whether a server resolves its address through DNS (the config then declares the resolvers). */
  readonly dns: boolean;
  /**
   * The `server` lines, each ending in a newline: the cluster's servers (ServerView) written by
   * templates.ts `serverLine` once per proxy and observe layer, printed whole by every backend
   * of the proxy that reaches the cluster.
   */
  readonly servers: Word;
  /** The whole block the fields above make (templates.ts `backendText`): what the config template prints. */
  readonly text: Word;
}

export interface ServerView {
  readonly name: string;
  readonly address: Word;
  readonly dns: boolean;
  readonly maxconn: number | null;
  readonly maxqueue: number | null;
  readonly check: { readonly interMs: number; readonly rise: number; readonly fall: number } | null;
  readonly errorLimit: number | null;
  readonly tls: ServerTlsView | null;
  /** Plain-text HTTP/2 to the upstream (gRPC/http2 without TLS). */
  readonly protoH2: boolean;
}

export interface ServerTlsView {
  readonly certificate: Word | null;
  /** Null means the system trust store. */
  readonly caFile: Word | null;
  readonly verifyHost: Word | null;
  readonly sni: Word | null;
  readonly minVersion: "TLSv1.2" | "TLSv1.3";
  readonly ciphers: Word;
  readonly alpnH2: boolean;
}
