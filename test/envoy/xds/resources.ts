// Turns an emitted Envoy bootstrap into xDS resources a proxyless gRPC client accepts:
// the listener's HCM becomes an API listener with RDS over ADS, its inline route config
// the RouteConfiguration (unchanged), and each STATIC cluster an EDS cluster plus a
// ClusterLoadAssignment whose locality carries a weight (gRPC ignores unweighted ones).
import type { Obj } from "../helpers.ts";

const TYPE = "type.googleapis.com/";
export const TYPE_URLS = {
  listener: `${TYPE}envoy.config.listener.v3.Listener`,
  route: `${TYPE}envoy.config.route.v3.RouteConfiguration`,
  cluster: `${TYPE}envoy.config.cluster.v3.Cluster`,
  endpoint: `${TYPE}envoy.config.endpoint.v3.ClusterLoadAssignment`,
} as const;

export interface XdsResources {
  /** type URL -> resource name -> resource (with its own @type). */
  readonly byType: ReadonlyMap<string, ReadonlyMap<string, Obj>>;
}

export function deriveXdsResources(bootstrap: Obj, listenerName: string, apiListenerName: string): XdsResources {
  const listener = bootstrap.static_resources.listeners.find((l: Obj) => l.name === listenerName);
  const hcm = listener.filter_chains[0].filters[0].typed_config;
  const routeConfig = hcm.route_config;
  const apiListener = {
    "@type": TYPE_URLS.listener,
    name: apiListenerName,
    api_listener: { api_listener: {
      "@type": hcm["@type"],
      stat_prefix: hcm.stat_prefix,
      rds: { route_config_name: routeConfig.name, config_source: { ads: {}, resource_api_version: "V3" } },
      // RBAC is a server-side filter in gRPC (A41): a client listener carrying one is NACKed.
      // The Envoy output puts the request-model RBAC on every HTTP listener, outbound too;
      // the client side drops it here and the server side (xds-rbac) enforces it.
      http_filters: hcm.http_filters.filter((f: Obj) => !String(f.typed_config["@type"]).endsWith(".rbac.v3.RBAC")),
    } },
  };
  const clusters = new Map<string, Obj>();
  const endpoints = new Map<string, Obj>();
  for (const cluster of bootstrap.static_resources.clusters as Obj[]) {
    clusters.set(cluster.name, {
      "@type": TYPE_URLS.cluster, name: cluster.name, type: "EDS", lb_policy: cluster.lb_policy, connect_timeout: cluster.connect_timeout,
      eds_cluster_config: { service_name: cluster.name, eds_config: { ads: {}, resource_api_version: "V3" } },
    });
    endpoints.set(cluster.name, {
      "@type": TYPE_URLS.endpoint, cluster_name: cluster.name,
      endpoints: cluster.load_assignment.endpoints.map((locality: Obj) => ({ ...locality, load_balancing_weight: { value: 1 }, locality: { region: "local" } })),
    });
  }
  return { byType: new Map<string, Map<string, Obj>>([
    [TYPE_URLS.listener, new Map([[apiListenerName, apiListener]])],
    [TYPE_URLS.route, new Map([[routeConfig.name, { "@type": TYPE_URLS.route, ...routeConfig }]])],
    [TYPE_URLS.cluster, clusters],
    [TYPE_URLS.endpoint, endpoints],
  ]) };
}
