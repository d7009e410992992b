// Authorization at a service's inbound side: its rules, deny before allow, each group in
// the user's order, plus one implicit allow per gateway route into the service (so the
// edge can reach what it routes to; explain and diff show it with the route's origin).
import type { NService } from "../normalize/model.ts";
import type { MeshIndex } from "../normalize/mesh-index.ts";
import type { AuthorizationIR, AuthzRuleIR, PrincipalIR } from "./types.ts";
import type { IrParts } from "./parts.ts";
import { sortInPlace } from "./sort.ts";

function principal(parts: IrParts, index: MeshIndex, proxyName: string): PrincipalIR {
  const service = index.services.get(proxyName);
  return parts.principal(service ? service.identity : proxyName);
}

function uniquePrincipals(list: PrincipalIR[]): PrincipalIR[] {
  if (list.length === 1) return list;
  return sortInPlace([...new Map(list.map((p) => [p.name, p])).values()], (a, b) => (a.name < b.name ? -1 : 1));
}

export function buildAuthorization(parts: IrParts, index: MeshIndex, service: NService): AuthorizationIR {
  const rules: AuthzRuleIR[] = (index.rulesByTo.get(service.name) ?? []).map((r) => ({
    name: r.name, origin: r.origin, action: r.action,
    principals: r.from === null ? null : uniquePrincipals(r.from.map((f) => principal(parts, index, f))),
    methods: r.methods, paths: r.paths, headers: r.headers,
  }));
  for (const route of index.routesByTo.get(service.name) ?? []) {
    if (!route.implicitAuthorization) continue;
    const gw = route.sources[0];
    if (!gw) continue;
    rules.push({
      name: `${route.name}-gateway`, origin: route.origin, action: "allow",
      principals: [principal(parts, index, `gateway-${gw.name}`)], methods: [], paths: [], headers: [],
    });
  }
  // Deny before allow, each in order; most services have no deny rule, and then the list is in order already.
  const ordered = rules.some((r) => r.action === "deny") ? [...rules.filter((r) => r.action === "deny"), ...rules.filter((r) => r.action === "allow")] : rules;
  return { defaultAction: service.authorization, rules: ordered };
}
