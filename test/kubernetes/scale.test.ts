// The Kubernetes target at scale: the workload-overlap check (no longer a pairwise scan)
// finds exactly the pairs the pairwise definition does, and a compile to a proxy target and
// kubernetes runs the proxy target's emit once, not once per folder.
import { test } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import type { Diagnostic } from "../../compiler/diagnostics/types.ts";
import type { MeshIR, WorkloadIR } from "../../compiler/ir/types.ts";
import type { Target } from "../../compiler/target.ts";
import { createKubernetesTarget, withSharedEmit } from "../../targets/kubernetes/index.ts";
import { reportOverlappingWorkloads } from "../../targets/kubernetes/workload-overlap.ts";
import type { EmitContext } from "../../targets/kubernetes/context.ts";
import { richIR } from "../fixtures/ir/kubernetes-rich.ts";
import { standInProxy } from "./stand-in-proxy.ts";

type Labels = Record<string, string>;

/** The definition: every pair i < j whose label sets are nested, in pair order. */
function pairwise(labels: readonly Labels[]): string[] {
  const covers = (a: Labels, b: Labels) => Object.entries(a).every(([k, v]) => b[k] === v);
  const out: string[] = [];
  labels.forEach((a, i) => labels.forEach((b, j) => { if (i < j && (covers(a, b) || covers(b, a))) out.push(`w${i}/w${j}`); }));
  return out;
}

function reported(labels: readonly Labels[]): string[] {
  const workloads = labels.map((workloadLabels, i) => ({ name: `w${i}`, staticEndpoints: [], workloadLabels }) as unknown as WorkloadIR);
  const found: Diagnostic[] = [];
  const ctx = { ir: { infra: { workloads } }, report: (_code: unknown, input: { message: string }) => found.push(input as never) } as unknown as EmitContext;
  reportOverlappingWorkloads(ctx);
  // The message names the earlier workload first: `... of "wI" (...) and "wJ" (...)`.
  return found.map((d) => [...d.message.matchAll(/"(w\d+)"/g)].map((m) => m[1]).join("/"));
}

test("the overlap check reports exactly the nested pairs, in pairwise order (small label alphabet, so pairs are common)", () => {
  const labels = fc.dictionary(fc.constantFrom("app", "tier", "team", "role"), fc.constantFrom("a", "b"), { maxKeys: 4 });
  fc.assert(fc.property(fc.array(labels, { maxLength: 12 }), (sets) => {
    assert.equal(reported(sets), pairwise(sets));
  }), { numRuns: 300, seed: 14 });
});

test("a workload with more labels than are worth enumerating is compared with every label set instead", () => {
  const many: Labels = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${i}`, "v"]));
  const sets: Labels[] = [{ k3: "v" }, many, { k3: "w" }, { ...many }, { k1: "v", k19: "v" }, {}];
  assert.equal(reported(sets), pairwise(sets));
  assert.ok(reported(sets).length >= 5);
});

test("one emit of the proxy target serves its own folder and the sidecar ConfigMaps, once per IR", () => {
  let emits = 0;
  const counting: Target = { ...standInProxy, emit: (ir) => { emits++; return standInProxy.emit(ir); } };
  const proxyFolder = withSharedEmit(counting);
  const k8s = createKubernetesTarget(counting);
  const ir: MeshIR = structuredClone(richIR);
  const own = proxyFolder.emit(ir);
  const manifests = k8s.emit(ir);
  assert.is(emits, 1);
  // The ConfigMaps carry the very text of the proxy folder.
  const config = manifests.files.find((f) => f.path === "kubernetes/configmap-web-proxy.yaml")!.content;
  assert.ok(config.includes(own.files.find((f) => f.path === "envoy/web.yaml")!.content.split("\n")[0]!));
  // A caller changing its result does not change the next caller's.
  (own.files as unknown[]).length = 0;
  assert.ok(proxyFolder.emit(ir).files.length > 0);
  assert.is(emits, 1);
  k8s.emit(structuredClone(richIR));
  assert.is(emits, 2);
});

test.run();
