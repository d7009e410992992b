// Listeners: the filter chains (one per certificate, plus a plain-text one when mTLS is
// permissive) and the network filters in each: the HTTP connection manager or tcp_proxy.
import type { HttpListenerIR, ListenerIR, ServerTlsIR, TcpListenerIR } from "../../compiler/ir/types.ts";
import { buildAccessLogs } from "./access-log.ts";
import { ENVOY_CODES } from "./codes.ts";
import { report, type ProxyContext } from "./context.ts";
import { buildSocketAddress, buildTypedConfig, FILTER_NAMES, formatDuration, TYPES, type Json } from "./format.ts";
import { buildHttpFilters, buildTokenBucket } from "./http-filters.ts";
import { buildHardening } from "./hardening.ts";
import { buildRbacFilters, hasHttpConditions } from "./rbac.ts";
import { buildClientCertForwarding, buildLocalReplyConfig, buildRequestId, ruleHeaderNames, verifiesClientCertificates } from "./request-model.ts";
import { buildRouteConfiguration } from "./routes.ts";
import { alpnFor, buildDownstreamTransportSocket } from "./tls.ts";
import { listenerSource, sharedTraceMetadata } from "./trace.ts";

function buildConnectionManager(ctx: ProxyContext, listener: HttpListenerIR): Json {
  const inbound = listener.direction === "inbound";
  const accessLogs = buildAccessLogs(ctx.shared, ctx.proxy.observability, "http");
  // The rule-named headers decide the request model's filter and its local replies (request-model.ts).
  const headers = ruleHeaderNames(listener);
  const headersKey = headers.join("\u0000");
  const verifies = verifiesClientCertificates(listener);
  // Members added in place (Object.assign for the shared groups), not spread: a spread after
  // other members is a call into V8's runtime, and a cold compile builds every HCM in the baseline tier.
  const config: Record<string, unknown> = {
    stat_prefix: listener.name,
    // AUTO speaks HTTP/1.1 and HTTP/2 (ALPN over TLS, the h2c preface in plain text).
    // No upgrade_configs, on purpose: Envoy answers any `Upgrade:` request 403 and closes
    // the connection (downstream_rq_ws_on_non_ws_route); an `Upgrade: h2c` is stripped by
    // its HTTP/1 codec and served as plain HTTP/1.1, so no connection is ever upgraded.
    codec_type: "AUTO",
    route_config: buildRouteConfiguration(ctx, listener),
    http_filters: buildHttpFilters(ctx.shared, listener, headers, headersKey),
  };
  if (accessLogs.length > 0) config.access_log = accessLogs;
  Object.assign(config, buildRequestId(ctx.proxy));
  // The request model: every route and RBAC decision, and the upstream, see the path
  // normalized per RFC 3986 (unreserved escapes decoded, dot segments removed) with
  // slashes merged; %2F and %5C are refused with 400 (Istio CVE-2021-31920, -39156).
  config.normalize_path = true;
  config.merge_slashes = true;
  config.path_with_escaped_slashes_action = "REJECT_REQUEST";
  config.local_reply_config = ctx.shared.of("local-reply", headersKey, () => buildLocalReplyConfig(headers));
  Object.assign(config, ctx.shared.of("hardening", listener.protocol, () => buildHardening(listener.protocol)));
  // Inbound, the peer's address is the real client; outbound, it is the local app.
  config.use_remote_address = inbound;
  Object.assign(config, ctx.shared.of("client-cert", String(verifies), () => buildClientCertForwarding(verifies)));
  return { name: FILTER_NAMES.hcm, typed_config: buildTypedConfig(TYPES.hcm, config) };
}

function collectTcpHashPolicy(ctx: ProxyContext, listener: TcpListenerIR): Json[] {
  const hashed = listener.backends.map((b) => ctx.clusters.get(b.cluster)?.loadBalancing).filter((lb) => lb?.policy === "hash");
  if (hashed.length === 0) return [];
  for (const lb of hashed) {
    if (lb?.policy === "hash" && lb.hashOn.kind !== "source-ip") {
      report(ctx, ENVOY_CODES.tcpHashUnsupported, listener.origin, `TCP listener ${listener.name} cannot hash on a ${lb.hashOn.kind}; it hashes on the source IP`);
    }
  }
  return [{ source_ip: {} }];
}

function buildTcpProxy(ctx: ProxyContext, listener: TcpListenerIR): Json {
  for (const backend of listener.backends) {
    const cluster = ctx.clusters.get(backend.cluster);
    if (listener.connectTimeoutMs !== null && cluster !== undefined && cluster.connectTimeoutMs !== listener.connectTimeoutMs) {
      report(ctx, ENVOY_CODES.tcpConnectTimeoutFromCluster, listener.origin,
        `TCP listener ${listener.name} connects to ${cluster.name} with the cluster's ${cluster.connectTimeoutMs} ms timeout, not ${listener.connectTimeoutMs} ms`);
    }
  }
  const target = listener.backends.length === 1
    ? { cluster: listener.backends[0].cluster }
    : { weighted_clusters: { clusters: listener.backends.map((b) => ({ name: b.cluster, weight: b.weight })) } };
  const hashPolicy = collectTcpHashPolicy(ctx, listener);
  const accessLogs = buildAccessLogs(ctx.shared, ctx.proxy.observability, "tcp");
  return {
    name: FILTER_NAMES.tcpProxy,
    typed_config: buildTypedConfig(TYPES.tcpProxy, {
      stat_prefix: listener.name,
      ...target,
      ...(listener.idleTimeoutMs !== null ? { idle_timeout: formatDuration(listener.idleTimeoutMs) } : {}),
      ...(hashPolicy.length > 0 ? { hash_policy: hashPolicy } : {}),
      ...(accessLogs.length > 0 ? { access_log: accessLogs } : {}),
    }),
  };
}

function buildTcpFilters(ctx: ProxyContext, listener: TcpListenerIR): Json[] {
  const filters: Json[] = [];
  if (listener.authorization !== null) {
    for (const rule of listener.authorization.rules.filter(hasHttpConditions)) {
      report(ctx, ENVOY_CODES.tcpAuthzHttpConditions, rule.origin, `rule ${rule.name} has HTTP conditions on TCP listener ${listener.name}; it fails closed`);
    }
    filters.push(...buildRbacFilters(listener.authorization, "network"));
  }
  if (listener.rateLimit !== null) {
    // On TCP the bucket counts connections, not requests.
    filters.push({ name: FILTER_NAMES.networkRateLimit, typed_config: buildTypedConfig(TYPES.networkRateLimit, {
      stat_prefix: `${listener.name}_ratelimit`, token_bucket: buildTokenBucket(listener.rateLimit) }) });
  }
  filters.push(buildTcpProxy(ctx, listener));
  return filters;
}

/**
 * One chain per certificate (matched by SNI when it names hosts). Permissive mTLS adds a
 * plain-text chain; tls_inspector tells the two apart by the first bytes.
 */
function buildFilterChains(ctx: ProxyContext, tls: ServerTlsIR | null, filters: readonly Json[], alpn: readonly string[]): Json[] {
  if (tls === null) return [{ name: "plaintext", filters: [...filters] }];
  const permissive = tls.mode === "permissive";
  const chains: Json[] = tls.certificates.map((cert) => {
    const chain: Record<string, unknown> = { name: `tls-${cert.name}` };
    if (cert.serverNames.length > 0 || permissive) {
      const match: Record<string, unknown> = {};
      if (cert.serverNames.length > 0) match.server_names = [...cert.serverNames];
      if (permissive) match.transport_protocol = "tls";
      chain.filter_chain_match = match;
    }
    chain.filters = [...filters];
    chain.transport_socket = buildDownstreamTransportSocket(ctx.shared, tls, cert, alpn);
    return chain;
  });
  if (permissive) chains.push({ name: "plaintext", filter_chain_match: { transport_protocol: "raw_buffer" }, filters: [...filters] });
  return chains;
}

function needsTlsInspector(tls: ServerTlsIR | null): boolean {
  if (tls === null) return false;
  return tls.mode === "permissive" || tls.certificates.some((c) => c.serverNames.length > 0);
}

export function buildListener(ctx: ProxyContext, listener: ListenerIR): Json {
  const filters = listener.kind === "http" ? [buildConnectionManager(ctx, listener)] : buildTcpFilters(ctx, listener);
  const alpn = alpnFor(listener.kind === "http" ? listener.protocol : "tcp");
  const out: Record<string, unknown> = {
    name: listener.name,
    metadata: sharedTraceMetadata(ctx.shared, listenerSource(ctx.proxy, listener, ctx.clusters)),
    address: buildSocketAddress(listener.address, listener.port),
    traffic_direction: listener.direction === "inbound" ? "INBOUND" : "OUTBOUND",
  };
  if (needsTlsInspector(listener.tls)) {
    out.listener_filters = ctx.shared.of("tls-inspector", "", () => [{ name: FILTER_NAMES.tlsInspector, typed_config: buildTypedConfig(TYPES.tlsInspector, {}) }]);
  }
  out.filter_chains = buildFilterChains(ctx, listener.tls, filters, alpn);
  return out;
}
