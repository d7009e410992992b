// Watch mode's IR build: after a save, only the sidecars whose inputs changed are built again;
// the others are the last run's objects (so the memo finds their digests by identity).
//
// What a sidecar reads (proxies.ts, routes.ts, clusters.ts, authorization.ts): the mesh-wide
// settings, the runtime paths, its own service and the services it routes to or may call,
// the routes it is a source of (in mesh order: their origins hold their index), the rules
// naming it as source or destination, and rules open to any peer. So, comparing the new
// normalized mesh with the last one:
// - settings, runtime, gateways or any service changed, or a rule open to any peer changed:
//   everything is built (service edits are rare next to route and rule edits);
// - otherwise a changed route or rule (compared index by index, so a removal marks every
//   later one) rebuilds the sidecar of every service it names, before or after the edit.
// Gateway proxies are always built; the infra's per-service parts of the services whose
// sidecars are reused are the last run's (infra.ts). MESHC_CHECK_INCREMENTAL_IR=1 (the tests)
// also builds everything and fails on any difference, infra included.
import type { NMesh, NRoute, NRule } from "../normalize/model.ts";
import { buildIR } from "./index.ts";
import { sameJson, shareUnchanged } from "./share.ts";
import type { MeshIR, ProxyIR, RuntimePathsIR } from "./types.ts";

export interface LastBuild {
  /** The raw config value the mesh was normalized from (normalize/index.ts reuses its unchanged parts). */
  readonly raw: unknown;
  readonly mesh: NMesh;
  readonly ir: MeshIR;
}

/** Past this share of rebuilt sidecars, comparing is not worth it: build everything. */
const MOST = 0.5;

const settings = (mesh: NMesh) => ({ ...mesh, services: null, routes: null, authorization: null });

/** Service names anywhere in `value` (sources, destinations, backends, mirrors, rule peers). */
function namesIn(value: unknown, services: ReadonlySet<string>, into: Set<string>): void {
  if (typeof value === "string") { if (services.has(value)) into.add(value); return; }
  if (value === null || typeof value !== "object") return;
  for (const v of Array.isArray(value) ? value : Object.values(value)) namesIn(v, services, into);
}

/** The services whose sidecars may differ from the last build's, or null when everything must be built. */
export function affectedServices(mesh: NMesh, runtime: RuntimePathsIR, last: LastBuild): Set<string> | null {
  if (!sameJson(last.ir.runtime, runtime) || !sameJson(settings(last.mesh), settings(mesh))) return null;
  if (!sameJson(last.mesh.services, mesh.services)) return null;
  const names = new Set(mesh.services.map((s) => s.name));
  const affected = new Set<string>();
  const compare = <T>(before: readonly T[], after: readonly T[], open: (x: T) => boolean): boolean => {
    for (let i = 0; i < Math.max(before.length, after.length); i++) {
      const [b, a] = [before[i], after[i]];
      if (sameJson(b, a)) continue;
      if ((b !== undefined && open(b)) || (a !== undefined && open(a))) return false;
      namesIn(b, names, affected);
      namesIn(a, names, affected);
    }
    return true;
  };
  if (!compare<NRoute>(last.mesh.routes, mesh.routes, () => false)) return null;
  if (!compare<NRule>(last.mesh.authorization, mesh.authorization, (r) => r.from === null)) return null;
  return affected.size > names.size * MOST ? null : affected;
}

/** buildIR, reusing the last build's sidecars that no change reaches; unchanged proxies and infra are shared either way. */
export function buildIRIncremental(mesh: NMesh, runtime: RuntimePathsIR, last: LastBuild | null): MeshIR {
  const affected = last ? affectedServices(mesh, runtime, last) : null;
  if (!last || !affected) return shareUnchanged(buildIR(mesh, runtime), last?.ir ?? null);
  const before = new Map<string, ProxyIR>(last.ir.proxies.map((p) => [p.name, p]));
  const reuse = (service: string) => (affected.has(service) ? undefined : before.get(service));
  const ir = shareUnchanged(buildIR(mesh, runtime, reuse, last.ir.infra), last.ir);
  if (process.env.MESHC_CHECK_INCREMENTAL_IR === "1" && JSON.stringify(ir) !== JSON.stringify(buildIR(mesh, runtime))) {
    throw new Error(`the incremental IR differs from a full build (rebuilt: ${[...affected].join(", ")})`);
  }
  return ir;
}
