// Names that must be unique: route names per calling proxy, rule names, port numbers of a
// service, and generated names (a service called gateway-edge would collide with the proxy
// of gateway edge; one called reviews-v1 with version v1 of reviews).
import { coreCodes } from "../diagnostics/codes.ts";
import { gatewayProxyName } from "../ir/proxies.ts";
import { indexMesh } from "../normalize/mesh-index.ts";
import type { ModelCheck, Report } from "./context.ts";
import { projected } from "./memo.ts";

function reportRepeats<T>(items: readonly T[], key: (t: T) => string, where: (t: T) => string, what: string, report: Report): void {
  if (items.length < 2) return; // nothing to repeat (most services have one port): no map built
  const first = new Map<string, T>();
  for (const item of items) {
    const k = key(item);
    const earlier = first.get(k);
    if (earlier === undefined) { first.set(k, item); continue; }
    report(coreCodes.duplicateName, { message: `${what} "${k}" is already used at ${where(earlier)}`, path: where(item), hint: "give each one its own name" });
  }
}

export const duplicates: ModelCheck = {
  name: "duplicates",
  stage: "model",
  // Of the routes, the names per calling proxy (indexMesh's routesBySource): not what they do.
  reads: (mesh) => [mesh.services, mesh.gateways, mesh.egress, mesh.authorization, projected(mesh.routes, (r) => [r.name, r.origin, r.sources])],
  run(mesh, report) {
    // Route names are unique per calling proxy; a route with several callers is reported once.
    const reported = new Set<string>();
    const once: Report = (code, f) => { if (!reported.has(f.path)) { reported.add(f.path); report(code, f); } };
    for (const routes of indexMesh(mesh).routesBySource.values()) reportRepeats(routes, (r) => r.name, (r) => r.origin, "route name", once);
    reportRepeats(mesh.authorization, (r) => r.name, (r) => r.origin, "authorization rule name", report);
    for (const s of mesh.services) {
      reportRepeats(s.ports, (p) => String(p.port), (p) => p.origin, "port number", report);
    }
    // Generated names share one namespace per proxy: proxies, clusters and virtual hosts are
    // named after services, `gateway-<name>`, `egress-<name>` and `local-<port>`.
    const generated = [
      ...mesh.services.map((s) => ({ name: s.name, origin: s.origin })),
      ...mesh.gateways.map((g) => ({ name: gatewayProxyName(g.name), origin: g.origin })),
      ...mesh.egress.map((e) => ({ name: `egress-${e.name}`, origin: e.origin })),
      // A version is reached through `<service>-<version>` (its cluster and Kubernetes Service).
      ...mesh.services.flatMap((s) => s.versions.map((v) => ({ name: `${s.name}-${v.name}`, origin: `${s.origin}.versions.${v.name}` }))),
    ];
    reportRepeats(generated, (p) => p.name, (p) => p.origin, "generated proxy or cluster name", report);
    for (const s of mesh.services) {
      if (/^local-\d+$/.test(s.name)) report(coreCodes.duplicateName, { message: `service name "${s.name}" is reserved for sidecars' local application clusters`, path: s.origin, hint: "rename the service" });
    }
  },
};
