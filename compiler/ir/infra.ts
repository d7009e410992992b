// Infra IR: what Kubernetes and the certificate manifest need: identities, workloads,
// gateways and L4 reachability.
import type { NEndpoint, NMesh, NService } from "../normalize/model.ts";
import type { CaptureIR, EndpointIR, GatewayInfraIR, IdentityIR, InfraIR, NetworkPolicyIR, ProxyIR, WorkloadIR } from "./types.ts";
import { serviceHost, spiffeId, subjectOf } from "./clusters.ts";
import type { MeshIndex } from "../normalize/mesh-index.ts";
import { gatewayProxyName, inboundListenerPort } from "./proxies.ts";
import { sortInPlace, sortStrings } from "./sort.ts";
import type { IrParts } from "./parts.ts";

const byName = <T extends { name: string }>(a: T, b: T) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

function buildIdentities(mesh: NMesh, certDir: string, parts: IrParts | undefined): IdentityIR[] {
  const c = mesh.defaults.certificates;
  const make = (name: string, kind: IdentityIR["kind"], dnsNames: string[]): IdentityIR => ({
    name, kind, namespace: mesh.namespace, serviceAccount: name, spiffeId: spiffeId(mesh, name), dnsNames: sortStrings([...new Set(dnsNames)]),
    subject: parts ? parts.subject(name) : subjectOf(mesh, name), keyAlgorithm: c.keyAlgorithm, lifetimeMs: c.lifetimeMs, renewBeforeMs: c.renewBeforeMs,
    secretName: `${name}-mesh-cert`, certFile: `${certDir}/${name}/cert.pem`, keyFile: `${certDir}/${name}/key.pem`, caFile: `${certDir}/ca.pem`,
  });
  const byIdentity = new Map<string, string[]>();
  for (const s of mesh.services) {
    const names = [s.name, `${s.name}.${mesh.namespace}`, serviceHost(mesh, s.name)];
    const list = byIdentity.get(s.identity); // appended in place: a spread copy per service is quadratic
    if (list) list.push(...names); else byIdentity.set(s.identity, [...names]);
  }
  const out = [...byIdentity].map(([name, dns]) => make(name, "service", dns));
  for (const g of mesh.gateways) out.push(make(gatewayProxyName(g.name), "gateway", [...g.hosts]));
  return sortInPlace(out, byName);
}

/** The destination ports an app reaches through its sidecar: each outbound HTTP virtual host's `host:port` domains, and each TCP listener's port. */
function buildCapture(mesh: NMesh, service: NService, proxy: ProxyIR | undefined): CaptureIR | null {
  if (!mesh.defaults.capture) return null;
  const outbound = new Map<number, number>();
  for (const listener of proxy?.listeners ?? []) {
    if (listener.direction !== "outbound") continue;
    if (listener.kind === "tcp") { outbound.set(listener.port, listener.port); continue; }
    for (const vhost of listener.virtualHosts) {
      for (const domain of vhost.domains) {
        const port = /:(\d+)$/.exec(domain)?.[1];
        if (port !== undefined && !outbound.has(Number(port))) outbound.set(Number(port), listener.port);
      }
    }
  }
  const inbound = service.ports.map((p) => ({ port: p.port, listenerPort: inboundListenerPort(mesh, service, p) }));
  return {
    proxyUid: mesh.defaults.capture.proxyUid,
    inbound: sortInPlace(inbound, (a, b) => a.port - b.port),
    outbound: sortInPlace([...outbound].map(([port, listenerPort]) => ({ port, listenerPort })), (a, b) => a.port - b.port),
  };
}

const isDns = (e: NEndpoint) => e.kind === "dns";
const allEndpoints = (s: NService): readonly NEndpoint[] => (s.versions.length === 0 ? s.endpoints : [...s.endpoints, ...s.versions.flatMap((v) => v.endpoints)]);

/** The endpoints of `list` of one kind (IP addresses or DNS names), each address and port once, a missing port the service's first. */
function addressedAt(list: readonly NEndpoint[], kind: NEndpoint["kind"], s: NService): EndpointIR[] {
  const seen = new Set<string>();
  const out: EndpointIR[] = [];
  for (const e of list) {
    if (e.kind !== kind) continue;
    const endpoint = { address: e.address, port: e.port ?? s.ports[0]!.port };
    const key = `${endpoint.address} ${endpoint.port}`;
    if (!seen.has(key)) { seen.add(key); out.push(endpoint); }
  }
  return out;
}

/** `whole`: the mesh whose services decide which accounts are adopted (all of them, when `mesh` holds only some). */
function buildWorkloads(mesh: NMesh, proxies: readonly ProxyIR[], whole: NMesh = mesh): WorkloadIR[] {
  // An account one service adopts is the user's: meshc emits it for no service sharing it.
  const adopted = new Set(whole.services.flatMap((s) => (s.kubernetes.serviceAccount ? [s.kubernetes.serviceAccount] : [])));
  // The first sidecar of each owner, as `find` gives it: a find per service was quadratic.
  const sidecars = new Map<string, ProxyIR>();
  for (const p of proxies) if (p.kind === "sidecar" && !sidecars.has(p.owner)) sidecars.set(p.owner, p);
  return mesh.services.map((s) => ({
    name: s.name, namespace: mesh.namespace, serviceAccount: s.identity, proxy: s.name,
    ports: s.ports.map((p) => ({ name: p.name, port: p.port, targetPort: p.targetPort, protocol: p.protocol })),
    selector: s.selector,
    versions: s.versions.map((v) => {
      const own = addressedAt(v.endpoints, "ip", s);
      return own.length > 0 ? { name: v.name, labels: v.labels, staticEndpoints: own } : { name: v.name, labels: v.labels };
    }),
    // A service outside Kubernetes may list its addresses per version: the workload's are all of them.
    staticEndpoints: addressedAt(allEndpoints(s), "ip", s),
    ...(s.endpoints.some(isDns) || s.versions.some((v) => v.endpoints.some(isDns)) ? { dnsEndpoints: addressedAt(allEndpoints(s), "dns", s) } : {}),
    emit: { serviceAccount: !adopted.has(s.identity), service: s.kubernetes.emitService },
    workloadLabels: s.kubernetes.workloadLabels,
    capture: buildCapture(mesh, s, sidecars.get(s.name)),
    ...(s.owner === null ? {} : { owner: s.owner }),
  }));
}

function buildGateways(mesh: NMesh, proxies: readonly ProxyIR[]): GatewayInfraIR[] {
  return mesh.gateways.map((g) => {
    const proxy = proxies.find((p) => p.name === gatewayProxyName(g.name));
    const routes = proxy?.listeners[0]?.kind === "http" ? proxy.listeners[0].virtualHosts[0]?.routes ?? [] : [];
    const clusterOf = (name: string) => proxy?.clusters.find((c) => c.name === name);
    return {
      name: g.name, proxy: gatewayProxyName(g.name), port: g.port, protocol: g.tls ? "https" : "http", hosts: g.hosts,
      tlsSecretName: g.tls ? `${g.name}-gateway-tls` : null,
      routes: routes.map((r) => ({
        name: r.name, origin: r.origin, match: r.match,
        backends: r.action.kind === "forward" ? r.action.backends.map((b) => {
          const c = clusterOf(b.cluster);
          return { service: c?.service ?? b.cluster, subset: c?.subset ?? null, port: c?.endpoints[0]?.port ?? g.port, weight: b.weight };
        }) : [],
        timeoutMs: r.action.kind === "forward" ? r.action.timeoutMs : null,
        rewritePrefix: r.action.kind === "forward" ? r.action.rewrite?.prefix ?? null : null,
        rewritePath: r.action.kind === "forward" ? r.action.rewrite?.path ?? null : null,
        rewriteHost: r.action.kind === "forward" ? r.action.rewrite?.host ?? null : null,
        rewriteRegex: r.action.kind === "forward" && r.action.rewrite?.regex != null,
        redirect: r.action.kind === "redirect" ? r.action : null,
        direct: r.action.kind === "direct",
        requestHeaders: r.requestHeaders,
      })),
    };
  });
}

function buildNetworkPolicies(mesh: NMesh, index: MeshIndex): NetworkPolicyIR[] {
  return mesh.services.map((dest) => {
    const ports = sortInPlace(dest.ports.map((p) => p.port), (a, b) => a - b);
    if (index.openTo.has(dest.name)) return { target: dest.name, from: null, ports };
    const from = new Set<string>();
    // Indexed loops: a for-of step allocates an iterator result in code not yet optimized.
    const rules = index.rulesByTo.get(dest.name) ?? [];
    for (let i = 0; i < rules.length; i++) {
      const r = rules[i]!;
      if (r.action !== "allow" || r.from === null) continue;
      for (let j = 0; j < r.from.length; j++) { const f = r.from[j]!; if (f !== dest.name && index.services.has(f)) from.add(f); }
    }
    const routes = index.routesByTo.get(dest.name) ?? [];
    for (let i = 0; i < routes.length; i++) for (const src of routes[i]!.sources) if (src.kind === "gateway") from.add(gatewayProxyName(src.name));
    return { target: dest.name, from: sortStrings([...from]), ports };
  });
}

/**
 * Watch mode (ir/incremental.ts builds incrementally only when the settings, the runtime paths,
 * the gateways and every service equal the last run's, and no rule open to any peer changed):
 * the last infra and the services whose sidecar was reused, i.e. no changed route or rule
 * names them. Then the identities (services, gateways, settings) are the last ones, and so are
 * an unchanged service's workload (its service, and its reused sidecar for the capture ports)
 * and its NetworkPolicy (the rules and gateway routes towards it: a changed one names it).
 * Services come in the same order, so the parts are the last run's at the same index.
 */
export interface ReusableInfra { readonly infra: InfraIR; readonly unchanged: (service: string) => boolean }

/** `parts`: the build's shared parts (parts.ts), so identities share their subjects with the proxies. */
export function buildInfra(mesh: NMesh, index: MeshIndex, proxies: readonly ProxyIR[], certDir: string, last?: ReusableInfra, parts?: IrParts): InfraIR {
  const reused = <T>(built: (services: NMesh) => T[], lastParts: readonly T[] | undefined): T[] => {
    if (!last || !lastParts || lastParts.length !== mesh.services.length) return built(mesh);
    const changed = mesh.services.filter((s) => !last.unchanged(s.name));
    const fresh = built({ ...mesh, services: changed });
    const byName = new Map(changed.map((s, i) => [s.name, fresh[i]!]));
    return mesh.services.map((s, i) => byName.get(s.name) ?? lastParts[i]!);
  };
  const workloads = () => reused((m) => buildWorkloads(m, proxies, mesh), last?.infra.workloads);
  const networkPolicies = () => reused((m) => buildNetworkPolicies(m, index), last?.infra.networkPolicies);
  const ca: InfraIR["ca"] = { name: `${mesh.name}-ca`, commonName: `${mesh.name} mesh CA`, lifetimeMs: 87_600 * 3_600_000, keyAlgorithm: mesh.defaults.certificates.keyAlgorithm, caFile: `${certDir}/ca.pem` };
  const identities = last ? last.infra.identities : buildIdentities(mesh, certDir, parts);
  const gateways = buildGateways(mesh, proxies);
  const defaultDeny = mesh.defaults.authorization === "deny";
  // Watch mode builds them now: a later build reuses their parts, and a lazy infra holding the
  // last one would keep every earlier build alive.
  if (last) return { namespace: mesh.namespace, ca, identities, workloads: workloads(), gateways, networkPolicies: networkPolicies(), defaultDeny, kubernetes: mesh.kubernetes };
  return lazyInfra(mesh.namespace, ca, identities, workloads, gateways, networkPolicies, defaultDeny, mesh.kubernetes);
}

/**
 * The infra with its workloads and NetworkPolicies built on first read: only the Kubernetes
 * target reads them (and a diff, and `--emit ir`), and a compile for other targets builds
 * neither (at 1,000 services ~30 M instructions of the IR stage). Getters in the fields'
 * order: JSON, a spread, a structured clone (the emit workers') and Object.keys see the
 * same fields in the same order, with the same values, as a plain object's. Once built, a
 * part is kept and what built it (the mesh, the index, the proxies) is let go.
 */
function lazyInfra(
  namespace: string, ca: InfraIR["ca"], identities: InfraIR["identities"], makeWorkloads: () => WorkloadIR[], gateways: GatewayInfraIR[],
  makePolicies: () => NetworkPolicyIR[], defaultDeny: boolean, kubernetes: InfraIR["kubernetes"],
): InfraIR {
  let workloads: WorkloadIR[] | null = null;
  let networkPolicies: NetworkPolicyIR[] | null = null;
  let buildWorkloadsOnce: (() => WorkloadIR[]) | null = makeWorkloads;
  let buildPoliciesOnce: (() => NetworkPolicyIR[]) | null = makePolicies;
  return {
    namespace, ca, identities,
    get workloads() {
      if (workloads === null) { workloads = buildWorkloadsOnce!(); buildWorkloadsOnce = null; }
      return workloads;
    },
    gateways,
    get networkPolicies() {
      if (networkPolicies === null) { networkPolicies = buildPoliciesOnce!(); buildPoliciesOnce = null; }
      return networkPolicies;
    },
    defaultDeny, kubernetes,
  };
}
