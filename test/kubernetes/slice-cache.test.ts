// The Kubernetes target's infra plan and proxy slices are cached per infra object
// (targets/kubernetes/slice.ts), so watch saves reuse them. The cache must never hand out
// another infra's entry: every object a slice holds must be one of its own IR's, and the
// slice must be what the plain computation below (no cache) gives. Checked across IRs that
// differ only in infra content, with equal content and a new identity, and in the order a
// watch session meets them (old IR, then new).
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { InfraIR, MeshIR, ProxyIR } from "../../compiler/ir/types.ts";
import { kubernetes } from "../../targets/kubernetes/index.ts";
import { richIR } from "../fixtures/ir/kubernetes-rich.ts";

/** The slice of `p` computed from `ir` directly, by scans (the definition sliceFor caches). */
function plainSlice(ir: MeshIR, p: ProxyIR): MeshIR {
  const { infra } = ir;
  const own = infra.workloads.filter((w) => w.proxy === p.name);
  const wanted = new Set<string>();
  for (const w of own) {
    wanted.add(w.name).add(w.serviceAccount);
    const accountOwner = infra.workloads.find((x) => x.emit.serviceAccount && x.serviceAccount === w.serviceAccount);
    const identityOwner = infra.workloads.find((x) => x.serviceAccount === w.serviceAccount);
    for (const owner of [accountOwner, identityOwner]) if (owner) wanted.add(owner.name);
    for (const policy of infra.networkPolicies.filter((x) => x.target === w.name)) for (const from of policy.from ?? []) wanted.add(from);
  }
  const accountOwners = own.map((w) => infra.workloads.find((x) => x.emit.serviceAccount && x.serviceAccount === w.serviceAccount));
  const workloads = infra.workloads.filter((w) => own.includes(w) || wanted.has(w.name) || accountOwners.includes(w));
  const sidecars: ProxyIR[] = [];
  for (const w of own) {
    const q = ir.proxies.find((x) => x.kind === "sidecar" && x.owner === w.name);
    if (q && q !== p && !sidecars.includes(q)) sidecars.push(q);
  }
  return {
    version: ir.version, mesh: ir.mesh, runtime: ir.runtime, proxies: [p, ...sidecars],
    infra: {
      ...infra,
      identities: infra.identities.filter((x) => wanted.has(x.name)),
      workloads,
      gateways: infra.gateways.filter((g) => wanted.has(g.proxy)),
      networkPolicies: own.flatMap((w) => infra.networkPolicies.filter((x) => x.target === w.name)),
    },
  };
}

/** Every list item of the slice's infra is an object of `infra` itself (a foreign entry would hold another IR's). */
function assertOwnObjects(slice: MeshIR, infra: InfraIR, label: string): void {
  for (const key of ["identities", "workloads", "gateways", "networkPolicies"] as const) {
    for (const item of slice.infra[key] as readonly object[]) {
      assert.ok((infra[key] as readonly object[]).includes(item), `${label}: slice.infra.${key} holds an object of another infra`);
    }
  }
}

function checkSlices(ir: MeshIR, label: string): void {
  const emitter = kubernetes.perProxy!(ir);
  for (const p of ir.proxies) {
    const slice = emitter.inputOf!(p);
    assert.equal(JSON.parse(JSON.stringify(slice)), JSON.parse(JSON.stringify(plainSlice(ir, p))), `${label}: slice of ${p.name}`);
    assertOwnObjects(slice, ir.infra, `${label}: ${p.name}`);
    assert.ok(slice.proxies.every((q) => ir.proxies.includes(q)), `${label}: ${p.name}'s slice holds proxies of this IR`);
  }
}

/** richIR with its infra changed: policies re-targeted and the workloads' accounts swapped around. */
function changedInfra(ir: MeshIR): MeshIR {
  const workloads = ir.infra.workloads.map((w, i, all) => ({ ...w, serviceAccount: all[(i + 1) % all.length]!.serviceAccount }));
  const networkPolicies = ir.infra.networkPolicies.map((p) => ({ ...p, from: p.from === null ? ["catalog"] : [...p.from].reverse().slice(1) }));
  return { ...ir, infra: { ...ir.infra, workloads, networkPolicies } };
}

test("slices are the plain computation's, for an IR, a changed infra after it, and an equal infra with a new identity", () => {
  checkSlices(richIR, "rich");
  const changed = changedInfra(richIR);
  checkSlices(changed, "changed infra, after the first");
  checkSlices(richIR, "the first again, after the changed one");
  checkSlices(structuredClone(richIR), "an equal IR with new objects");
  // A watch save that keeps the infra object but changes proxies: the slices' proxies are the new IR's.
  const newProxies = { ...richIR, proxies: richIR.proxies.map((p) => structuredClone(p)) };
  checkSlices(newProxies, "same infra, new proxy objects");
});

test("an unchanged infra's slices are reused across emitters (the memo's comparison stops at identity)", () => {
  const a = kubernetes.perProxy!(richIR);
  const b = kubernetes.perProxy!({ ...richIR, proxies: [...richIR.proxies] });
  for (const p of richIR.proxies) assert.ok(a.inputOf!(p).infra === b.inputOf!(p).infra, `${p.name}: the infra part is the cached object`);
  const c = kubernetes.perProxy!(changedInfra(richIR));
  assert.ok(richIR.proxies.some((p) => c.inputOf!(p).infra !== a.inputOf!(p).infra), "a changed infra gets its own slices");
});

test.run();
