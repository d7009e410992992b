// `explain`: what the proxies do with one request, answered from the IR alone. The caller's
// proxy picks a virtual host by the destination's name, evaluates routes in order (first
// match wins), applies the matching route's action; the destination's sidecar then
// checks TLS, JWT and authorization on the request as it arrives — with the path the
// route rewrote, since the rewrite happens in the caller's proxy before the request
// leaves it.
import type { ClusterIR, ForwardActionIR, HttpListenerIR, MeshIR, ProxyIR, RouteIR, VirtualHostIR } from "../ir/types.ts";
import { explainDestination, mutateHeaders } from "./explain-destination.ts";
import type {
  ActionExplanation, BackendExplanation, DestinationExplanation, ExplainOutcome, ExplainRequest, Explanation, SkippedRoute,
} from "./explain-types.ts";
import { readExplainRequest } from "./explain-request.ts";
import { replaceMatchedPrefix, rewritePath, routeMismatches, type WireRequest } from "./match.ts";

export type * from "./explain-types.ts";
export { formatExplanation } from "./explain-format.ts";

const IDEMPOTENT = new Set(["GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"]);

function findProxy(ir: MeshIR, from: string): ProxyIR | null {
  return ir.proxies.find((p) => p.name === from)
    ?? ir.proxies.find((p) => p.kind === "gateway" && (p.owner === from || p.name === `gateway-${from}`))
    ?? null;
}

/** Envoy's virtual host selection: exact domain, then `*.suffix`, then `prefix*`, then `*`. The port is ignored. */
export function selectVirtualHost(hosts: readonly VirtualHostIR[], host: string): VirtualHostIR | null {
  const name = host.toLowerCase().replace(/:\d+$/, "");
  const domains = (v: VirtualHostIR) => v.domains.map((d) => d.toLowerCase());
  const longest = (pick: (d: string) => number) => {
    let best: { vhost: VirtualHostIR; length: number } | null = null;
    for (const vhost of hosts) for (const d of domains(vhost)) {
      const length = pick(d);
      if (length > (best?.length ?? 0)) best = { vhost, length };
    }
    return best?.vhost ?? null;
  };
  return hosts.find((v) => domains(v).includes(name))
    ?? longest((d) => (d.startsWith("*") && d.length > 1 && name.endsWith(d.slice(1)) && name.length > d.length - 1 ? d.length : 0))
    ?? longest((d) => (d.endsWith("*") && d.length > 1 && name.startsWith(d.slice(0, -1)) ? d.length : 0))
    ?? hosts.find((v) => domains(v).includes("*"))
    ?? null;
}

function httpListeners(proxy: ProxyIR): HttpListenerIR[] {
  const http = proxy.listeners.filter((l): l is HttpListenerIR => l.kind === "http");
  // A sidecar's app calls out through its outbound listener; a gateway routes what it receives.
  return proxy.kind === "sidecar" ? http.filter((l) => l.direction === "outbound") : http;
}

function forwardsTo(proxy: ProxyIR, vhost: VirtualHostIR, service: string): boolean {
  return vhost.routes.some((r) => r.action.kind === "forward"
    && r.action.backends.some((b) => proxy.clusters.find((c) => c.name === b.cluster)?.service === service));
}

/** A gateway is addressed by Host; as a convenience a destination service picks the one virtual host forwarding to it. */
function findVirtualHost(proxy: ProxyIR, listeners: readonly HttpListenerIR[], to: string, notes: string[]) {
  for (const listener of listeners) {
    const vhost = selectVirtualHost(listener.virtualHosts, to);
    if (vhost !== null) return { listener, vhost };
  }
  if (proxy.kind !== "gateway") return null;
  const candidates = listeners.flatMap((listener) => listener.virtualHosts.filter((v) => forwardsTo(proxy, v, to)).map((vhost) => ({ listener, vhost })));
  if (candidates.length !== 1) return null;
  notes.push(`no virtual host answers to the host ${to}; using ${candidates[0].vhost.name}, the only one forwarding to the service ${to}`);
  return candidates[0];
}

function backendOf(clusters: readonly ClusterIR[], cluster: string, weight: number): BackendExplanation {
  const found = clusters.find((c) => c.name === cluster);
  return { cluster, service: found?.service ?? "", subset: found?.subset ?? null, weight };
}

function explainForward(proxy: ProxyIR, route: RouteIR, action: ForwardActionIR, request: WireRequest): ActionExplanation {
  return {
    kind: "forward",
    backends: action.backends.map((b) => backendOf(proxy.clusters, b.cluster, b.weight)),
    rewrite: action.rewrite,
    upstreamPath: rewritePath(action.rewrite, route.match.path, request.path),
    timeoutMs: action.timeoutMs,
    retries: action.retries,
    retriesApply: action.retries !== null && (!action.retries.idempotentOnly || IDEMPOTENT.has(request.method)),
    mirror: action.mirror === null ? null : { ...backendOf(proxy.clusters, action.mirror.cluster, 100), percent: action.mirror.percent },
    fault: action.fault,
    requestHeaders: route.requestHeaders,
  };
}

/**
 * A redirect's Location. Unset parts keep the request's: the listener's scheme, the Host
 * without its port (a gateway's IR port already follows Gateway API's rules), the path
 * (or its matched prefix replaced) and the query.
 */
function explainAction(proxy: ProxyIR, listener: HttpListenerIR, route: RouteIR, request: WireRequest, host: string): ActionExplanation {
  const action = route.action;
  if (action.kind === "forward") return explainForward(proxy, route, action, request);
  if (action.kind === "direct") return { kind: "direct", status: action.status, body: action.body };
  const scheme = action.scheme ?? (listener.tls === null ? "http" : "https");
  const path = action.path ?? (action.prefix != null ? replaceMatchedPrefix(route.match.path, action.prefix, request.path) : null) ?? request.path;
  const query = new URLSearchParams(request.query).toString();
  const location = `${scheme}://${action.host ?? host.replace(/:\d+$/, "")}${action.port === null ? "" : `:${action.port}`}${path}${query === "" ? "" : `?${query}`}`;
  return { kind: "redirect", status: action.status, location };
}

function destinationsOf(ir: MeshIR, proxy: ProxyIR, action: Extract<ActionExplanation, { kind: "forward" }>, request: WireRequest, ownerOf: OwnerOf): DestinationExplanation[] {
  const services = [...new Set(action.backends.map((b) => b.service))];
  return services.map((service) => explainDestination({
    ir, caller: proxy, service, owner: ownerOf(service),
    clusters: action.backends.filter((b) => b.service === service)
      .map((b) => proxy.clusters.find((c) => c.name === b.cluster)).filter((c): c is ClusterIR => c !== undefined),
    request: { ...request, path: action.upstreamPath, headers: mutateHeaders(request.headers, action.requestHeaders) },
  }));
}

function outcomeOf(destinations: readonly DestinationExplanation[]): { outcome: ExplainOutcome; status: number | null } {
  const decisions = new Set(destinations.map((d) => d.decision));
  if (decisions.size === 1 && decisions.has("allow")) return { outcome: "allowed", status: null };
  if (decisions.size === 1 && decisions.has("unknown")) return { outcome: "unknown", status: null };
  if (!decisions.has("allow") && !decisions.has("unknown")) {
    const only = destinations[0].decision;
    return { outcome: "denied", status: decisions.size === 1 && only === "unauthenticated" ? 401 : decisions.size === 1 && only === "tls-rejected" ? 503 : 403 };
  }
  return { outcome: "partly-denied", status: null };
}

function notesFor(action: ActionExplanation, request: WireRequest): string[] {
  if (action.kind !== "forward") return [];
  const notes: string[] = [];
  if (action.retries !== null && !action.retriesApply) notes.push(`retries apply to idempotent methods only: a ${request.method} is not retried`);
  if (action.fault?.abort) notes.push(`fault injection: ${action.fault.abort.percent}% of requests are aborted with ${action.fault.abort.status}`);
  if (action.fault?.delay) notes.push(`fault injection: ${action.fault.delay.percent}% of requests are delayed ${action.fault.delay.durationMs}ms`);
  if (action.upstreamPath !== request.path) notes.push(`the route rewrites ${request.path} to ${action.upstreamPath}; the destination (and its authorization) sees ${action.upstreamPath}`);
  return notes;
}

/** The team owning a service: the IR names none, so the caller of `explain` passes the config's (`ownersOf(mesh)`). */
export type OwnerOf = (service: string) => string | null;
const noOwners: OwnerOf = () => null;

/** The owners `explain` names, from the normalized config (a service's `owner`, or its module's). */
export function ownersOf(mesh: { readonly services: readonly { readonly name: string; readonly owner: string | null }[] }): OwnerOf {
  const owners = new Map(mesh.services.map((s) => [s.name, s.owner]));
  return (service) => owners.get(service) ?? null;
}

function sourceOf(proxy: ProxyIR, ownerOf: OwnerOf): NonNullable<Explanation["source"]> {
  return { proxy: proxy.name, kind: proxy.kind, spiffeId: proxy.identity.spiffeId, owner: proxy.kind === "sidecar" ? ownerOf(proxy.owner) : null };
}

export function explain(ir: MeshIR, input: ExplainRequest, ownerOf: OwnerOf = noOwners): Explanation {
  const proxy = findProxy(ir, input.from);
  const { request, refusal, notes } = readExplainRequest(ir, input, proxy);
  const empty = { source: null, listener: null, virtualHost: null, skipped: [], route: null, notReached: [], action: null, destinations: [], notes };
  if (refusal !== null) {
    notes.push(refusal.reason);
    return { request, outcome: "refused", status: refusal.status, ...empty, source: proxy === null ? null : sourceOf(proxy, ownerOf) };
  }
  if (proxy === null) {
    notes.push(`no proxy named ${request.from} (nor gateway-${request.from}) in the IR`);
    return { request, outcome: "unknown-source", status: null, ...empty };
  }
  const source = sourceOf(proxy, ownerOf);
  const listeners = httpListeners(proxy);
  if (listeners.length === 0) {
    notes.push(`${proxy.name} has no ${proxy.kind === "sidecar" ? "outbound " : ""}HTTP listener`);
    return { request, outcome: "no-outbound-listener", status: null, ...empty, source };
  }
  const found = findVirtualHost(proxy, listeners, request.to, notes);
  if (found === null) {
    const tcp = proxy.listeners.find((l) => l.kind === "tcp" && l.direction === "outbound"
      && l.backends.some((b) => proxy.clusters.find((c) => c.name === b.cluster)?.service === request.to));
    notes.push(tcp ? `${proxy.name} reaches ${request.to} over TCP only (${tcp.name}): no HTTP routing applies`
      : `${proxy.name} has no virtual host for ${request.to}: the proxy answers 404`);
    return { request, outcome: "no-virtual-host", status: 404, ...empty, source, listener: listeners[0].name };
  }
  const { listener, vhost } = found;
  const at = { source, listener: listener.name, virtualHost: { name: vhost.name, domains: vhost.domains } };
  const skipped: SkippedRoute[] = [];
  for (const [index, route] of vhost.routes.entries()) {
    const reasons = routeMismatches(route.match, { ...request, headers: { host: request.to, ...request.headers } });
    if (reasons.length > 0) {
      skipped.push({ name: route.name, origin: route.origin, reasons });
      continue;
    }
    const action = explainAction(proxy, listener, route, request, request.headers.host ?? request.to);
    const notReached = vhost.routes.slice(index + 1).map((r) => ({ name: r.name, origin: r.origin }));
    const matched = { ...at, skipped, route: { name: route.name, origin: route.origin }, notReached, action };
    notes.push(...notesFor(action, request));
    if (action.kind !== "forward") {
      return { request, outcome: action.kind === "redirect" ? "redirect" : "direct-response", status: action.status, ...matched, destinations: [], notes };
    }
    const destinations = destinationsOf(ir, proxy, action, request, ownerOf);
    return { request, ...outcomeOf(destinations), ...matched, destinations, notes };
  }
  notes.push(`no route in ${vhost.name} matches: the proxy answers 404`);
  return { request, outcome: "no-route", status: 404, ...empty, ...at, skipped };
}
