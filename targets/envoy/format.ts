// Small value builders shared by every Envoy file. Envoy's JSON mapping has a few traps
// (durations, Any, fractional percents, formatter strings); each is handled here once.

/** Prefix of every `@type` URL. */
const TYPE_URL_PREFIX = "type.googleapis.com/";

/** Fully-qualified proto names of the messages reached through `typed_config`. */
export const TYPES = {
  hcm: "envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager",
  tcpProxy: "envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy",
  networkRbac: "envoy.extensions.filters.network.rbac.v3.RBAC",
  networkRateLimit: "envoy.extensions.filters.network.local_ratelimit.v3.LocalRateLimit",
  router: "envoy.extensions.filters.http.router.v3.Router",
  httpRbac: "envoy.extensions.filters.http.rbac.v3.RBAC",
  rbacAction: "envoy.config.rbac.v3.Action",
  uriSanInput: "envoy.extensions.matching.common_inputs.ssl.v3.UriSanInput",
  httpRateLimit: "envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit",
  fault: "envoy.extensions.filters.http.fault.v3.HTTPFault",
  jwt: "envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication",
  tlsInspector: "envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector",
  downstreamTls: "envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext",
  upstreamTls: "envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext",
  httpProtocolOptions: "envoy.extensions.upstreams.http.v3.HttpProtocolOptions",
  stdoutLog: "envoy.extensions.access_loggers.stream.v3.StdoutAccessLog",
} as const;

/** Filter names: the key of per-route config, and what stats and logs say. */
export const FILTER_NAMES = {
  hcm: "envoy.filters.network.http_connection_manager",
  tcpProxy: "envoy.filters.network.tcp_proxy",
  networkRbacDeny: "meshc.network.rbac.deny",
  networkRbacAllow: "meshc.network.rbac.allow",
  networkRateLimit: "envoy.filters.network.local_ratelimit",
  router: "envoy.filters.http.router",
  // Two RBAC filters run in one chain (deny, then allow), so each needs its own name.
  httpRbacDeny: "meshc.rbac.deny",
  httpRbacAllow: "meshc.rbac.allow",
  // The request model's own filters (request-model.ts), first in every HTTP chain.
  httpRequestModel: "meshc.request_model",
  httpSingleIdentity: "meshc.rbac.single_identity",
  httpRateLimit: "envoy.filters.http.local_ratelimit",
  fault: "envoy.filters.http.fault",
  jwt: "envoy.filters.http.jwt_authn",
  tlsInspector: "envoy.filters.listener.tls_inspector",
  tlsSocket: "envoy.transport_sockets.tls",
  stdoutLog: "envoy.access_loggers.stdout",
} as const;

export type Json = { readonly [key: string]: unknown };

/** The URLs of the TYPES messages, made once (not a new string per typed config). */
const TYPE_URLS: ReadonlyMap<string, string> = new Map(Object.values(TYPES).map((name) => [name, TYPE_URL_PREFIX + name]));

/**
 * An `Any`: the `@type` URL plus the message's own fields, as Envoy's JSON mapping wants.
 * Object.assign, not a spread after `@type`: a cold compile builds every typed config in V8's
 * baseline tier, where such a spread is a call into the runtime.
 */
export function buildTypedConfig(typeName: string, body: Json): Json {
  return Object.assign({ "@type": TYPE_URLS.get(typeName) ?? TYPE_URL_PREFIX + typeName }, body);
}

/** The proto name inside an `@type` URL (anything after the last `/`). */
export function typeNameOf(typeUrl: string): string {
  return typeUrl.slice(typeUrl.lastIndexOf("/") + 1);
}

/**
 * Envoy's Duration JSON form: seconds with up to nine decimals and an `s` suffix.
 * "250ms" is not a Duration, so milliseconds always become "0.25s".
 */
export function formatDuration(ms: number): string {
  const whole = Math.trunc(ms / 1000);
  const fraction = Math.round(ms - whole * 1000);
  if (fraction === 0) return `${whole}s`;
  return `${whole}.${String(fraction).padStart(3, "0").replace(/0+$/, "")}s`;
}

/**
 * Header values in Envoy are formatter strings (`%REQ(...)%`, `%ENVIRONMENT(...)%`), so a
 * literal `%` must be doubled; otherwise user text could read the proxy's environment.
 * Every user-supplied header value goes through this one function.
 */
export function escapeHeaderValue(value: string): string {
  return value.replaceAll("%", "%%");
}

/**
 * A FractionalPercent for a percentage. Whole percents use HUNDRED; fractions use MILLION
 * so 0.5% stays 0.5% instead of being rounded away.
 */
export function buildFractionalPercent(percent: number): Json {
  if (Number.isInteger(percent)) return { numerator: percent, denominator: "HUNDRED" };
  return { numerator: Math.round(percent * 10_000), denominator: "MILLION" };
}

export function buildSocketAddress(address: string, port: number): Json {
  return { socket_address: { address, port_value: port } };
}

export function tlsVersionName(version: "1.2" | "1.3"): string {
  return version === "1.2" ? "TLSv1_2" : "TLSv1_3";
}
