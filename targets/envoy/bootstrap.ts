// The whole bootstrap of one proxy: node, admin, static listeners and clusters, plus
// the stats listener and JWKS clusters the IR implies but does not list.
import { buildCluster } from "./clusters.ts";
import type { ProxyContext } from "./context.ts";
import { buildSocketAddress, buildTypedConfig, FILTER_NAMES, TYPES, type Json } from "./format.ts";
import { buildJwksCluster } from "./jwt.ts";
import { buildListener } from "./listeners.ts";
import { buildOverloadManager } from "./overload.ts";
import { proxySource, traceText, type TraceSource } from "../../compiler/trace.ts";
import { buildTraceMetadata } from "./trace.ts";

const GENERATED_BY = "meshc: do not edit; change the mesh config and compile again";

/** Underscore cannot occur in a DNS-1123 name, so these never collide with IR names. */
export const ADMIN_CLUSTER = "meshc_admin";
export const STATS_LISTENER = "meshc_prometheus";

/**
 * Prometheus scrapes `/stats/prometheus` (or `/metrics`) on the metrics port; only that
 * path reaches the admin interface, whose other endpoints can change the proxy's state.
 */
function buildStatsListener(port: number, mesh: TraceSource): Json {
  const toAdmin = { cluster: ADMIN_CLUSTER, timeout: "5s" };
  return {
    name: STATS_LISTENER,
    ...buildTraceMetadata(mesh),
    address: buildSocketAddress("127.0.0.1", port),
    filter_chains: [{
      filters: [{
        name: FILTER_NAMES.hcm,
        typed_config: buildTypedConfig(TYPES.hcm, {
          stat_prefix: STATS_LISTENER,
          codec_type: "AUTO",
          route_config: {
            name: STATS_LISTENER,
            virtual_hosts: [{ name: "stats", domains: ["*"], ...buildTraceMetadata(mesh), routes: [
              { name: "prometheus", ...buildTraceMetadata(mesh), match: { path: "/stats/prometheus", headers: [{ name: ":method", string_match: { exact: "GET" } }] }, route: toAdmin },
              { name: "metrics", ...buildTraceMetadata(mesh), match: { path: "/metrics", headers: [{ name: ":method", string_match: { exact: "GET" } }] },
                route: { ...toAdmin, prefix_rewrite: "/stats/prometheus" } },
            ] }],
          },
          http_filters: [{ name: FILTER_NAMES.router, typed_config: buildTypedConfig(TYPES.router, {}) }],
        }),
      }],
    }],
  };
}

function buildAdminCluster(address: string, port: number, mesh: TraceSource): Json {
  return {
    name: ADMIN_CLUSTER,
    ...buildTraceMetadata(mesh),
    type: "STATIC",
    connect_timeout: "1s",
    load_assignment: { cluster_name: ADMIN_CLUSTER, endpoints: [{ lb_endpoints: [{ endpoint: { address: buildSocketAddress(address, port) } }] }] },
  };
}

export function buildBootstrap(ctx: ProxyContext, meshName: string): Json {
  const proxy = ctx.proxy;
  const metricsPort = proxy.observability.metricsPort;
  const listeners = proxy.listeners.map((l) => buildListener(ctx, l));
  const owner = proxySource(proxy);
  const clusters = proxy.clusters.map((c) => buildCluster(c, owner, ctx.shared));
  for (const listener of proxy.listeners) {
    const jwks = listener.kind === "http" && listener.jwt !== null ? buildJwksCluster(ctx, listener.jwt) : null;
    if (jwks !== null && !clusters.some((c) => c.name === jwks.name)) clusters.push(jwks);
  }
  if (metricsPort !== null) {
    // The metrics port is a mesh-wide setting (`observability.metricsPort`).
    const mesh: TraceSource = { kind: "mesh", name: meshName };
    const { address, port } = proxy.admin;
    listeners.push(ctx.shared.of("stats-listener", `${metricsPort}\u0000${meshName}`, () => buildStatsListener(metricsPort, mesh)));
    clusters.push(ctx.shared.of("admin-cluster", `${address}\u0000${port}\u0000${meshName}`, () => buildAdminCluster(address, port, mesh)));
  }
  return {
    // The file's header: what it is and where it comes from (YAML comments would not survive a config dump).
    node: { id: proxy.name, cluster: proxy.owner, metadata: { mesh: meshName, kind: proxy.kind, source: traceText(owner), generated_by: GENERATED_BY } },
    admin: ctx.shared.of("admin", `${proxy.admin.address}\u0000${proxy.admin.port}`, () => ({ address: buildSocketAddress(proxy.admin.address, proxy.admin.port) })),
    static_resources: { listeners, clusters },
    overload_manager: ctx.shared.of("overload-manager", "", buildOverloadManager),
  };
}
