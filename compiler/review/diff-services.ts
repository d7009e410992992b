// Service-level changes: services, gateways, egress and subsets added or removed; traffic
// policy, upstream TLS and endpoints per service. A cluster is copied into every caller's
// proxy: a change is reported once however many copies show it, and a change seen on
// every subset of a service is reported once for the service.
import type { ClusterIR, MeshIR } from "../ir/types.ts";
import { compareValues, describeChange, type Change, type ChangeKind } from "./diff-values.ts";

/** Mesh and egress clusters by name, first seen in proxy order (callers hold identical copies). */
function collectClusters(ir: MeshIR): Map<string, ClusterIR> {
  const out = new Map<string, ClusterIR>();
  for (const proxy of ir.proxies) {
    for (const c of proxy.clusters) if (c.kind !== "local" && !out.has(c.name)) out.set(c.name, c);
  }
  return out;
}

function collectNames(ir: MeshIR) {
  const clusters = [...collectClusters(ir).values()];
  return {
    service: new Set([
      ...ir.infra.workloads.map((w) => w.name),
      ...ir.proxies.filter((p) => p.kind === "sidecar").map((p) => p.owner),
      ...clusters.filter((c) => c.kind === "mesh").map((c) => c.service),
    ]),
    gateway: new Set([...ir.infra.gateways.map((g) => g.proxy), ...ir.proxies.filter((p) => p.kind === "gateway").map((p) => p.name)]),
    egress: new Set(clusters.filter((c) => c.kind === "egress").map((c) => c.service)),
    subset: new Set([
      ...clusters.filter((c) => c.kind === "mesh" && c.subset !== null).map((c) => `${c.service}\0${c.subset}`),
      ...ir.infra.workloads.flatMap((w) => w.versions.map((v) => `${w.name}\0${v.name}`)),
    ]),
  };
}

function diffNames(before: MeshIR, after: MeshIR, out: Change[]): void {
  const old = collectNames(before);
  const now = collectNames(after);
  for (const what of ["service", "gateway", "egress"] as const) {
    for (const name of now[what]) if (!old[what].has(name)) out.push({ kind: `${what}-added` as ChangeKind, subject: name, field: what, before: null, after: name, text: `${what} ${name} added` });
    for (const name of old[what]) if (!now[what].has(name)) out.push({ kind: `${what}-removed` as ChangeKind, subject: name, field: what, before: name, after: null, text: `${what} ${name} removed` });
  }
  // Subsets of a service added or removed whole are part of that change, not news of their own.
  const report = (kind: ChangeKind, key: string, present: boolean) => {
    const [service, subset] = key.split("\0");
    if (!old.service.has(service) || !now.service.has(service)) return;
    out.push({ kind, subject: service, subset, field: "subset", before: present ? subset : null, after: present ? null : subset,
      text: `${service}: subset ${subset} ${present ? "removed" : "added"}` });
  };
  for (const key of now.subset) if (!old.subset.has(key)) report("subset-added", key, false);
  for (const key of old.subset) if (!now.subset.has(key)) report("subset-removed", key, true);
}

function policyOf(c: ClusterIR) {
  return {
    protocol: c.protocol, discovery: c.discovery, connectTimeoutMs: c.connectTimeoutMs, loadBalancing: c.loadBalancing,
    connectionLimits: c.connectionLimits, outlierDetection: c.outlierDetection, healthCheck: c.healthCheck,
  };
}

/** Upstream TLS without the caller's own files, which differ per caller by design. */
function upstreamTlsOf(c: ClusterIR) {
  return c.tls === null ? null : { mode: c.tls.mode, sni: c.tls.sni, minVersion: c.tls.minVersion, ciphers: c.tls.ciphers, peerSpiffeIds: c.tls.peerSpiffeIds };
}

interface ClusterChange { readonly cluster: ClusterIR; readonly kind: ChangeKind; readonly field: string; readonly before: unknown; readonly after: unknown }

function compareCluster(was: ClusterIR, now: ClusterIR, out: ClusterChange[]): void {
  const push = (kind: ChangeKind) => (field: string, before: unknown, after: unknown) => out.push({ cluster: now, kind, field, before, after });
  compareValues("", policyOf(was), policyOf(now), push("traffic-policy"));
  compareValues("tls", upstreamTlsOf(was), upstreamTlsOf(now), push("upstream-tls"));
  const endpoints = (c: ClusterIR) => c.endpoints.map((e) => `${e.address}:${e.port}`);
  for (const e of endpoints(now)) if (!endpoints(was).includes(e)) push("endpoint-added")("endpoints", null, e);
  for (const e of endpoints(was)) if (!endpoints(now).includes(e)) push("endpoint-removed")("endpoints", e, null);
}

function endpointText(change: ClusterChange): string {
  return change.kind === "endpoint-added" ? `endpoint ${change.after} added` : `endpoint ${change.before} removed`;
}

/** One change per service when every compared subset of it changed the same way, else one per subset. */
function collapseSubsets(changes: readonly ClusterChange[], comparedByService: ReadonlyMap<string, number>): Change[] {
  const groups = new Map<string, ClusterChange[]>();
  for (const c of changes) {
    const key = JSON.stringify([c.cluster.service, c.kind, c.field, c.before, c.after]);
    groups.set(key, [...(groups.get(key) ?? []), c]);
  }
  const out: Change[] = [];
  for (const group of groups.values()) {
    const { cluster, kind, field, before, after } = group[0];
    const whole = group.length === comparedByService.get(cluster.service) || group.every((c) => c.cluster.subset === null);
    const what = kind.startsWith("endpoint-") ? endpointText(group[0]) : describeChange(field, before, after);
    for (const c of whole ? [group[0]] : group) {
      const subset = whole ? undefined : c.cluster.subset ?? undefined;
      out.push({ kind, subject: cluster.service, ...(subset === undefined ? {} : { subset }), field, before, after,
        text: `${cluster.service}${subset === undefined ? "" : ` ${subset}`}: ${what}` });
    }
  }
  return out;
}

/**
 * Each caller's copy of a cluster is compared with that caller's earlier copy, so a change
 * made in one caller's proxy only is still seen; identical changes are then kept once.
 */
function diffClusters(before: MeshIR, after: MeshIR, out: Change[]): void {
  const changes = new Map<string, ClusterChange>();
  const compared = new Map<string, Set<string>>();
  for (const proxy of after.proxies) {
    const was = before.proxies.find((p) => p.name === proxy.name);
    for (const now of proxy.clusters) {
      const previous = was?.clusters.find((c) => c.name === now.name);
      if (previous === undefined || now.kind === "local") continue;
      compared.set(now.service, (compared.get(now.service) ?? new Set()).add(now.name));
      const found: ClusterChange[] = [];
      compareCluster(previous, now, found);
      for (const c of found) changes.set(JSON.stringify([now.name, c.kind, c.field, c.before, c.after]), c);
    }
  }
  out.push(...collapseSubsets([...changes.values()], new Map([...compared].map(([service, names]) => [service, names.size]))));
}

function diffGatewaysAndMesh(before: MeshIR, after: MeshIR, out: Change[]): void {
  for (const gateway of after.infra.gateways) {
    const was = before.infra.gateways.find((g) => g.name === gateway.name);
    if (was === undefined) continue;
    const shape = (g: typeof gateway) => ({ port: g.port, protocol: g.protocol, hosts: g.hosts, tlsSecretName: g.tlsSecretName });
    compareValues("", shape(was), shape(gateway), (field, x, y) => {
      out.push({ kind: "gateway-changed", subject: gateway.proxy, field, before: x, after: y, text: `${gateway.proxy}: ${describeChange(field, x, y)}` });
    });
  }
  compareValues("", before.mesh, after.mesh, (field, x, y) => {
    out.push({ kind: "mesh-changed", subject: "mesh", field, before: x, after: y, text: `mesh: ${describeChange(field, x, y)}` });
  });
}

export function diffServices(before: MeshIR, after: MeshIR): Change[] {
  const out: Change[] = [];
  diffNames(before, after, out);
  diffClusters(before, after, out);
  diffGatewaysAndMesh(before, after, out);
  return out;
}
