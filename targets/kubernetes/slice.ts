// What the Kubernetes emit decides from the infra IR alone (lookups by name, owners, the
// workloads of each proxy, and each proxy's slice of the infra for watch mode's memo keys),
// computed once per infra object. The IR keeps an unchanged infra's identity across watch
// saves (compiler/ir/share.ts), and IR objects are never changed after they are built, so a
// save that edits a route reuses all of it: rebuilding the lookups and every proxy's slice
// was ~60 ms of each save at 1,000 services. Keyed by identity only: a different infra
// object (even one with equal content) gets its own entry, so an entry is never stale.
import type { GatewayInfraIR, IdentityIR, InfraIR, MeshIR, NetworkPolicyIR, ProxyIR, WorkloadIR } from "../../compiler/ir/types.ts";

export interface InfraPlan {
  readonly workloadByName: ReadonlyMap<string, WorkloadIR>;
  readonly identityByName: ReadonlyMap<string, IdentityIR>;
  /** The first gateway of each gateway proxy. */
  readonly gatewayByProxy: ReadonlyMap<string, GatewayInfraIR>;
  /** The workloads of each proxy name, in infra order. */
  readonly workloadsByProxy: ReadonlyMap<string, readonly WorkloadIR[]>;
  /** Per account, the first workload that emits it (a shared ServiceAccount is emitted once). */
  readonly accountOwner: ReadonlyMap<string, WorkloadIR>;
  /** Per identity, the first workload running as it: its proxy emits the identity's Certificate. */
  readonly identityOwner: ReadonlyMap<string, WorkloadIR>;
  readonly policiesByTarget: ReadonlyMap<string, readonly NetworkPolicyIR[]>;
  /** IR order, for slices. */
  readonly workloadPosition: ReadonlyMap<WorkloadIR, number>;
  readonly identityPosition: ReadonlyMap<IdentityIR, number>;
  /** Per proxy name, the infra part of its slice (sliceFor), made on first use. */
  readonly infraSlices: Map<string, InfraIR>;
}

function group<T>(items: readonly T[], keyOf: (item: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const list = out.get(key);
    if (list) list.push(item); else out.set(key, [item]);
  }
  return out;
}

/** A map by `keyOf`, keeping the first item of a key (as `find` did); null keys are skipped. */
function firstBy<T>(items: readonly T[], keyOf: (item: T) => string | null): Map<string, T> {
  const out = new Map<string, T>();
  for (const item of items) { const key = keyOf(item); if (key !== null && !out.has(key)) out.set(key, item); }
  return out;
}

const plans = new WeakMap<InfraIR, InfraPlan>();

export function infraPlanOf(infra: InfraIR): InfraPlan {
  let plan = plans.get(infra);
  if (plan === undefined) {
    plan = {
      workloadByName: firstBy(infra.workloads, (w) => w.name),
      identityByName: firstBy(infra.identities, (i) => i.name),
      gatewayByProxy: firstBy(infra.gateways, (g) => g.proxy),
      workloadsByProxy: group(infra.workloads, (w) => w.proxy),
      accountOwner: firstBy(infra.workloads, (w) => (w.emit.serviceAccount ? w.serviceAccount : null)),
      identityOwner: firstBy(infra.workloads, (w) => w.serviceAccount),
      policiesByTarget: group(infra.networkPolicies, (p) => p.target),
      workloadPosition: new Map(infra.workloads.map((w, i) => [w, i])),
      identityPosition: new Map(infra.identities.map((x, i) => [x, i])),
      infraSlices: new Map(),
    };
    plans.set(infra, plan);
  }
  return plan;
}

/** `items` without undefined and duplicates, in IR order (`position`: each item's index in its IR list). */
function inOrder<T>(items: Iterable<T | undefined>, position: ReadonlyMap<T, number>): T[] {
  const set = new Set<T>();
  for (const x of items) if (x !== undefined) set.add(x);
  return [...set].sort((a, b) => position.get(a)! - position.get(b)!);
}

/**
 * The infra as proxy `name`'s Kubernetes files read it: its workloads, the first workload of
 * their accounts, the workloads and gateways their policies admit, the identities those
 * name, in IR order. Made once per infra object and proxy name.
 */
function infraSliceOf(infra: InfraIR, plan: InfraPlan, name: string): InfraIR {
  let slice = plan.infraSlices.get(name);
  if (slice !== undefined) return slice;
  const own = plan.workloadsByProxy.get(name) ?? [];
  const wanted = new Set<string>();
  for (const w of own) {
    wanted.add(w.name).add(w.serviceAccount);
    for (const owner of [plan.accountOwner.get(w.serviceAccount), plan.identityOwner.get(w.serviceAccount)]) if (owner) wanted.add(owner.name);
    for (const policy of plan.policiesByTarget.get(w.name) ?? []) for (const from of policy.from ?? []) wanted.add(from);
  }
  const workloads = inOrder([...own, ...[...wanted].map((n) => plan.workloadByName.get(n)), ...own.map((w) => plan.accountOwner.get(w.serviceAccount))], plan.workloadPosition);
  slice = {
    ...infra,
    identities: inOrder([...wanted].map((n) => plan.identityByName.get(n)), plan.identityPosition),
    workloads,
    gateways: infra.gateways.filter((g) => wanted.has(g.proxy)),
    networkPolicies: own.flatMap((w) => plan.policiesByTarget.get(w.name) ?? []),
  };
  plan.infraSlices.set(name, slice);
  return slice;
}

/**
 * The IR as the Kubernetes emitter's proxy(p) reads it: p, the mesh, runtime paths and infra
 * settings, the sidecars its workloads own (the trace annotation of a NetworkPolicy reads
 * them), and its infra slice. The memo keys a proxy's Kubernetes files by it, and the contract
 * test (test/core/stream-bundle.test.ts) emits p from it alone. Built for every proxy of a
 * watch run: the infra part is the cached object, so the memo's comparison with the last
 * slice stops at its identity.
 */
export function sliceFor(ir: MeshIR, sidecarByOwner: ReadonlyMap<string, ProxyIR>, p: ProxyIR): MeshIR {
  const plan = infraPlanOf(ir.infra);
  const own = plan.workloadsByProxy.get(p.name) ?? [];
  const proxies = [p];
  for (const w of own) {
    const q = sidecarByOwner.get(w.name);
    if (q !== undefined && !proxies.includes(q)) proxies.push(q);
  }
  return { version: ir.version, mesh: ir.mesh, runtime: ir.runtime, proxies, infra: infraSliceOf(ir.infra, plan, p.name) };
}
