// Routes: a normalized route becomes one RouteIR in each calling proxy, its backends
// resolved to clusters of that proxy and its weights made to sum to 100.
import type { NBackend, NMesh, NPort, NRetries, NRoute, NService } from "../normalize/model.ts";
import type { ClusterIR, IdentityRefIR, Protocol, RedirectActionIR, RetryCondition, RouteActionIR, RouteIR, WeightedClusterIR } from "./types.ts";
import { DEFAULT_PORTS } from "./path-prefix.ts";
import { buildMeshCluster, clusterName } from "./clusters.ts";
import type { IrParts } from "./parts.ts";
import { sortInPlace } from "./sort.ts";

const DEFAULT_RETRY_ON: Record<Protocol, readonly RetryCondition[]> = {
  http: ["5xx", "connect-failure", "reset"],
  http2: ["5xx", "connect-failure", "reset"],
  grpc: ["connect-failure", "reset", "unavailable"],
  tcp: ["connect-failure"],
};

/** Collects the clusters a proxy needs while its routes are built. */
export class ClusterSet {
  readonly #byName = new Map<string, ClusterIR>();
  constructor(readonly parts: IrParts, private readonly caller: IdentityRefIR) {}
  forService(service: NService, subset: string | null, port: NPort): string {
    // Named first, built once: every route to a destination asks for its cluster again.
    const name = clusterName(service, subset, port);
    if (!this.#byName.has(name)) this.#byName.set(name, buildMeshCluster(this.parts, this.caller, service, subset, port, name));
    return name;
  }
  add(c: ClusterIR): string {
    if (!this.#byName.has(c.name)) this.#byName.set(c.name, c);
    return c.name;
  }
  sorted(): ClusterIR[] {
    return sortInPlace([...this.#byName.values()], (a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }
}

/** The port of `service` a route reaches: the named one, else the only one. */
export function destinationPort(service: NService, portName: string | null): NPort | null {
  // A loop, not `find`: called per route and backend, a closure each time was garbage.
  const ports = service.ports;
  if (portName) for (let i = 0; i < ports.length; i++) if (ports[i]!.name === portName) return ports[i]!;
  return ports.length === 1 ? ports[0]! : null;
}

/** Integer weights summing to 100, by largest remainder (ties to the earlier backend); zero weights dropped. */
export function weightsTo100(weights: readonly number[]): number[] {
  // Most routes have one backend: its share is all of it (100, or 0 when its weight is 0).
  if (weights.length === 1 && Number.isFinite(weights[0])) return [weights[0]! > 0 ? 100 : 0];
  const total = weights.reduce((a, b) => a + b, 0);
  if (total <= 0) return weights.map(() => 0);
  const exact = weights.map((w) => (w * 100) / total);
  const out = exact.map(Math.floor);
  let left = 100 - out.reduce((a, b) => a + b, 0);
  const order = sortInPlace(exact.map((e, i) => ({ i, r: e - Math.floor(e) })), (a, b) => b.r - a.r || a.i - b.i);
  for (const { i } of order) { if (left <= 0) break; out[i]! += 1; left--; }
  return out;
}

export function buildRetries(r: NRetries | null, protocol: Protocol) {
  if (!r || r.retries === 0) return null;
  return {
    retries: r.retries, perTryTimeoutMs: r.perTryTimeoutMs, on: r.on ?? DEFAULT_RETRY_ON[protocol],
    statusCodes: r.statusCodes, idempotentOnly: r.idempotentOnly,
  };
}

export function buildRoute(
  route: NRoute, services: ReadonlyMap<string, NService>, clusters: ClusterSet,
): RouteIR | null {
  const dest = services.get(route.to);
  const port = dest && destinationPort(dest, route.port);
  if (!dest || !port) return null;
  let action: RouteActionIR;
  if (route.action.kind === "forward") {
    const backends = resolveBackends(route.action.backends, port, services, clusters);
    if (backends.length === 0) return null;
    const mirrorService = route.mirror && services.get(route.mirror.service);
    const mirrorPort = mirrorService && destinationPort(mirrorService, port.name);
    action = {
      kind: "forward", backends,
      rewrite: route.rewrite,
      timeoutMs: route.timeoutMs,
      retries: clusters.parts.retries(route.retries, port.protocol),
      mirror: mirrorService && mirrorPort ? { cluster: clusters.forService(mirrorService, null, mirrorPort), percent: route.mirror!.percent } : null,
      fault: route.fault,
    };
  } else {
    action = route.action;
  }
  return {
    name: route.name, origin: route.origin, match: route.hostnames.length > 0 ? { ...route.match, hostnames: route.hostnames } : route.match, action,
    requestHeaders: route.requestHeaders, responseHeaders: route.responseHeaders,
  };
}

function resolveBackends(list: readonly NBackend[], port: NPort, services: ReadonlyMap<string, NService>, clusters: ClusterSet): WeightedClusterIR[] {
  // One backend of a finite weight (most routes): weightsTo100's answer without its two lists.
  const one = list.length === 1 && Number.isFinite(list[0]!.weight) ? (list[0]!.weight > 0 ? 100 : 0) : -1;
  const weights = one >= 0 ? null : weightsTo100(list.map((b) => b.weight));
  const out: WeightedClusterIR[] = [];
  for (let i = 0; i < list.length; i++) {
    const b = list[i]!;
    const weight = weights === null ? one : weights[i]!;
    const svc = services.get(b.service);
    const p = svc && destinationPort(svc, port.name);
    if (!svc || !p || weight === 0) continue;
    if (b.subset && !hasVersion(svc, b.subset)) continue;
    out.push({ cluster: clusters.forService(svc, b.subset, p), weight });
  }
  return out;
}

function hasVersion(service: NService, name: string): boolean {
  for (const v of service.versions) if (v.name === name) return true;
  return false;
}

/**
 * Gateway API's redirect port rules on a listener of known scheme and port: an explicit
 * port stays; a new scheme without a port means that scheme's default; neither keeps the
 * listener's port. A port that is the final scheme's default is not written.
 */
export function resolveRedirectPort(action: RedirectActionIR, listenerScheme: "http" | "https", listenerPort: number): RedirectActionIR {
  const scheme = action.scheme ?? listenerScheme;
  const port = action.port ?? (action.scheme !== null ? null : listenerPort);
  return { ...action, port: port === DEFAULT_PORTS[scheme] ? null : port };
}
