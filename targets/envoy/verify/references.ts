// Checks the protos cannot express: names that must be unique, clusters that routes and
// proxies point at, and the router closing every HTTP filter chain.
import type { CodeInfo } from "../../../compiler/diagnostics/define.ts";
import { ENVOY_CODES } from "../codes.ts";
import { typeNameOf, TYPES } from "../format.ts";
import type { Finding, PathSegment } from "./findings.ts";

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => v !== null && typeof v === "object" && !Array.isArray(v);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const typeOf = (config: unknown): string => (isObject(config) && typeof config["@type"] === "string" ? typeNameOf(config["@type"]) : "");

class ReferenceChecker {
  readonly findings: Finding[] = [];
  constructor(private readonly clusters: ReadonlySet<string>) {}

  private report(info: Finding["info"], path: PathSegment[], message: string, hint: string | null = null): void {
    this.findings.push({ info, path, message, hint, atKey: false });
  }

  /** A cluster name that names no cluster (paths are built only for these: a bundle has hundreds of thousands of references). */
  private unknown(name: unknown): boolean {
    return typeof name === "string" && !this.clusters.has(name);
  }

  checkCluster(name: unknown, path: PathSegment[]): void {
    if (this.unknown(name)) {
      this.report(ENVOY_CODES.unknownCluster, path, `cluster "${String(name)}" is not defined`, "define it under static_resources.clusters");
    }
  }

  /** Whether a route's action names a cluster that is not defined (the cheap test before checkRouteAction). */
  private hasUnknownCluster(action: unknown): boolean {
    if (!isObject(action)) return false;
    if (this.unknown(action.cluster)) return true;
    if (isObject(action.weighted_clusters)) {
      for (const c of list(action.weighted_clusters.clusters)) if (isObject(c) && this.unknown(c.name)) return true;
    }
    for (const m of list(action.request_mirror_policies)) if (isObject(m) && this.unknown(m.cluster)) return true;
    return false;
  }

  /** A route's action; `at` gives its path, called only for a finding. */
  checkRouteAction(action: unknown, at: () => PathSegment[]): void {
    if (!isObject(action)) return;
    if (this.unknown(action.cluster)) this.checkCluster(action.cluster, [...at(), "cluster"]);
    if (isObject(action.weighted_clusters)) {
      list(action.weighted_clusters.clusters).forEach((c, i) => isObject(c) && this.unknown(c.name) && this.checkCluster(c.name, [...at(), "weighted_clusters", "clusters", i, "name"]));
    }
    list(action.request_mirror_policies).forEach((m, i) => isObject(m) && this.unknown(m.cluster) && this.checkCluster(m.cluster, [...at(), "request_mirror_policies", i, "cluster"]));
  }

  checkConnectionManager(hcm: Obj, path: PathSegment[]): void {
    const filters = list(hcm.http_filters);
    // One pass, no arrays or closures: every HTTP listener of every bootstrap comes through here.
    let routers = 0;
    let lastRouter = -1;
    for (let i = 0; i < filters.length; i++) {
      const f = filters[i];
      if (!isObject(f)) continue;
      const type = typeOf(f.typed_config);
      if (type === TYPES.router) { routers++; lastRouter = i; }
      else if (type === TYPES.jwt) this.checkJwtProviders((f.typed_config as Obj).providers, [...path, "http_filters", i]);
    }
    if (routers !== 1 || lastRouter !== filters.length - 1) {
      const routerAt = filters.flatMap((f, i) => (isObject(f) && typeOf(f.typed_config) === TYPES.router ? [i] : []));
      this.report(ENVOY_CODES.routerNotLast, [...path, "http_filters"],
        routers === 0 ? "the HTTP filter chain has no router" : `the router must be the last HTTP filter, exactly once (found at ${routerAt.join(", ")} of ${filters.length})`);
    }
    const routeConfig = hcm.route_config;
    if (!isObject(routeConfig)) return;
    const vhosts = list(routeConfig.virtual_hosts);
    for (let v = 0; v < vhosts.length; v++) {
      const vhost = vhosts[v];
      if (!isObject(vhost)) continue;
      const routes = list(vhost.routes);
      for (let r = 0; r < routes.length; r++) {
        const route = routes[r];
        // The route's path is built only for a finding (a closure per route was most of this loop's garbage).
        if (isObject(route) && this.hasUnknownCluster(route.route)) this.checkRouteAction(route.route, () => [...path, "route_config", "virtual_hosts", v, "routes", r, "route"]);
      }
    }
  }

  private checkJwtProviders(providers: unknown, filterPath: PathSegment[]): void {
    if (!isObject(providers)) return;
    for (const [name, provider] of Object.entries(providers)) {
      const uri = isObject(provider) && isObject(provider.remote_jwks) ? provider.remote_jwks.http_uri : null;
      if (isObject(uri)) this.checkCluster(uri.cluster, [...filterPath, "typed_config", "providers", name, "remote_jwks", "http_uri", "cluster"]);
    }
  }

  checkTcpProxy(proxy: Obj, path: PathSegment[]): void {
    this.checkCluster(proxy.cluster, [...path, "cluster"]);
    if (isObject(proxy.weighted_clusters)) {
      list(proxy.weighted_clusters.clusters).forEach((c, i) => isObject(c) && this.checkCluster(c.name, [...path, "weighted_clusters", "clusters", i, "name"]));
    }
  }

  checkUnique(items: unknown[], basePath: PathSegment[], key: (item: Obj) => string | null, what: string, info: CodeInfo = ENVOY_CODES.duplicateName, field = "name"): void {
    const seen = new Map<string, number>();
    items.forEach((item, i) => {
      if (!isObject(item)) return;
      const k = key(item);
      if (k === null) return;
      const first = seen.get(k);
      if (first !== undefined) this.report(info, [...basePath, i, field], `${what} ${k} is also defined at index ${first}`);
      else seen.set(k, i);
    });
  }
}

function listenerAddress(listener: Obj): string | null {
  const socket = isObject(listener.address) ? listener.address.socket_address : null;
  return isObject(socket) ? `${String(socket.address)}:${String(socket.port_value)}` : null;
}

/** Cross-reference findings for a parsed bootstrap. */
export function collectReferenceFindings(bootstrap: unknown): Finding[] {
  if (!isObject(bootstrap) || !isObject(bootstrap.static_resources)) return [];
  const resources = bootstrap.static_resources;
  const clusters = list(resources.clusters);
  const listeners = list(resources.listeners);
  const names = new Set(clusters.filter(isObject).map((c) => c.name).filter((n): n is string => typeof n === "string"));
  const checker = new ReferenceChecker(names);
  const nameOf = (item: Obj) => (typeof item.name === "string" ? item.name : null);
  checker.checkUnique(clusters, ["static_resources", "clusters"], nameOf, "cluster");
  checker.checkUnique(listeners, ["static_resources", "listeners"], nameOf, "listener");
  checker.checkUnique(listeners, ["static_resources", "listeners"], listenerAddress, "listener address", ENVOY_CODES.duplicateAddress, "address");
  listeners.forEach((listener, l) => {
    if (!isObject(listener)) return;
    list(listener.filter_chains).forEach((chain, c) => {
      if (!isObject(chain)) return;
      list(chain.filters).forEach((filter, f) => {
        if (!isObject(filter) || !isObject(filter.typed_config)) return;
        const path: PathSegment[] = ["static_resources", "listeners", l, "filter_chains", c, "filters", f, "typed_config"];
        const type = typeOf(filter.typed_config);
        if (type === TYPES.hcm) checker.checkConnectionManager(filter.typed_config, path);
        if (type === TYPES.tcpProxy) checker.checkTcpProxy(filter.typed_config, path);
      });
    });
  });
  return checker.findings;
}
