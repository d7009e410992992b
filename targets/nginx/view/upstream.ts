// Clusters as nginx upstream groups. nginx retries only across server entries of a group
// (`proxy_next_upstream_tries` is also capped by their number), while Envoy retries the same
// host too; so each endpoint is listed as many times as the most retried route using the
// cluster needs attempts. Passive outlier detection and max_conns then count per entry.
import type { ClusterIR, ProxyIR } from "../../../compiler/ir/types.ts";
import { NGINX_CODES } from "../codes.ts";
import { template, type TemplateValue } from "../escape.ts";
import { formatDuration, type ViewContext } from "./context.ts";
import { argVariable, headerVariable } from "./match.ts";
import type { UpstreamServerView, UpstreamView } from "./types.ts";
import { clusterSource, type TraceSource } from "../../../compiler/trace.ts";

export const upstreamName = (cluster: string) => `meshc_${cluster}`;

/** Attempts each cluster must be able to absorb: 1 + the largest retry count of a route reaching it. */
export function collectAttemptsByCluster(proxy: ProxyIR): Map<string, number> {
  // Nested loops, no flattened route list or per-route arrays: this runs for every proxy.
  const attempts = new Map<string, number>();
  const need = (cluster: string, needed: number) => attempts.set(cluster, Math.max(attempts.get(cluster) ?? 1, needed));
  for (const listener of proxy.listeners) {
    if (listener.kind !== "http") continue;
    for (const vhost of listener.virtualHosts) {
      for (const route of vhost.routes) {
        if (route.action.kind !== "forward") continue;
        const needed = 1 + (route.action.retries?.retries ?? 0);
        for (const b of route.action.backends) need(b.cluster, needed);
        if (route.action.mirror) need(route.action.mirror.cluster, needed);
      }
    }
  }
  return attempts;
}

function buildHashKey(ctx: ViewContext, cluster: ClusterIR, layer: "http" | "stream"): TemplateValue | null {
  const lb = cluster.loadBalancing;
  if (lb.policy !== "hash") return null;
  const path = `${cluster.origin}.loadBalancing.hashOn`;
  if (layer === "stream" && lb.hashOn.kind !== "source-ip") {
    // A TCP connection has no header or cookie: like Envoy's tcp_proxy, hash on the client address.
    ctx.report(NGINX_CODES.tcpHashOnSourceIp, path, `TCP traffic to ${cluster.name} cannot hash on a ${lb.hashOn.kind}; it hashes on the client address`);
    return template({ variable: "remote_addr" });
  }
  const variable = lb.hashOn.kind === "header" ? headerVariable(ctx, lb.hashOn.name, path)
    : lb.hashOn.kind === "cookie" ? argVariable(ctx, lb.hashOn.name, path, "cookie_")
    : "remote_addr";
  return variable === null ? null : template({ variable });
}

const HOST = /^([0-9.]+|[0-9a-fA-F:]+|[a-z0-9]([-a-z0-9.]*[a-z0-9])?)$/;

function buildServers(ctx: ViewContext, cluster: ClusterIR, copies: number): UpstreamServerView[] {
  const entries = cluster.endpoints.length * copies;
  const limit = cluster.connectionLimits?.maxConnections ?? null;
  const outlier = cluster.outlierDetection;
  const servers: UpstreamServerView[] = [];
  for (const endpoint of cluster.endpoints) {
    if (!HOST.test(endpoint.address)) {
      ctx.report(NGINX_CODES.invalidDomain, `${cluster.origin}.endpoints`, `endpoint address ${JSON.stringify(endpoint.address)} is not an IP or host name`);
      continue;
    }
    const host = endpoint.address.includes(":") ? `[${endpoint.address}]` : endpoint.address;
    for (let copy = 0; copy < copies; copy++) {
      servers.push({
        address: `${host}:${endpoint.port}`,
        // max_fails=0 turns nginx's default passive check (1 failure ejects for 10 s) off:
        // without outlier detection in the IR, Envoy ejects nothing either.
        maxFails: outlier ? outlier.consecutive5xx : 0,
        failTimeout: outlier ? formatDuration(outlier.baseEjectionMs) : null,
        maxConns: limit === null ? null : Math.max(1, Math.floor(limit / entries)),
      });
    }
  }
  return servers;
}

/** The service or egress a cluster reaches; the local app's is the proxy's own service. */
export function clusterTrace(ctx: ViewContext, cluster: ClusterIR): TraceSource {
  return clusterSource(cluster, ctx.owner);
}

/** One upstream group; `copies` server entries per endpoint (see the top of this file). */
export function buildUpstream(ctx: ViewContext, cluster: ClusterIR, copies: number, layer: "http" | "stream"): UpstreamView {
  const lb = cluster.loadBalancing.policy;
  return {
    trace: clusterTrace(ctx, cluster),
    name: upstreamName(cluster.name),
    method: lb === "least-request" ? "least_conn" : lb === "random" ? "random" : null,
    hashKey: buildHashKey(ctx, cluster, layer),
    servers: buildServers(ctx, cluster, copies),
  };
}

export function buildUpstreams(ctx: ViewContext, proxy: ProxyIR): UpstreamView[] {
  const attempts = collectAttemptsByCluster(proxy);
  const views: UpstreamView[] = [];
  for (const cluster of proxy.clusters) {
    if (!ctx.checkIdentifier(cluster.name, cluster.origin, "cluster name")) continue;
    if (cluster.protocol === "tcp") continue; // only TCP listeners use it: it goes in the stream block (view/stream.ts)
    views.push(buildUpstream(ctx, cluster, attempts.get(cluster.name) ?? 1, "http"));
  }
  return views;
}
