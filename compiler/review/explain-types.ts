// The data `explain` returns: plain, JSON-serializable (`--format json` prints it as is).
import type { FaultIR, HeaderMutationIR, HttpMethod, RateLimitIR, RetryPolicyIR, RewriteIR } from "../ir/types.ts";

export interface ExplainRequest {
  /** A service name (its sidecar), a gateway proxy `gateway-<name>`, or the gateway's name. */
  readonly from: string;
  /** The destination service for a sidecar; the Host (or the destination service) for a gateway. */
  readonly to: string;
  /** GET when omitted. */
  readonly method?: string;
  /**
   * `/` when omitted; a `?query` part is split off and merged with `query`. Read as the
   * proxies read it: normalized (README "Request model"), or refused with 400.
   */
  readonly path?: string;
  /** A header sent several times is given as an array of its values, in order. */
  readonly headers?: Readonly<Record<string, string | readonly string[]>>;
  readonly query?: Readonly<Record<string, string>>;
}

export type ExplainOutcome =
  | "refused"             // the request model refuses it before any decision (bad path 400, upgrade 403, repeated rule header 400)
  | "unknown-source"      // no proxy in the IR is `from`
  | "no-outbound-listener"
  | "no-virtual-host"     // the proxy answers 404: nothing answers to that host
  | "no-route"            // the proxy answers 404: no route matches
  | "redirect"
  | "direct-response"
  | "allowed"             // forwarded, and every destination's authorization allows it
  | "denied"              // every destination denies it (403)
  | "partly-denied"       // a split reaches destinations that decide differently
  | "unknown";            // forwarded to destinations the IR does not describe (no sidecar, egress)

export interface RouteRef {
  readonly name: string;
  readonly origin: string;
}

export interface SkippedRoute extends RouteRef {
  /** Every condition that failed, in evaluation order. */
  readonly reasons: readonly string[];
}

export interface BackendExplanation {
  readonly cluster: string;
  /** "" when the cluster is not in the proxy (a broken IR). */
  readonly service: string;
  readonly subset: string | null;
  readonly weight: number;
}

export type ActionExplanation =
  | {
    readonly kind: "forward";
    readonly backends: readonly BackendExplanation[];
    readonly rewrite: RewriteIR | null;
    /** The path the upstream (and so its authorization) receives. */
    readonly upstreamPath: string;
    readonly timeoutMs: number | null;
    readonly retries: RetryPolicyIR | null;
    /** False when the policy retries idempotent methods only and this method is not one. */
    readonly retriesApply: boolean;
    readonly mirror: (BackendExplanation & { readonly percent: number }) | null;
    readonly fault: FaultIR | null;
    readonly requestHeaders: HeaderMutationIR;
  }
  | { readonly kind: "redirect"; readonly status: number; readonly location: string }
  | { readonly kind: "direct"; readonly status: number; readonly body: string | null };

export interface AuthzRuleEvaluation extends RouteRef {
  readonly action: "allow" | "deny";
  readonly matched: boolean;
  /** Why the rule did not match; empty when it matched. */
  readonly reasons: readonly string[];
}

export interface AuthzExplanation {
  readonly defaultAction: "allow" | "deny";
  /** Deny rules first, then allow rules, each in the user's order: the order they are evaluated. */
  readonly rules: readonly AuthzRuleEvaluation[];
  readonly decision: "allow" | "deny";
  /** The rule that decided, or null when no rule matched and the default decided. */
  readonly decidedBy: (RouteRef & { readonly action: "allow" | "deny" }) | null;
}

export type DestinationDecision =
  | "allow" | "deny"
  | "tls-rejected"      // the TLS handshake cannot succeed (strict mTLS without a client certificate, TLS to plain text)
  | "unauthenticated"   // a required JWT is missing (401)
  | "unknown";          // no sidecar for that service in the IR

export interface DestinationExplanation {
  readonly service: string;
  /** The team owning the service (its `owner`, or its module's); null when none is named. */
  readonly owner: string | null;
  readonly clusters: readonly string[];
  readonly proxy: string | null;
  readonly listener: string | null;
  /** Downstream TLS mode of the destination's inbound listener; "plaintext" when it has none. */
  readonly mtls: "strict" | "permissive" | "server-only" | "plaintext" | null;
  /** The SPIFFE ID the caller presents, or null when its cluster does not present a certificate. */
  readonly callerPrincipal: string | null;
  readonly method: HttpMethod | string;
  /** The path the destination sees (after the route's rewrite). */
  readonly path: string;
  readonly rateLimit: RateLimitIR | null;
  readonly jwt: { readonly provider: string; readonly required: boolean } | null;
  readonly authorization: AuthzExplanation | null;
  readonly decision: DestinationDecision;
  readonly reason: string;
}

export interface Explanation {
  readonly request: {
    readonly from: string; readonly to: string; readonly method: string; readonly path: string;
    readonly headers: Readonly<Record<string, string>>; readonly query: Readonly<Record<string, string>>;
  };
  readonly outcome: ExplainOutcome;
  /** The status the caller gets when a proxy decides it (404, 403, 401, 503, redirect, direct); null when the app answers. */
  readonly status: number | null;
  /** `owner`: the team owning the calling service (its `owner`, or its module's), null when none is named or the caller is a gateway. */
  readonly source: { readonly proxy: string; readonly kind: "sidecar" | "gateway"; readonly spiffeId: string; readonly owner: string | null } | null;
  readonly listener: string | null;
  readonly virtualHost: { readonly name: string; readonly domains: readonly string[] } | null;
  /** Routes evaluated before the match that did not match, and why. */
  readonly skipped: readonly SkippedRoute[];
  readonly route: RouteRef | null;
  /** Routes after the matching one: never evaluated for this request. */
  readonly notReached: readonly RouteRef[];
  readonly action: ActionExplanation | null;
  readonly destinations: readonly DestinationExplanation[];
  readonly notes: readonly string[];
}
