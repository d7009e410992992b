// Traceability: every block a target emits names what in the config produced it, so an
// operator reading nginx/api.conf or envoy/api.yaml can find the route, rule or service
// behind it (and `meshc explain` can find the block behind a decision). One vocabulary
// for every target: "route catalog-canary", "rule web-calls-api", "service api",
// "gateway edge", "egress stripe", "jwt idp" (a JWT provider), "mesh shop" (mesh-wide
// settings: defaults, observability). Comments in nginx and HAProxy, metadata in
// Envoy, an annotation in Kubernetes all carry the same text.
//
// Names, not file:line: a line number in the output would change every generated file
// whenever an unrelated edit moves the config's lines, churning bundles and snapshots.
// Names are stable; `meshc explain` maps them to the config's lines.
import type { AuthzRuleIR, ClusterIR, Origin, ProxyIR, RouteIR } from "./ir/types.ts";

export type TraceKind = "route" | "rule" | "service" | "gateway" | "egress" | "jwt" | "mesh";
export interface TraceSource { readonly kind: TraceKind; readonly name: string }

export const TRACE_KINDS: readonly TraceKind[] = ["route", "rule", "service", "gateway", "egress", "jwt", "mesh"];

/** The entity a JSON path sits under (`services.api.rateLimit` -> service api), or null. */
export function entitySource(origin: Origin): TraceSource | null {
  const m = /^(services|gateways|egress)\.([^.[\]]+)/.exec(origin);
  if (m === null) return null;
  return { kind: m[1] === "services" ? "service" : m[1] === "gateways" ? "gateway" : "egress", name: m[2]! };
}

/** The service a sidecar belongs to, or the gateway a gateway proxy serves. */
export function proxySource(proxy: Pick<ProxyIR, "kind" | "owner">): TraceSource {
  return { kind: proxy.kind === "gateway" ? "gateway" : "service", name: proxy.owner };
}

const IMPLIED_RULE_SUFFIX = "-gateway";
const ROUTE_ORIGIN = /^(gateways\.[^.[\]]+\.)?routes\[\d+\]$/;

/**
 * A route the user wrote carries its own name; the routes meshc makes (the default route
 * to a destination nobody wrote routes for, the inbound route to the local app, an egress
 * route) name the service, gateway or egress they come from.
 */
export function routeSource(route: Pick<RouteIR, "name" | "origin">, owner: TraceSource): TraceSource {
  if (ROUTE_ORIGIN.test(route.origin)) return { kind: "route", name: route.name };
  return entitySource(route.origin) ?? owner;
}

/**
 * A rule the user wrote; or the allow a gateway route implies for its gateway, which the IR
 * names `<route>-gateway` and places at the route (ir/authorization.ts): the route.
 */
export function ruleSource(rule: Pick<AuthzRuleIR, "name" | "origin">, owner: TraceSource): TraceSource {
  if (/^authorization\[\d+\]$/.test(rule.origin)) return { kind: "rule", name: rule.name };
  if (ROUTE_ORIGIN.test(rule.origin) && rule.name.endsWith(IMPLIED_RULE_SUFFIX)) return { kind: "route", name: rule.name.slice(0, -IMPLIED_RULE_SUFFIX.length) };
  return entitySource(rule.origin) ?? owner;
}

/** The service (or egress) a cluster reaches; the local app's cluster belongs to the proxy's service. */
export function clusterSource(cluster: Pick<ClusterIR, "kind" | "service">, owner: TraceSource): TraceSource {
  if (cluster.kind === "mesh" && cluster.service !== "") return { kind: "service", name: cluster.service };
  if (cluster.kind === "egress" && cluster.service !== "") return { kind: "egress", name: cluster.service };
  return owner;
}

const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,252}$/;

/**
 * "route catalog-canary". Names are DNS labels after the schema, but IR reaches emitters
 * from other places too (fixtures, the API): anything else is written as a JSON string
 * with every non-printable or non-ASCII character escaped, so the text is one line of
 * printable ASCII and cannot end a `#` comment or a YAML scalar early.
 */
export function traceText(source: TraceSource): string {
  const name = SAFE_NAME.test(source.name) ? source.name
    : JSON.stringify(source.name).replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
  return `${source.kind} ${name}`;
}

/** The comment line (without indentation) for `#`-comment dialects: nginx, HAProxy. */
export function traceComment(source: TraceSource): string {
  return `# ${traceText(source)}`;
}
