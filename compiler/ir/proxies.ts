// Proxy IR: one sidecar per service, one proxy per gateway. Each gets inbound listeners
// (TLS, authorization, rate limit, JWT, then its local app or its routes) and outbound
// listeners (one HTTP listener with a virtual host per destination, one TCP listener per
// TCP destination port).
import type { NMesh, NPort, NRoute, NService } from "../normalize/model.ts";
import type {
  HttpListenerIR, IdentityRefIR, JwtIR, ListenerIR, ProxyIR, RouteIR, ServerTlsIR, TcpListenerIR, VirtualHostIR,
} from "./types.ts";
import { buildEgressCluster, buildLocalCluster, serviceHost } from "./clusters.ts";
import type { IrParts } from "./parts.ts";
import { sortInPlace, sortStrings } from "./sort.ts";
import { buildAuthorization } from "./authorization.ts";
import { mayCall, type MeshIndex } from "../normalize/mesh-index.ts";
import { ClusterSet, buildRoute, destinationPort, resolveRedirectPort } from "./routes.ts";

const NO_HEADERS = { set: [], add: [], remove: [] } as const;
const ANY_MATCH = { path: null, methods: [], headers: [], query: [] } as const;
const ANY_DOMAIN = ["*"];

export function gatewayProxyName(gateway: string): string {
  return `gateway-${gateway}`;
}

/** The same for every caller of the destination port: made once per build (parts.ts). */
function domainsFor(parts: IrParts, service: string, port: NPort, onlyHttpPort: boolean): string[] {
  return parts.domains(service, port, onlyHttpPort, () => {
    const names = [service, `${service}.${parts.mesh.namespace}`, serviceHost(parts.mesh, service)];
    const withPort = names.map((n) => `${n}:${port.port}`);
    return sortStrings(onlyHttpPort ? [...names, ...withPort] : withPort);
  });
}

function jwtFor(mesh: NMesh, service: NService, certDir: string): JwtIR | null {
  const provider = service.jwt && mesh.jwtProviders.find((p) => p.name === service.jwt!.provider);
  if (!service.jwt || !provider) return null;
  return {
    provider: provider.name, issuer: provider.issuer, audiences: provider.audiences, jwksUri: provider.jwksUri,
    jwksFile: provider.jwksFile ? `${certDir}/jwks/${provider.jwksFile}` : null, required: service.jwt.required, origin: service.jwt.origin,
  };
}

/**
 * Where the sidecar listens for a service port's inbound traffic: the port itself, or with
 * capture a port of its own (`capture.inboundPort` + the port's index in name order), since
 * the app keeps the service port and iptables redirects connections to it here.
 */
export function inboundListenerPort(mesh: NMesh, service: NService, port: NPort): number {
  if (!mesh.defaults.capture) return port.port;
  return mesh.defaults.capture.inboundPort + service.ports.findIndex((p) => p.name === port.name);
}

function inboundListeners(parts: IrParts, index: MeshIndex, service: NService, self: IdentityRefIR, clusters: ClusterSet): ListenerIR[] {
  const { mesh, certDir } = parts;
  // One for all of the service's ports: it depends on the service alone.
  const authorization = buildAuthorization(parts, index, service);
  const tls: ServerTlsIR = {
    mode: service.mtls, minVersion: mesh.defaults.tls.minVersion, ciphers: mesh.defaults.tls.ciphers,
    certificates: [{ name: self.name, serverNames: [], certFile: self.certFile, keyFile: self.keyFile }], clientCaFile: self.caFile,
  };
  // Object literals in the order a spread of the common fields gave (name ... origin, then
  // kind and the rest): the JSON, and so every digest and `--emit ir`, stays the same.
  return service.ports.map((port): ListenerIR => {
    const local = clusters.add(buildLocalCluster(mesh, port));
    const name = `inbound-${port.port}`;
    const listenPort = inboundListenerPort(mesh, service, port);
    if (port.protocol === "tcp") {
      return {
        name, direction: "inbound", address: "0.0.0.0", port: listenPort, tls, authorization, rateLimit: service.rateLimit, origin: port.origin,
        kind: "tcp", backends: [{ cluster: local, weight: 100 }], idleTimeoutMs: null, connectTimeoutMs: mesh.defaults.connectTimeoutMs,
      };
    }
    const route: RouteIR = {
      name, origin: port.origin, match: ANY_MATCH,
      action: { kind: "forward", backends: [{ cluster: local, weight: 100 }], rewrite: null, timeoutMs: null, retries: null, mirror: null, fault: null },
      requestHeaders: NO_HEADERS, responseHeaders: NO_HEADERS,
    };
    return {
      name, direction: "inbound", address: "0.0.0.0", port: listenPort, tls, authorization, rateLimit: service.rateLimit, origin: port.origin,
      kind: "http", protocol: port.protocol, jwt: jwtFor(mesh, service, certDir), virtualHosts: [{ name: "local", domains: ANY_DOMAIN, routes: [route] }],
    };
  });
}

/** The default route to a destination nobody wrote routes for: everything, to the whole service. */
function defaultRoute(mesh: NMesh, dest: NService, port: NPort, clusters: ClusterSet): RouteIR {
  return {
    name: `default-${dest.name}-${port.name}`, origin: dest.origin, match: ANY_MATCH,
    action: {
      kind: "forward", backends: [{ cluster: clusters.forService(dest, null, port), weight: 100 }], rewrite: null,
      timeoutMs: mesh.defaults.timeoutMs, retries: clusters.parts.retries(mesh.defaults.retries, port.protocol), mirror: null, fault: null,
    },
    requestHeaders: NO_HEADERS, responseHeaders: NO_HEADERS,
  };
}

/** Destinations a sidecar needs outbound config for: those it routes to and those it may call. */
function candidateDestinations(index: MeshIndex, service: NService, routes: readonly NRoute[]): string[] {
  // Added one by one, not spread into a Set from three copied lists: built for every sidecar.
  // (Indexed loops and forEach, here and below: in code V8 has not optimized yet, which is
  // most of a compile's, every step of a for-of allocates an iterator result.)
  const names = new Set<string>();
  for (let i = 0; i < routes.length; i++) names.add(routes[i]!.to);
  const add = (n: string) => { names.add(n); };
  index.callableBy.get(service.name)?.forEach(add);
  index.openTo.forEach(add);
  names.delete(service.name);
  const out: string[] = [];
  names.forEach((n) => { if (index.services.has(n)) out.push(n); });
  return sortStrings(out);
}

function outboundListeners(parts: IrParts, index: MeshIndex, service: NService, routes: readonly NRoute[], clusters: ClusterSet): ListenerIR[] {
  const mesh = parts.mesh;
  const services = index.services;
  const vhosts: VirtualHostIR[] = [];
  const tcp: TcpListenerIR[] = [];
  const byDest = new Map<string, NRoute[]>();
  // push, not a spread copy: copying the list on every route made 20,000 routes quadratic (50 s).
  for (let i = 0; i < routes.length; i++) { const r = routes[i]!; const list = byDest.get(r.to); if (list) list.push(r); else byDest.set(r.to, [r]); }
  const destinations = candidateDestinations(index, service, routes);
  for (let d = 0; d < destinations.length; d++) {
    const destName = destinations[d]!;
    const dest = services.get(destName)!;
    const own = byDest.get(destName) ?? [];
    const callable = mayCall(index, service.name, dest.name);
    // Only how many: a count, not a filtered copy per destination of every sidecar.
    let httpPorts = 0;
    for (let p = 0; p < dest.ports.length; p++) if (dest.ports[p]!.protocol !== "tcp") httpPorts++;
    for (let p = 0; p < dest.ports.length; p++) {
      const port = dest.ports[p]!;
      // A service of one port: every route to it reaches that port (destinationPort).
      const forPort = dest.ports.length === 1 ? own : own.filter((r) => destinationPort(dest, r.port)?.name === port.name);
      if (forPort.length === 0 && !callable) continue;
      if (port.protocol === "tcp") {
        const route = forPort[0];
        const backends = route && route.action.kind === "forward"
          ? route.action.backends.map((b) => ({ cluster: clusters.forService(services.get(b.service) ?? dest, b.subset, port), weight: b.weight }))
          : [{ cluster: clusters.forService(dest, null, port), weight: 100 }];
        tcp.push({
          kind: "tcp", name: `outbound-tcp-${port.port}`, direction: "outbound", address: "127.0.0.1", port: port.port,
          tls: null, authorization: null, rateLimit: null, origin: route?.origin ?? dest.origin, backends,
          idleTimeoutMs: route?.idleTimeoutMs ?? null, connectTimeoutMs: mesh.defaults.connectTimeoutMs,
        });
        continue;
      }
      const built: RouteIR[] = [];
      for (let i = 0; i < forPort.length; i++) { const r = buildRoute(forPort[i]!, services, clusters); if (r !== null) built.push(r); }
      vhosts.push({
        name: httpPorts > 1 ? `${dest.name}-${port.name}` : dest.name,
        domains: domainsFor(parts, dest.name, port, httpPorts === 1),
        routes: forPort.length > 0 ? built : [defaultRoute(mesh, dest, port, clusters)],
      });
    }
  }
  for (let e = 0; e < mesh.egress.length; e++) {
    const egress = mesh.egress[e]!;
    if (!egress.from.includes(service.name)) continue;
    const cluster = clusters.add(buildEgressCluster(mesh, egress));
    vhosts.push({
      name: `egress-${egress.name}`, domains: [egress.host, `${egress.host}:${egress.port}`].sort(),
      routes: [{
        name: `egress-${egress.name}`, origin: egress.origin, match: ANY_MATCH,
        action: { kind: "forward", backends: [{ cluster, weight: 100 }], rewrite: null, timeoutMs: egress.timeoutMs, retries: null, mirror: null, fault: null },
        requestHeaders: NO_HEADERS, responseHeaders: NO_HEADERS,
      }],
    });
  }
  const listeners: ListenerIR[] = [...tcp];
  if (vhosts.length > 0) {
    listeners.push({
      kind: "http", name: "outbound-http", direction: "outbound", address: "127.0.0.1", port: mesh.defaults.outboundPort, protocol: "http",
      tls: null, authorization: null, rateLimit: null, jwt: null, origin: "routes",
      virtualHosts: sortInPlace(vhosts, (a, b) => (a.name < b.name ? -1 : 1)),
    });
  }
  return listeners;
}

const byPort = (a: ListenerIR, b: ListenerIR) => a.port - b.port || (a.name < b.name ? -1 : 1);

/** `parts`: one per build, shared by its proxies (parts.ts). */
export function buildSidecar(parts: IrParts, index: MeshIndex, service: NService): ProxyIR {
  const identity = parts.identity(service.identity);
  const clusters = new ClusterSet(parts, identity);
  const routes = index.routesBySource.get(`service:${service.name}`) ?? [];
  const listeners = inboundListeners(parts, index, service, identity, clusters);
  const outbound = outboundListeners(parts, index, service, routes, clusters);
  for (let i = 0; i < outbound.length; i++) listeners.push(outbound[i]!);
  return {
    name: service.name, kind: "sidecar", owner: service.name, identity,
    admin: parts.admin(),
    listeners: sortInPlace(listeners, byPort), clusters: clusters.sorted(), observability: parts.observability(),
  };
}

export function gatewayCertificateName(host: string): string {
  return host.replace(/^\*\./, "wildcard.").replace(/\./g, "-");
}

export function buildGatewayProxy(parts: IrParts, index: MeshIndex, gatewayName: string): ProxyIR {
  const { mesh, certDir } = parts;
  const services = index.services;
  const gw = mesh.gateways.find((g) => g.name === gatewayName)!;
  const name = gatewayProxyName(gw.name);
  const identity = parts.identity(name);
  const clusters = new ClusterSet(parts, identity);
  const routes = (index.routesBySource.get(`gateway:${gw.name}`) ?? [])
    .map((r) => buildRoute(r, services, clusters))
    .filter((r): r is RouteIR => r !== null)
    .map((r) => (r.action.kind === "redirect" ? { ...r, action: resolveRedirectPort(r.action, gw.tls ? "https" : "http", gw.port) } : r));
  const tls: ServerTlsIR | null = gw.tls ? {
    mode: "server-only", minVersion: mesh.defaults.tls.minVersion, ciphers: mesh.defaults.tls.ciphers, clientCaFile: null,
    certificates: gw.hosts.map((host) => {
      const cert = gatewayCertificateName(host);
      return { name: cert, serverNames: [host], certFile: `${certDir}/${name}/hosts/${cert}/cert.pem`, keyFile: `${certDir}/${name}/hosts/${cert}/key.pem` };
    }),
  } : null;
  const listener: HttpListenerIR = {
    kind: "http", name: `inbound-${gw.port}`, direction: "inbound", address: "0.0.0.0", port: gw.port, protocol: "http",
    tls, authorization: null, rateLimit: gw.rateLimit, jwt: null, origin: gw.origin,
    virtualHosts: [{ name, domains: [...gw.hosts, ...gw.hosts.map((h) => `${h}:${gw.port}`)].sort(), routes }],
  };
  return {
    name, kind: "gateway", owner: gw.name, identity, admin: parts.admin(),
    listeners: [listener], clusters: clusters.sorted(), observability: parts.observability(),
  };
}
