// The Kubernetes target in the streamed pipeline (compiler/emit-stream.ts): its files reach the
// sink chunk by chunk, before the last proxy is emitted; the Envoy config of a sidecar is
// emitted once per proxy for both folders; and the checks that need the whole bundle (the
// kustomizations against every file, the workload-label overlap) still run, once.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { generateMesh } from "../../bench/generate.ts";
import { compileLoaded } from "../../compiler/compile.ts";
import type { Diagnostic } from "../../compiler/diagnostics/types.ts";
import { CHUNK_PROXIES, emitStreamed, type FileSink } from "../../compiler/emit-stream.ts";
import type { MeshIR, ProxyIR } from "../../compiler/ir/types.ts";
import type { EmitResult, EmittedFile, ProxyEmitter, Target } from "../../compiler/target.ts";
import { configFromValue } from "../../compiler/testing.ts";
import { envoy } from "../../targets/envoy/index.ts";
import { verifiers } from "../../targets/index.ts";
import { createKubernetesTarget, kubernetes, withSharedEmit } from "../../targets/kubernetes/index.ts";
import { verifyKubernetesEmitted } from "../../targets/kubernetes/verify.ts";
import { richIR } from "../fixtures/ir/kubernetes-rich.ts";

const clock = { lap() {} };
const SERVICES = CHUNK_PROXIES * 2 + 10;

async function buildIR(services: number): Promise<MeshIR> {
  const r = await compileLoaded(configFromValue(generateMesh(services, { pods: true })), { cwd: process.cwd(), verify: "none", targets: [] });
  assert.ok(r.ir, `the ${services}-service mesh compiles`);
  return r.ir!;
}
const irPromise = buildIR(SERVICES);

/** `target` with its per-proxy emit passed through `wrap` (to watch it, or to break it). */
function withProxyEmit(target: Target, wrap: (emit: ProxyEmitter["proxy"], p: ProxyIR) => EmitResult): Target {
  return {
    ...target,
    perProxy: (ir) => {
      const inner = target.perProxy!(ir);
      return { ...inner, proxy: (p) => wrap((q) => inner.proxy(q), p) };
    },
  };
}

const isConfigMap = (f: EmittedFile) => f.path.startsWith("kubernetes/configmap-");
const errorsOf = (ds: readonly Diagnostic[]) => ds.filter((d) => d.severity === "error");

test("a compile to kubernetes hands the sink its files a chunk at a time, before the last proxy is emitted", async () => {
  const ir = await irPromise;
  const events: string[] = [];
  const watched = withProxyEmit(kubernetes, (emit, p) => { events.push(`emit ${p.name}`); return emit(p); });
  const perAdd: number[] = [];
  const sink: FileSink = { add: (files) => { const n = files.filter(isConfigMap).length; perAdd.push(n); events.push(`add ${n}`); } };
  const diagnostics: Diagnostic[] = [];
  await emitStreamed(ir, [watched], verifiers, "default", diagnostics, sink, clock);
  assert.equal(errorsOf(diagnostics), []);
  const lastProxy = events.indexOf(`emit ${ir.proxies.at(-1)!.name}`);
  const firstConfigMaps = events.findIndex((e) => e.startsWith("add ") && e !== "add 0");
  assert.ok(firstConfigMaps >= 0 && firstConfigMaps < lastProxy, "ConfigMaps reached the sink before the last proxy was emitted");
  assert.ok(Math.max(...perAdd) <= CHUNK_PROXIES, `no hand-over holds more than a chunk of ConfigMaps: ${perAdd.join(", ")}`);
  assert.is(perAdd.reduce((a, b) => a + b, 0), SERVICES, "every service's ConfigMap was written");
});

test("with envoy and kubernetes both selected, each proxy's Envoy config is emitted once and is the ConfigMap's", async () => {
  const ir = await irPromise;
  const emits = new Map<string, number>();
  const counting = withProxyEmit(envoy, (emit, p) => { emits.set(p.name, (emits.get(p.name) ?? 0) + 1); return emit(p); });
  const written = new Map<string, string>();
  const sink: FileSink = { add: (files) => { for (const f of files) written.set(f.path, f.content); } };
  const diagnostics: Diagnostic[] = [];
  await emitStreamed(ir, [withSharedEmit(counting), createKubernetesTarget(counting)], verifiers, "default", diagnostics, sink, clock);
  assert.equal(errorsOf(diagnostics), []);
  assert.equal([...new Set(emits.values())], [1], "one Envoy emit per proxy");
  assert.is(emits.size, ir.proxies.length);
  const name = ir.proxies[CHUNK_PROXIES + 1]!.name;
  const configMap = written.get(`kubernetes/configmap-${name}-proxy.yaml`)!;
  const firstLine = written.get(`envoy/${name}.yaml`)!.split("\n").find((l) => l.includes(name))!;
  assert.ok(configMap.includes(firstLine.trim()), "the ConfigMap carries the envoy/ file's text");
});

test("streamed, the kustomizations are still checked against every file of the bundle, once at the end", async () => {
  const ir = await irPromise;
  const late = ir.proxies[CHUNK_PROXIES * 2 + 3]!.name;
  const run = async (target: Target) => {
    const diagnostics: Diagnostic[] = [];
    let added = 0;
    await emitStreamed(ir, [target], verifiers, "default", diagnostics, { add: (files) => { added += files.length; } }, clock);
    return { codes: errorsOf(diagnostics).map((d) => `${d.code} ${d.file ?? ""}`), added };
  };
  // A listed file that never came: found only after the last chunk, by the end check.
  const dropped = withProxyEmit(kubernetes, (emit, p) => {
    const r = emit(p);
    return p.name === late ? { ...r, files: r.files.filter((f) => !isConfigMap(f)) } : r;
  });
  const missing = await run(dropped);
  assert.equal(missing.codes, ["MESH4407 kubernetes/kustomization.yaml"]);
  assert.ok(missing.added > 0, "the earlier chunks had been handed over (the caller discards them on the error)");
  // A file no kustomization lists.
  const extra = withProxyEmit(kubernetes, (emit, p) => {
    const r = emit(p);
    return p.name === late ? { ...r, files: [...r.files, { ...r.files[0]!, path: "kubernetes/stray.yaml" }] } : r;
  });
  assert.equal((await run(extra)).codes, ["MESH4408 kubernetes/stray.yaml"]);
  // A sidecar patch whose body names another workload than its file: the end check reads names from paths, so each chunk checks this.
  const renamed = withProxyEmit(kubernetes, (emit, p) => {
    const r = emit(p);
    if (p.name !== late) return r;
    return { ...r, files: r.files.map((f) => (f.path.includes("/patches/") ? { path: f.path, content: f.content.replace(`name: ${late}\n`, "name: svc-0\n") } : f)) };
  });
  assert.equal((await run(renamed)).codes, [`MESH4409 kubernetes/sidecars/patches/${late}.yaml`]);
});

test("a chunk's files through the plain verify (as a worker thread checks a chunk) get their own checks, not the whole-bundle ones", async () => {
  const ir = await irPromise;
  const chunk = ir.proxies.slice(0, 5);
  const emitter = kubernetes.perProxy!(ir);
  const files = chunk.flatMap((p) => emitter.proxy(p).files);
  assert.equal(errorsOf(verifyKubernetesEmitted(files, { ...ir, proxies: chunk })), [], "no kustomization in a chunk: nothing is unlisted yet");
  const renamed = files.map((f) => (f.path === `kubernetes/sidecars/patches/${chunk[0]!.name}.yaml` ? { path: f.path, content: f.content.replace(`name: ${chunk[0]!.name}\n`, "name: svc-9\n") } : f));
  assert.equal(errorsOf(verifyKubernetesEmitted(renamed, { ...ir, proxies: chunk })).map((d) => d.code), ["MESH4409"]);
  // A whole bundle (its kustomizations among the files) is still resolved.
  const whole = [...emitter.shared().files, ...files];
  assert.ok(errorsOf(verifyKubernetesEmitted(whole, ir)).some((d) => d.code === "MESH4407"), "the other proxies' files are missing from this bundle");
});

test("streamed, overlapping workload labels are still reported (a mesh-wide check of the shared files)", async () => {
  const [a, b] = richIR.infra.workloads.filter((w) => w.staticEndpoints.length === 0);
  const overlapping: MeshIR = {
    ...richIR,
    infra: { ...richIR.infra, workloads: richIR.infra.workloads.map((w) => (w === b ? { ...w, workloadLabels: { ...a!.workloadLabels } } : w)) },
  };
  const diagnostics: Diagnostic[] = [];
  await emitStreamed(overlapping, [kubernetes], verifiers, "default", diagnostics, { add() {} }, clock);
  assert.ok(diagnostics.some((d) => d.code === "MESH3262"), diagnostics.map((d) => d.code).join());
});

test.run();
