// Clusters: endpoints, load balancing, limits, ejection, health checks, upstream protocol
// and mTLS. One Envoy cluster per IR cluster, in IR order.
import type { ClusterIR, ConnectionLimitsIR, HealthCheckIR, LoadBalancingIR, OutlierDetectionIR } from "../../compiler/ir/types.ts";
import { buildSocketAddress, buildTypedConfig, formatDuration, TYPES, type Json } from "./format.ts";
import { buildUpstreamTransportSocket } from "./tls.ts";
import { clusterSource, type TraceSource } from "../../compiler/trace.ts";
import { sharedTraceMetadata } from "./trace.ts";
import type { SharedSubtrees } from "./shared.ts";

const LB_POLICIES: Record<LoadBalancingIR["policy"], string> = {
  "round-robin": "ROUND_ROBIN", "least-request": "LEAST_REQUEST", "random": "RANDOM", "hash": "RING_HASH",
};

function buildLoadAssignment(cluster: ClusterIR): Json {
  return {
    cluster_name: cluster.name,
    endpoints: [{ lb_endpoints: cluster.endpoints.map((e) => ({ endpoint: { address: buildSocketAddress(e.address, e.port) } })) }],
  };
}

function buildCircuitBreakers(limits: ConnectionLimitsIR): Json {
  return {
    thresholds: [{
      priority: "DEFAULT",
      ...(limits.maxConnections !== null ? { max_connections: limits.maxConnections } : {}),
      ...(limits.maxPendingRequests !== null ? { max_pending_requests: limits.maxPendingRequests } : {}),
      ...(limits.maxRequests !== null ? { max_requests: limits.maxRequests } : {}),
      ...(limits.maxRetries !== null ? { max_retries: limits.maxRetries } : {}),
    }],
  };
}

function buildOutlierDetection(outlier: OutlierDetectionIR): Json {
  return {
    consecutive_5xx: outlier.consecutive5xx,
    interval: formatDuration(outlier.intervalMs),
    base_ejection_time: formatDuration(outlier.baseEjectionMs),
    max_ejection_percent: outlier.maxEjectionPercent,
  };
}

/** gRPC and HTTP/2 upstreams are probed over HTTP/2, or the probe itself would fail. */
function buildHealthCheck(check: HealthCheckIR, protocol: ClusterIR["protocol"]): Json {
  const probe = check.path === null
    ? { tcp_health_check: {} }
    : { http_health_check: { path: check.path, ...(protocol === "http2" || protocol === "grpc" ? { codec_client_type: "HTTP2" } : {}) } };
  return {
    timeout: formatDuration(check.timeoutMs),
    interval: formatDuration(check.intervalMs),
    healthy_threshold: check.healthyThreshold,
    unhealthy_threshold: check.unhealthyThreshold,
    ...probe,
  };
}

/** Envoy speaks HTTP/1.1 upstream unless told otherwise; gRPC needs HTTP/2. */
function buildProtocolOptions(protocol: ClusterIR["protocol"]): Json {
  if (protocol !== "http2" && protocol !== "grpc") return {};
  return {
    typed_extension_protocol_options: {
      [TYPES.httpProtocolOptions]: buildTypedConfig(TYPES.httpProtocolOptions, { explicit_http_config: { http2_protocol_options: {} } }),
    },
  };
}

function upstreamAlpn(protocol: ClusterIR["protocol"]): string[] {
  if (protocol === "tcp") return [];
  return protocol === "http" ? ["http/1.1"] : ["h2"];
}

/** `owner`: the proxy's service or gateway, what its local app's cluster traces to. */
export function buildCluster(cluster: ClusterIR, owner: TraceSource, shared: SharedSubtrees): Json {
  const outlier = cluster.outlierDetection;
  // Members added in place, not spread from temporary objects: every cluster of every proxy,
  // built in V8's baseline tier in a cold compile.
  const out: Record<string, unknown> = {
    name: cluster.name,
    metadata: sharedTraceMetadata(shared, clusterSource(cluster, owner)),
    type: cluster.discovery === "dns" ? "STRICT_DNS" : "STATIC",
    connect_timeout: formatDuration(cluster.connectTimeoutMs),
    lb_policy: LB_POLICIES[cluster.loadBalancing.policy],
    load_assignment: buildLoadAssignment(cluster),
  };
  if (cluster.connectionLimits !== null) out.circuit_breakers = buildCircuitBreakers(cluster.connectionLimits);
  if (outlier !== null) out.outlier_detection = shared.of("outlier", `${outlier.consecutive5xx}\u0000${outlier.intervalMs}\u0000${outlier.baseEjectionMs}\u0000${outlier.maxEjectionPercent}`, () => buildOutlierDetection(outlier));
  if (cluster.healthCheck !== null) out.health_checks = [buildHealthCheck(cluster.healthCheck, cluster.protocol)];
  if (cluster.protocol === "http2" || cluster.protocol === "grpc") Object.assign(out, shared.of("http2-options", "", () => buildProtocolOptions(cluster.protocol)));
  if (cluster.tls !== null) out.transport_socket = buildUpstreamTransportSocket(shared, cluster.tls, upstreamAlpn(cluster.protocol));
  return out;
}
