// Route changes: each route lives in exactly one proxy (its caller's sidecar, or a
// gateway), keyed by proxy and route name. A route is compared through a plain summary —
// matches in words, the split as weights per subset — so a change reads as the user
// would write it ("split v1 90% -> 50%"), not as IR paths.
import type { ClusterIR, ProxyIR, RouteActionIR, RouteIR, MeshIR, WeightedClusterIR } from "../ir/types.ts";
import { compareValues, describeChange, formatValue, sameValue, type Change } from "./diff-values.ts";
import { describePathMatch, describeStringMatch } from "./match.ts";

interface RouteFacts {
  readonly from: string;
  readonly subject: string;
  readonly name: string;
  readonly summary: Record<string, unknown>;
}

function backendLabel(clusters: readonly ClusterIR[], subject: string, cluster: string): string {
  const c = clusters.find((x) => x.name === cluster);
  if (c === undefined) return cluster;
  if (c.subset === null) return c.service;
  return c.service === subject ? c.subset : `${c.service} ${c.subset}`;
}

function split(clusters: readonly ClusterIR[], subject: string, backends: readonly WeightedClusterIR[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const b of backends) {
    const label = backendLabel(clusters, subject, b.cluster);
    out[label] = (out[label] ?? 0) + b.weight;
  }
  return out;
}

function summarizeAction(action: RouteActionIR, clusters: readonly ClusterIR[], subject: string): Record<string, unknown> {
  if (action.kind === "redirect") return { redirect: { scheme: action.scheme, host: action.host, port: action.port, path: action.path, ...(action.prefix != null ? { prefix: action.prefix } : {}), status: action.status } };
  if (action.kind === "direct") return { direct: { status: action.status, body: action.body } };
  return {
    split: split(clusters, subject, action.backends),
    timeoutMs: action.timeoutMs,
    retries: action.retries,
    rewrite: action.rewrite === null ? null : {
      prefix: action.rewrite.prefix, ...(action.rewrite.path != null ? { path: action.rewrite.path } : {}), host: action.rewrite.host,
      regex: action.rewrite.regex === null ? null : `${action.rewrite.regex.pattern} -> ${action.rewrite.regex.substitution}`,
    },
    mirror: action.mirror === null ? null : { to: backendLabel(clusters, subject, action.mirror.cluster), percent: action.mirror.percent },
    fault: action.fault,
  };
}

function summarizeRoute(route: RouteIR, clusters: readonly ClusterIR[], subject: string): Record<string, unknown> {
  const headers = (m: RouteIR["requestHeaders"]) => ({
    set: m.set.map((h) => `${h.name}: ${h.value}`), add: m.add.map((h) => `${h.name}: ${h.value}`), remove: m.remove,
  });
  return {
    match: {
      path: route.match.path === null ? "any" : describePathMatch(route.match.path),
      methods: route.match.methods, headers: route.match.headers.map(describeStringMatch), query: route.match.query.map(describeStringMatch),
      ...(route.match.hostnames?.length ? { hostnames: route.match.hostnames } : {}),
    },
    action: route.action.kind,
    ...summarizeAction(route.action, clusters, subject),
    requestHeaders: headers(route.requestHeaders),
    responseHeaders: headers(route.responseHeaders),
  };
}

function routingListeners(proxy: ProxyIR) {
  return proxy.listeners.filter((l) => proxy.kind === "gateway" || l.direction === "outbound");
}

/** Every route (HTTP routes and outbound TCP forwards), keyed by proxy and name, plus each virtual host's route order. */
function collectRoutes(ir: MeshIR) {
  const routes = new Map<string, RouteFacts>();
  const orders = new Map<string, { from: string; subject: string; names: string[] }>();
  for (const proxy of ir.proxies) {
    const from = proxy.kind === "gateway" ? proxy.name : proxy.owner;
    for (const listener of routingListeners(proxy)) {
      if (listener.kind === "tcp") {
        const subject = proxy.clusters.find((c) => c.name === listener.backends[0]?.cluster)?.service ?? listener.name;
        const summary = { port: listener.port, split: split(proxy.clusters, subject, listener.backends), idleTimeoutMs: listener.idleTimeoutMs, connectTimeoutMs: listener.connectTimeoutMs };
        routes.set(`${proxy.name}\0${listener.name}`, { from, subject, name: listener.name, summary });
        continue;
      }
      for (const vhost of listener.virtualHosts) {
        // A sidecar's outbound virtual host is named after its destination; a gateway's routes belong to the gateway.
        const subject = proxy.kind === "gateway" ? proxy.name : vhost.name;
        orders.set(`${proxy.name}\0${listener.name}\0${vhost.name}`, { from, subject, names: vhost.routes.map((r) => r.name) });
        for (const route of vhost.routes) {
          routes.set(`${proxy.name}\0${route.name}`, { from, subject, name: route.name, summary: summarizeRoute(route, proxy.clusters, subject) });
        }
      }
    }
  }
  return { routes, orders };
}

function oneLine(summary: Record<string, unknown>): string {
  const match = summary.match as Record<string, unknown> | undefined;
  const target = summary.split !== undefined
    ? Object.entries(summary.split as Record<string, number>).map(([k, w]) => `${k} ${w}%`).join(", ")
    : formatValue("", summary.redirect ?? summary.direct);
  return `${match === undefined ? `port ${summary.port}` : formatValue("", match.path)} -> ${summary.action ?? "forward"} ${target}`;
}

function changeText(field: string, before: unknown, after: unknown): string {
  if (field.startsWith("split.")) return `split ${field.slice(6)} ${before ?? 0}% -> ${after ?? 0}%`;
  return describeChange(field, before, after);
}

function withZeroWeights(a: Record<string, unknown>, b: Record<string, unknown>): void {
  // A subset absent from a split receives 0%: say "v3 0% -> 10%", not "none -> 10".
  if (a.split === undefined || b.split === undefined) return;
  for (const label of Object.keys(b.split as object)) (a.split as Record<string, number>)[label] ??= 0;
  for (const label of Object.keys(a.split as object)) (b.split as Record<string, number>)[label] ??= 0;
}

function compareRoute(before: RouteFacts, after: RouteFacts, out: Change[]): void {
  const ctx = ` on ${after.from} -> ${after.subject} (${after.name})`;
  const base = { subject: after.subject, route: after.name };
  if (before.summary.action !== after.summary.action) {
    out.push({ ...base, kind: "route-changed", field: "action", before: oneLine(before.summary), after: oneLine(after.summary),
      text: `${after.subject}: action ${oneLine(before.summary)} -> ${oneLine(after.summary)}${ctx}` });
    return;
  }
  const a = structuredClone(before.summary);
  const b = structuredClone(after.summary);
  withZeroWeights(a, b);
  compareValues("", a, b, (field, x, y) => {
    out.push({ ...base, kind: "route-changed", field, before: x, after: y, text: `${after.subject}: ${changeText(field, x, y)}${ctx}` });
  });
}

export function diffRoutes(before: MeshIR, after: MeshIR): Change[] {
  const old = collectRoutes(before);
  const now = collectRoutes(after);
  const out: Change[] = [];
  for (const [key, facts] of old.routes) {
    if (now.routes.has(key)) continue;
    out.push({ kind: "route-removed", subject: facts.subject, route: facts.name, field: "route", before: oneLine(facts.summary), after: null,
      text: `${facts.subject}: route ${facts.name} removed from ${facts.from} -> ${facts.subject} (was ${oneLine(facts.summary)})` });
  }
  for (const [key, facts] of now.routes) {
    const was = old.routes.get(key);
    if (was !== undefined) compareRoute(was, facts, out);
    else out.push({ kind: "route-added", subject: facts.subject, route: facts.name, field: "route", before: null, after: oneLine(facts.summary),
      text: `${facts.subject}: route ${facts.name} added on ${facts.from} -> ${facts.subject} (${oneLine(facts.summary)})` });
  }
  for (const [key, order] of now.orders) {
    const was = old.orders.get(key);
    if (was === undefined) continue;
    const common = (names: string[], other: string[]) => names.filter((n) => other.includes(n));
    const x = common(was.names, order.names);
    const y = common(order.names, was.names);
    if (sameValue(x, y)) continue;
    out.push({ kind: "route-order", subject: order.subject, field: "order", before: x, after: y,
      text: `${order.subject}: route order on ${order.from} -> ${order.subject} ${x.join(", ")} -> ${y.join(", ")} (the first match wins)` });
  }
  return out;
}
