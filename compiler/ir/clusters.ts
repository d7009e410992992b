// Clusters: how a proxy reaches a service (or a subset of it, or its local app, or an
// egress host). Names are stable and derived from what they reach, so a diff of the
// bundle shows policy changes, not renames.
import type { NEgress, NEndpoint, NMesh, NPort, NService } from "../normalize/model.ts";
import type { ClusterIR, EndpointIR, IdentityRefIR, SubjectIR, UpstreamTlsIR } from "./types.ts";
import type { IrParts } from "./parts.ts";

export function serviceHost(mesh: NMesh, service: string): string {
  return `${service}.${mesh.namespace}.svc.cluster.local`;
}

export function spiffeId(mesh: NMesh, identity: string): string {
  return `spiffe://${mesh.trustDomain}/ns/${mesh.namespace}/sa/${identity}`;
}

export function subjectOf(mesh: NMesh, identity: string): SubjectIR {
  return { commonName: identity, organizationalUnit: mesh.namespace, organization: mesh.trustDomain };
}

/** `catalog`, `catalog-v2`; with `-<port>` appended when the service has several ports. */
export function clusterName(service: NService, subset: string | null, port: NPort): string {
  // Concatenated, not an array filtered and joined: asked for every backend of every route.
  let name = service.name;
  if (subset) name += `-${subset}`;
  return service.ports.length > 1 && port.name ? `${name}-${port.name}` : name;
}

function resolveEndpoints(mesh: NMesh, service: NService, subset: string | null, list: readonly NEndpoint[], port: NPort): { endpoints: EndpointIR[]; discovery: "static" | "dns" } {
  if (list.length === 0) {
    // Selected on Kubernetes: reach it through its Service name; a version through the
    // per-version Service (`<service>-<version>`) the Kubernetes target emits.
    const host = serviceHost(mesh, subset ? `${service.name}-${subset}` : service.name);
    return { endpoints: [{ address: host, port: port.port }], discovery: "dns" };
  }
  const endpoints = list.map((e) => ({ address: e.address, port: e.port ?? port.port }));
  return { endpoints, discovery: list.every((e) => e.kind === "ip") ? "static" : "dns" };
}

/** `parts`: what every caller's cluster to the same place shares (parts.ts); `name`, when the caller has it already. */
export function buildMeshCluster(parts: IrParts, caller: IdentityRefIR, service: NService, subset: string | null, port: NPort, name = clusterName(service, subset, port)): ClusterIR {
  const mesh = parts.mesh;
  let version: NService["versions"][number] | undefined;
  if (subset) for (let i = 0; i < service.versions.length && version === undefined; i++) if (service.versions[i]!.name === subset) version = service.versions[i];
  // Looked up before anything is made: most clusters reach a place another caller's reached already.
  const { endpoints, discovery } = parts.knownEndpoints(service, subset, port) ?? parts.endpoints(service, subset, port, () => {
    const list = version ? version.endpoints : [...service.endpoints, ...service.versions.flatMap((v) => v.endpoints)];
    const resolved = resolveEndpoints(mesh, service, subset, list, port);
    return { endpoints: dedupeEndpoints(resolved.endpoints), discovery: resolved.discovery };
  });
  const peer = parts.peer(service.identity);
  const tls: UpstreamTlsIR = {
    mode: "mesh", sni: serviceHost(mesh, service.name), minVersion: mesh.defaults.tls.minVersion, ciphers: mesh.defaults.tls.ciphers,
    certFile: caller.certFile, keyFile: caller.keyFile, caFile: caller.caFile,
    peerSpiffeIds: peer.spiffeIds, peerSubjects: peer.subjects,
  };
  return {
    name, kind: "mesh", service: service.name, subset, protocol: port.protocol, discovery,
    endpoints, connectTimeoutMs: mesh.defaults.connectTimeoutMs, loadBalancing: service.loadBalancing,
    connectionLimits: service.connectionLimits, outlierDetection: service.outlierDetection, healthCheck: service.healthCheck,
    tls, origin: version ? `${service.origin}.versions.${subset}` : service.origin,
  };
}

export function buildLocalCluster(mesh: NMesh, port: NPort): ClusterIR {
  return {
    name: `local-${port.port}`, kind: "local", service: "", subset: null, protocol: port.protocol, discovery: "static",
    endpoints: [{ address: "127.0.0.1", port: port.targetPort }], connectTimeoutMs: mesh.defaults.connectTimeoutMs,
    loadBalancing: { policy: "round-robin" }, connectionLimits: null, outlierDetection: null, healthCheck: null, tls: null, origin: port.origin,
  };
}

export function buildEgressCluster(mesh: NMesh, egress: NEgress): ClusterIR {
  const addresses = egress.addresses.length > 0 ? egress.addresses : [{ address: egress.host, port: null, kind: "dns" as const }];
  return {
    name: `egress-${egress.name}`, kind: "egress", service: egress.name, subset: null, protocol: "http",
    discovery: addresses.every((a) => a.kind === "ip") ? "static" : "dns",
    endpoints: dedupeEndpoints(addresses.map((a) => ({ address: a.address, port: a.port ?? egress.port }))),
    connectTimeoutMs: mesh.defaults.connectTimeoutMs, loadBalancing: { policy: "round-robin" },
    connectionLimits: null, outlierDetection: null, healthCheck: null,
    tls: egress.tls ? {
      mode: "origination", sni: egress.host, minVersion: mesh.defaults.tls.minVersion, ciphers: mesh.defaults.tls.ciphers,
      certFile: null, keyFile: null, caFile: null, peerSpiffeIds: [], peerSubjects: [],
    } : null,
    origin: egress.origin,
  };
}

function dedupeEndpoints(list: EndpointIR[]): EndpointIR[] {
  if (list.length === 1) return list;
  // Two distinct endpoints (the usual pair of instances): in order, or swapped.
  if (list.length === 2) {
    const [x, y] = list as [EndpointIR, EndpointIR];
    if (x.address !== y.address) return x.address < y.address ? list : [y, x];
    if (x.port !== y.port) return x.port < y.port ? list : [y, x];
  }
  const seen = new Map(list.map((e) => [`${e.address}\0${e.port}`, e]));
  return [...seen.values()].sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : a.port - b.port));
}
