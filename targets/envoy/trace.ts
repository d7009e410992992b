// Traceability in Envoy (compiler/trace.ts): listeners, virtual hosts, routes and clusters
// carry `metadata.filter_metadata.meshc.source` ("route catalog-canary"), which Envoy keeps
// and shows in its admin config dump but acts on in no filter. RBAC policies have no
// metadata: their keys are the rule names already.
import type { ClusterIR, ListenerIR, ProxyIR, VirtualHostIR } from "../../compiler/ir/types.ts";
import { clusterSource, proxySource, routeSource, traceText, type TraceSource } from "../../compiler/trace.ts";
import type { Json } from "./format.ts";
import type { SharedSubtrees } from "./shared.ts";

/** The namespace of meshc's metadata: no Envoy filter reads it. */
export const TRACE_METADATA_NAMESPACE = "meshc";

export function buildTraceMetadata(source: TraceSource): Json {
  return { metadata: buildSourceMetadata(source) };
}

/** The `metadata` value itself. */
export function buildSourceMetadata(source: TraceSource): Json {
  return buildMetadata(traceText(source));
}

function buildMetadata(text: string): Json {
  return { filter_metadata: { [TRACE_METADATA_NAMESPACE]: { source: text } } };
}

/**
 * The `metadata` of a listener, virtual host or cluster, shared (shared.ts) by everything
 * traced to the same source: a service's clusters and virtual hosts recur in each caller's
 * bootstrap. Routes keep their own (a route's source is unique to it).
 */
export function sharedTraceMetadata(shared: SharedSubtrees, source: TraceSource): Json {
  const text = traceText(source);
  return shared.of("trace", text, () => buildMetadata(text));
}

/** A sidecar's or gateway's own listener; an outbound TCP listener is the destination's. */
export function listenerSource(proxy: ProxyIR, listener: ListenerIR, clusters: ReadonlyMap<string, ClusterIR>): TraceSource {
  const owner = proxySource(proxy);
  if (listener.direction === "inbound" || listener.kind !== "tcp") return owner;
  const first = clusters.get(listener.backends[0]?.cluster ?? "");
  return first ? clusterSource(first, owner) : owner;
}

/** An inbound virtual host is the proxy's own; an outbound one the destination its first route forwards to. */
export function virtualHostSource(proxy: ProxyIR, direction: ListenerIR["direction"], vhost: VirtualHostIR, clusters: ReadonlyMap<string, ClusterIR>): TraceSource {
  const owner = proxySource(proxy);
  const route = vhost.routes[0];
  if (direction === "inbound" || route === undefined) return owner;
  const cluster = route.action.kind === "forward" ? clusters.get(route.action.backends[0]?.cluster ?? "") : undefined;
  return cluster ? clusterSource(cluster, owner) : routeSource(route, owner);
}
