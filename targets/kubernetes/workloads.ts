// Per workload: its ServiceAccount (the identity), its Service (plus one per version,
// so gateway routes can address subsets), and for VMs a selector-less Service fed by
// EndpointSlices listing the static endpoints.
import { EndpointSlice } from "kubernetes-models/discovery.k8s.io/v1/EndpointSlice";
import { Service } from "kubernetes-models/v1/Service";
import { ServiceAccount } from "kubernetes-models/v1/ServiceAccount";
import type { EndpointIR, Protocol, WorkloadIR, WorkloadPortIR } from "../../compiler/ir/types.ts";
import { kubernetesCodes as codes } from "./codes.ts";
import { buildMetadata, buildModelObject, type EmitContext, type Manifest } from "./context.ts";
import { manifestFileName, versionServiceName } from "./names.ts";

/**
 * appProtocol names the L7 protocol behind the sidecar's TLS. Not `kubernetes.io/h2c`:
 * that promises cleartext HTTP/2, and the sidecar's inbound port speaks TLS.
 */
const APP_PROTOCOL: Readonly<Record<Protocol, string>> = { http: "http", http2: "http2", grpc: "grpc", tcp: "tcp" };

/**
 * `{ ...into, ...labels }` by assignment (a spread is a runtime call per object in V8's baseline
 * tier). Label keys start alphanumeric (the schema), so never `__proto__`, which assignment would not copy.
 */
export function copyLabels(labels: Readonly<Record<string, string>>, into: Record<string, string> = {}): Record<string, string> {
  for (const key in labels) into[key] = labels[key]!;
  return into;
}

/**
 * Outside Kubernetes: the config gives the service addresses (IP, its own or its versions', or
 * DNS names). It has no pods, so no ConfigMap, sidecar patch or NetworkPolicy; its Services are
 * selector-less, fed by the EndpointSlices meshc emits.
 */
export const isVmWorkload = (workload: WorkloadIR) => workload.staticEndpoints.length > 0 || (workload.dnsEndpoints?.length ?? 0) > 0;

/** The versions of a workload outside Kubernetes that have addresses of their own (each gets a selector-less Service and EndpointSlices). */
const addressedVersions = (workload: WorkloadIR) => workload.versions.filter((v) => (v.staticEndpoints?.length ?? 0) > 0);

/**
 * Whether a Service reaches `workload` (or its version `subset`) in the cluster: a pod
 * workload's always (meshc's, or the user's when not emitted); a VM's when it has IP addresses
 * (the version: addresses of its own). One known only by DNS name has none.
 */
export function hasServiceFor(workload: WorkloadIR, subset: string | null): boolean {
  if (!isVmWorkload(workload)) return true;
  if (subset === null) return workload.staticEndpoints.length > 0;
  return (workload.versions.find((v) => v.name === subset)?.staticEndpoints?.length ?? 0) > 0;
}

export function buildServiceAccount(ctx: EmitContext, workload: WorkloadIR): Manifest {
  const account = buildModelObject(ServiceAccount, { metadata: buildMetadata(ctx, workload.serviceAccount, workload.name) });
  return { file: manifestFileName("ServiceAccount", workload.serviceAccount), object: account };
}

/** Service ports reach the sidecar's inbound listener (port.port), never the app's own port, so traffic is always mTLS. */
function buildServicePorts(ports: readonly WorkloadPortIR[]) {
  return ports.map((p) => ({ name: p.name, port: p.port, targetPort: p.port, protocol: "TCP" as const, appProtocol: APP_PROTOCOL[p.protocol] }));
}

export function buildServices(ctx: EmitContext, workload: WorkloadIR): Manifest[] {
  const vm = isVmWorkload(workload);
  const out: Manifest[] = [];
  if (!hasServiceFor(workload, null)) {
    // Known by DNS names only: an EndpointSlice lists addresses, so no Service could reach it.
    ctx.report(codes.dnsWorkloadNoService, {
      message: `"${workload.name}" runs outside Kubernetes at ${workload.dnsEndpoints!.map((e) => e.address).join(", ")}: meshc emits no Service for it (an EndpointSlice lists IP addresses); the mesh's proxies reach it by name`,
      path: `services.${workload.name}.endpoints`,
      hint: "give its IP addresses as endpoints for a selector-less Service fed by EndpointSlices",
    });
  } else if (workload.emit.service || vm) {
    if (vm && !workload.emit.service) {
      ctx.report(codes.adoptedVmService, {
        message: `"${workload.name}" runs outside Kubernetes: its Service is meshc's (selector-less, fed by the EndpointSlices meshc emits), so it is emitted although kubernetes.emitService is false`,
        path: `infra.workloads.${workload.name}`,
      });
    }
    const spec: { ports: ReturnType<typeof buildServicePorts>; selector?: Record<string, string> } = { ports: buildServicePorts(workload.ports) };
    if (!vm) spec.selector = copyLabels(workload.selector);
    const main = buildModelObject(Service, { metadata: buildMetadata(ctx, workload.name, workload.name), spec });
    out.push({ file: manifestFileName("Service", workload.name), object: main });
  }
  // A version of a VM workload with addresses of its own: a selector-less Service fed by its own
  // EndpointSlices, so gateway routes (HTTPRoute backendRefs) can address the subset as on pods.
  for (const version of vm ? addressedVersions(workload) : workload.versions) {
    const name = versionServiceName(workload.name, version.name);
    const spec: { ports: ReturnType<typeof buildServicePorts>; selector?: Record<string, string> } = { ports: buildServicePorts(workload.ports) };
    if (!vm) spec.selector = copyLabels(version.labels, copyLabels(workload.selector));
    const service = buildModelObject(Service, { metadata: buildMetadata(ctx, name, workload.name, version.name), spec });
    out.push({ file: manifestFileName("Service", name), object: service });
  }
  return out;
}

const addressTypeOf = (address: string) => (address.includes(":") ? "IPv6" as const : "IPv4" as const);

/** The Service port an endpoint serves: the one with the same number, or the only one. */
function selectPortName(workload: WorkloadIR, endpoint: EndpointIR): string | null {
  const same = workload.ports.find((p) => p.port === endpoint.port);
  if (same) return same.name;
  return workload.ports.length === 1 ? workload.ports[0].name : null;
}

interface EndpointGroup { readonly addressType: "IPv4" | "IPv6"; readonly portName: string; readonly port: number; readonly addresses: string[] }

/** `endpoints` by address family and port (one EndpointSlice each), and those matching no port. Pure: the names pass uses it too. */
function groupEndpoints(workload: WorkloadIR, endpoints: readonly EndpointIR[]): { groups: EndpointGroup[]; unmatched: [number, EndpointIR][] } {
  const groups = new Map<string, EndpointGroup>();
  const unmatched: [number, EndpointIR][] = [];
  for (const [i, endpoint] of endpoints.entries()) {
    const portName = selectPortName(workload, endpoint);
    if (portName === null) { unmatched.push([i, endpoint]); continue; }
    const addressType = addressTypeOf(endpoint.address);
    const key = `${addressType}/${portName}/${endpoint.port}`;
    const group = groups.get(key) ?? { addressType, portName, port: endpoint.port, addresses: [] };
    group.addresses.push(endpoint.address);
    groups.set(key, group);
  }
  return { groups: [...groups.values()], unmatched };
}

const sliceName = (service: string, count: number, i: number) => (count === 1 ? service : `${service}-${i + 1}`);

/** The Services whose EndpointSlices a VM workload gets: its own (all its addresses), then each addressed version's, with the addresses of each. */
function slicedServices(workload: WorkloadIR): { service: string; version: string | undefined; endpoints: readonly EndpointIR[] }[] {
  const out: { service: string; version: string | undefined; endpoints: readonly EndpointIR[] }[] = [{ service: workload.name, version: undefined, endpoints: workload.staticEndpoints }];
  for (const v of addressedVersions(workload)) out.push({ service: versionServiceName(workload.name, v.name), version: v.name, endpoints: v.staticEndpoints! });
  return out;
}

/** The files buildEndpointSlices writes. */
export function endpointSliceFileNames(workload: WorkloadIR): string[] {
  const out: string[] = [];
  for (const { service, endpoints } of slicedServices(workload)) {
    const { groups } = groupEndpoints(workload, endpoints);
    groups.forEach((_, i) => out.push(manifestFileName("EndpointSlice", sliceName(service, groups.length, i))));
  }
  return out;
}

/** The files buildServiceAccount (when emitted) and buildServices write. */
export function serviceFileNames(workload: WorkloadIR): string[] {
  const vm = isVmWorkload(workload);
  const out = (workload.emit.service || vm) && hasServiceFor(workload, null) ? [manifestFileName("Service", workload.name)] : [];
  for (const version of vm ? addressedVersions(workload) : workload.versions) out.push(manifestFileName("Service", versionServiceName(workload.name, version.name)));
  return out;
}

/** One EndpointSlice per Service (the workload's, each addressed version's), address family and port: a slice has one address type and one port list for all its endpoints. */
export function buildEndpointSlices(ctx: EmitContext, workload: WorkloadIR): Manifest[] {
  const out: Manifest[] = [];
  for (const { service, version, endpoints } of slicedServices(workload)) {
    const { groups, unmatched } = groupEndpoints(workload, endpoints);
    // The workload's own list holds every version's addresses: each unmatched one is reported once, there.
    if (version === undefined) {
      for (const [i, endpoint] of unmatched) {
        ctx.report(codes.endpointPortUnmatched, {
          message: `endpoint ${endpoint.address}:${endpoint.port} of "${workload.name}" matches none of its ports (${workload.ports.map((p) => p.port).join(", ")})`,
          path: `infra.workloads.${workload.name}.staticEndpoints[${i}]`,
        });
      }
    }
    groups.forEach((group, i) => {
      const name = sliceName(service, groups.length, i);
      const metadata = buildMetadata(ctx, name, version === undefined ? undefined : workload.name, version);
      metadata.labels["kubernetes.io/service-name"] = service;
      metadata.labels["endpointslice.kubernetes.io/managed-by"] = "meshc.dev";
      const slice = buildModelObject(EndpointSlice, {
        metadata,
        addressType: group.addressType,
        endpoints: group.addresses.map((address) => ({ addresses: [address], conditions: { ready: true } })),
        ports: [{ name: group.portName, port: group.port, protocol: "TCP" as const }],
      });
      out.push({ file: manifestFileName("EndpointSlice", name), object: slice });
    });
  }
  return out;
}
