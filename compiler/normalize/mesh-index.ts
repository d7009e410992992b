// Lookups over a normalized mesh, built once, so building the IR and running the checks
// stay linear in the size of the mesh (a 10,000-service mesh must not do 10^8 scans).
import type { NMesh, NRoute, NRule, NService } from "./model.ts";

export interface MeshIndex {
  readonly services: ReadonlyMap<string, NService>;
  readonly rulesByTo: ReadonlyMap<string, readonly NRule[]>;
  /** Routes by calling proxy key: `service:<name>` or `gateway:<name>`. */
  readonly routesBySource: ReadonlyMap<string, readonly NRoute[]>;
  readonly routesByTo: ReadonlyMap<string, readonly NRoute[]>;
  /** Destinations each service may call through an allow rule naming it. */
  readonly callableBy: ReadonlyMap<string, ReadonlySet<string>>;
  /** Destinations any peer may call (an allow rule from "*", or default allow). */
  readonly openTo: ReadonlySet<string>;
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

// One index per normalized mesh (never changed once built): the model checks and the IR
// build each asked for it, and building it four times cost more than most checks.
const built = new WeakMap<NMesh, MeshIndex>();

export function indexMesh(mesh: NMesh): MeshIndex {
  let index = built.get(mesh);
  if (index === undefined) built.set(mesh, (index = buildIndex(mesh)));
  return index;
}

function buildIndex(mesh: NMesh): MeshIndex {
  const services = new Map(mesh.services.map((s) => [s.name, s]));
  const rulesByTo = new Map<string, NRule[]>();
  const callableBy = new Map<string, Set<string>>();
  const openTo = new Set(mesh.services.filter((s) => s.authorization === "allow").map((s) => s.name));
  for (const rule of mesh.authorization) {
    push(rulesByTo, rule.to, rule);
    if (rule.action !== "allow") continue;
    if (rule.from === null) openTo.add(rule.to);
    else for (const f of rule.from) {
      const set = callableBy.get(f) ?? new Set<string>();
      set.add(rule.to);
      callableBy.set(f, set);
    }
  }
  const routesBySource = new Map<string, NRoute[]>();
  const routesByTo = new Map<string, NRoute[]>();
  for (const route of mesh.routes) {
    const sources = route.sources;
    if (sources.length === 1) push(routesBySource, `${sources[0]!.kind}:${sources[0]!.name}`, route);
    else for (const s of new Set(sources.map((x) => `${x.kind}:${x.name}`))) push(routesBySource, s, route);
    push(routesByTo, route.to, route);
  }
  return { services, rulesByTo, routesBySource, routesByTo, callableBy, openTo };
}

/** Whether `caller` may reach `dest` for some request: decides default outbound routes and NetworkPolicies. */
export function mayCall(index: MeshIndex, caller: string, dest: string): boolean {
  return index.openTo.has(dest) || (index.callableBy.get(caller)?.has(dest) ?? false);
}
