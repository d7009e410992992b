// NMesh -> MeshIR. Pure: runtime paths come in as options, nothing is read from the environment.
import type { NMesh } from "../normalize/model.ts";
import type { InfraIR, MeshIR, ProxyIR, RuntimePathsIR } from "./types.ts";
import { buildGatewayProxy, buildSidecar } from "./proxies.ts";
import { buildInfra, type ReusableInfra } from "./infra.ts";
import { indexMesh } from "../normalize/mesh-index.ts";
import { IrParts } from "./parts.ts";

export const DEFAULT_RUNTIME: RuntimePathsIR = { certDir: "/etc/meshc/certs", runDir: "/var/run/meshc", logDir: "/var/log/meshc" };

/**
 * `reuse` (watch mode, ir/incremental.ts): a service's sidecar from the last run when none of
 * its inputs changed; `lastInfra`: the last run's infra, whose per-service parts are kept for
 * the services `reuse` gives a sidecar for (infra.ts says why that is sound). `share` false
 * (the tests) builds every part shared by identity (ir/parts.ts) afresh.
 */
export function buildIR(mesh: NMesh, runtime: RuntimePathsIR = DEFAULT_RUNTIME, reuse?: (service: string) => ProxyIR | undefined, lastInfra?: InfraIR, share = true): MeshIR {
  const index = indexMesh(mesh);
  const parts = new IrParts(mesh, runtime.certDir, share);
  const proxies = [
    ...mesh.services.map((s) => reuse?.(s.name) ?? buildSidecar(parts, index, s)),
    ...mesh.gateways.map((g) => buildGatewayProxy(parts, index, g.name)),
  ].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return {
    version: 1,
    mesh: { name: mesh.name, trustDomain: mesh.trustDomain, namespace: mesh.namespace, caName: `${mesh.name}-ca` },
    runtime,
    proxies,
    infra: buildInfra(mesh, index, proxies, runtime.certDir, reuse && lastInfra ? { infra: lastInfra, unchanged: (service) => reuse(service) !== undefined } : undefined, parts),
  };
}
