// Helpers for the Envoy tests: emit a fixture, parse a bootstrap, and find the pieces
// (listeners, HCMs, routes, clusters) a test asserts on.
import YAML from "yaml";
import type { MeshIR } from "../../compiler/ir/types.ts";
import { emitEnvoy } from "../../targets/envoy/index.ts";

export type Obj = Record<string, any>;

export function emitBootstraps(ir: MeshIR): Map<string, Obj> {
  return new Map(emitEnvoy(ir).files.map((f) => [f.path.replace(/^envoy\//, "").replace(/\.yaml$/, ""), YAML.parse(f.content) as Obj]));
}

export function bootstrapOf(ir: MeshIR, proxy: string): Obj {
  const found = emitBootstraps(ir).get(proxy);
  if (found === undefined) throw new Error(`no bootstrap for ${proxy}`);
  return found;
}

export function listenerOf(bootstrap: Obj, name: string): Obj {
  const found = bootstrap.static_resources.listeners.find((l: Obj) => l.name === name);
  if (found === undefined) throw new Error(`no listener ${name}`);
  return found;
}

export function clusterOf(bootstrap: Obj, name: string): Obj {
  const found = bootstrap.static_resources.clusters.find((c: Obj) => c.name === name);
  if (found === undefined) throw new Error(`no cluster ${name}`);
  return found;
}

/** The typed_config of the first network filter of the listener's first (or named) chain. */
export function networkFilterOf(listener: Obj, chainName?: string): Obj {
  const chain = chainName === undefined ? listener.filter_chains[0] : listener.filter_chains.find((c: Obj) => c.name === chainName);
  return chain.filters[chain.filters.length - 1].typed_config;
}

export function routesOf(bootstrap: Obj): Obj[] {
  const routes: Obj[] = [];
  for (const listener of bootstrap.static_resources.listeners) {
    const hcm = networkFilterOf(listener);
    for (const vhost of hcm.route_config?.virtual_hosts ?? []) routes.push(...vhost.routes);
  }
  return routes;
}

export function routeOf(bootstrap: Obj, name: string): Obj {
  const found = routesOf(bootstrap).find((r) => r.name === name);
  if (found === undefined) throw new Error(`no route ${name}`);
  return found;
}

export function httpFilterNames(hcm: Obj): string[] {
  return hcm.http_filters.map((f: Obj) => f.name);
}

/** The typed_config of the named HTTP filter of an HCM. */
export function httpFilterOf(hcm: Obj, name: string): Obj {
  const found = hcm.http_filters.find((f: Obj) => f.name === name);
  if (found === undefined) throw new Error(`no HTTP filter ${name}`);
  return found.typed_config;
}
