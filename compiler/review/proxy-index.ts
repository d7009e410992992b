// Where a semantic change lands: `diffIR` reports a fact once (a cluster copied into 100
// callers is one change), so the proxies and services it touches are looked up here, in
// both IRs (a removed route lives only in the old one), to count a cause's reach.
import type { MeshIR, ProxyIR } from "../ir/types.ts";
import type { NMesh } from "../normalize/model.ts";
import type { Change } from "./diff-values.ts";

export interface Location {
  readonly proxies: readonly string[];
  /** Services whose owners are concerned: the subject, and a route's callers. */
  readonly services: readonly string[];
  /** The change in a few words: "svc-98 -> svc-0 (r98-any)" for a route, else its text. */
  readonly example: string;
}

export interface ProxyIndex {
  locate(change: Change): Location;
  ownerOf(service: string): string | null;
}

const CLUSTER_KINDS = new Set(["traffic-policy", "upstream-tls", "endpoint-added", "endpoint-removed", "subset-added", "subset-removed", "service-added", "service-removed", "egress-added", "egress-removed"]);

function add<K, V>(map: Map<K, Set<V>>, key: K, value: V): void {
  let set = map.get(key);
  if (set === undefined) map.set(key, (set = new Set()));
  set.add(value);
}

function callerOf(proxy: ProxyIR): string {
  return proxy.kind === "gateway" ? proxy.name : proxy.owner;
}

export function indexProxies(before: { mesh: NMesh; ir: MeshIR }, after: { mesh: NMesh; ir: MeshIR }): ProxyIndex {
  const routeProxies = new Map<string, Set<ProxyIR>>();
  const clusterHolders = new Map<string, Set<string>>();
  const ownProxy = new Map<string, string>();
  const all = new Set<string>();
  for (const ir of [before.ir, after.ir]) {
    for (const proxy of ir.proxies) {
      all.add(proxy.name);
      ownProxy.set(callerOf(proxy), proxy.name);
      for (const c of proxy.clusters) if (c.kind !== "local") add(clusterHolders, c.service, proxy.name);
      for (const l of proxy.listeners) {
        if (l.kind === "tcp") { add(routeProxies, l.name, proxy); continue; }
        for (const vh of l.virtualHosts) for (const r of vh.routes) add(routeProxies, r.name, proxy);
      }
    }
  }
  const owners = new Map<string, string | null>();
  for (const mesh of [before.mesh, after.mesh]) for (const s of mesh.services) owners.set(s.name, s.owner);
  const isService = (name: string) => owners.has(name);
  // A gateway's routes are reported with the gateway as subject: the config says where they go.
  const routeTo = new Map([...before.mesh.routes, ...after.mesh.routes].map((r) => [r.name, r.to]));
  const own = (subject: string) => (ownProxy.has(subject) ? [ownProxy.get(subject)!] : []);

  return {
    ownerOf: (service) => owners.get(service) ?? null,
    locate(change) {
      const subjectServices = isService(change.subject) ? [change.subject] : [];
      if (change.route !== undefined && change.rule === undefined) {
        const holders = [...(routeProxies.get(change.route) ?? [])];
        const callers = [...new Set(holders.map(callerOf))].sort();
        return {
          proxies: [...new Set(holders.map((p) => p.name))],
          services: [...subjectServices, ...callers.filter(isService)],
          example: `${callers.join(", ") || "?"} -> ${change.subject.startsWith("gateway-") ? routeTo.get(change.route) ?? change.subject : change.subject} (${change.route})`,
        };
      }
      if (change.kind === "mesh-changed") return { proxies: [...all], services: [...owners.keys()], example: change.text };
      if (change.kind === "route-order") {
        const names = [...(change.before as string[] ?? []), ...(change.after as string[] ?? [])];
        const holders = names.flatMap((n) => [...(routeProxies.get(n) ?? [])]);
        return { proxies: [...new Set(holders.map((p) => p.name))], services: subjectServices, example: change.text };
      }
      const proxies = CLUSTER_KINDS.has(change.kind) ? [...own(change.subject), ...(clusterHolders.get(change.subject) ?? [])] : own(change.subject);
      return { proxies: [...new Set(proxies)], services: subjectServices, example: change.text };
    },
  };
}
