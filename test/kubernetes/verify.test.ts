// The Kubernetes verifier: emitted objects pass with zero findings, and each kind of
// defect is caught with its code, the file, the JSON path and the line.
import { execFileSync } from "node:child_process";
import { posix } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { parse } from "yaml";
import type { MeshIR } from "../../compiler/ir/types.ts";
import type { EmittedFile } from "../../compiler/target.ts";
import { createKubernetesTarget, kubernetes } from "../../targets/kubernetes/index.ts";
import { emittedObjectOf } from "../../targets/kubernetes/emitted.ts";
import { isNormalDir, joinEntry } from "../../targets/kubernetes/kustomize-check.ts";
import { isKustomizationPath, KUSTOMIZATION_FILE } from "../../targets/kubernetes/names.ts";
import { kubernetesVerifier, verifyKubernetesEmitted, verifyKubernetesFiles } from "../../targets/kubernetes/verify.ts";
import { richIR } from "../fixtures/ir/kubernetes-rich.ts";
import { sampleIR } from "../fixtures/ir/sample.ts";
import { standInProxy } from "./stand-in-proxy.ts";

const emit = (ir: MeshIR) => createKubernetesTarget(standInProxy).emit(ir).files;
/** The emitted files with one file's text changed. */
function mutate(files: readonly EmittedFile[], path: string, change: (text: string) => string): EmittedFile[] {
  assert.ok(files.some((f) => f.path === path), `no ${path}`);
  return files.map((f) => (f.path === path ? { ...f, content: change(f.content) } : f));
}
const findingsOf = (files: readonly EmittedFile[], ir: MeshIR = sampleIR) => verifyKubernetesFiles(files, ir).map((d) => ({ code: d.code, file: d.file, path: d.path, line: d.line }));

test("every emitted object passes with zero findings (sample, rich, real Envoy sidecars)", async () => {
  assert.equal(verifyKubernetesFiles(emit(sampleIR), sampleIR), []);
  assert.equal(verifyKubernetesFiles(emit(richIR), richIR), []);
  assert.equal(await kubernetesVerifier.verify(kubernetes.emit(sampleIR).files, sampleIR), []);
  assert.is(kubernetesVerifier.missing(), null);
  assert.is(kubernetesVerifier.defaultOn, true);
});

test("a port out of range is MESH4404 at its path and line", () => {
  const files = mutate(emit(sampleIR), "kubernetes/service-web.yaml", (t) => t.replace("port: 8080", "port: 70000"));
  const lines = files.find((f) => f.path === "kubernetes/service-web.yaml")!.content.split("\n");
  assert.equal(findingsOf(files), [{ code: "MESH4404", file: "kubernetes/service-web.yaml", path: "spec.ports[0].port", line: lines.findIndex((l) => l.includes("70000")) + 1 }]);
});

test("an unknown field is MESH4403, at any depth", () => {
  const top = mutate(emit(sampleIR), "kubernetes/service-web.yaml", (t) => t.replace("spec:\n", "spec:\n  bogus: 1\n"));
  const bogusLine = top.find((f) => f.path === "kubernetes/service-web.yaml")!.content.split("\n").indexOf("  bogus: 1") + 1;
  assert.equal(findingsOf(top).map((f) => [f.code, f.path, f.line]), [["MESH4403", "spec.bogus", bogusLine]]);
  const deep = mutate(emit(sampleIR), "kubernetes/httproute-edge.yaml", (t) => t.replace("      timeouts:\n", "      timeouts:\n        total: 5s\n"));
  assert.equal(findingsOf(deep).map((f) => [f.code, f.path]), [["MESH4403", "spec.rules[0].timeouts.total"]]);
  const inPatch = mutate(emit(sampleIR), "kubernetes/sidecars/patches/web.yaml", (t) => t.replace("          name: meshc-proxy\n", "          name: meshc-proxy\n          sidecar: true\n"));
  assert.equal(findingsOf(inPatch).map((f) => [f.code, f.path]), [["MESH4403", "spec.template.spec.containers[0].sidecar"]]);
  // A field named like an Object.prototype member is no known field either.
  const proto = mutate(emit(sampleIR), "kubernetes/service-web.yaml", (t) => t.replace("spec:\n", "spec:\n  constructor: 1\n  toString: x\n"));
  assert.equal(findingsOf(proto).map((f) => [f.code, f.path]), [["MESH4403", "spec.constructor"], ["MESH4403", "spec.toString"]]);
});

test("a Certificate without issuerRef is MESH4402 at spec.issuerRef", () => {
  const files = mutate(emit(sampleIR), "kubernetes/certificate-web.yaml", (t) => t.replace(/  issuerRef:\n(    .*\n)+?(?=  privateKey)/, ""));
  assert.not.match(files.find((f) => f.path === "kubernetes/certificate-web.yaml")!.content, "issuerRef");
  assert.equal(findingsOf(files).map((f) => [f.code, f.file, f.path]), [["MESH4402", "kubernetes/certificate-web.yaml", "spec.issuerRef"]]);
});

test("a sidecar patch is held to its schema but for required fields, with or without its selector", () => {
  const patch = "kubernetes/sidecars/patches/web.yaml";
  // The patch lacks spec.selector (kustomize takes it from the workload): no finding for that alone.
  assert.not.match(emit(sampleIR).find((f) => f.path === patch)!.content, "selector");
  const mode = mutate(emit(sampleIR), patch, (t) => t.replace("defaultMode: 288", "defaultMode: read-only"));
  assert.equal(findingsOf(mode).map((f) => [f.code, f.path]), [["MESH4402", "spec.template.spec.volumes[1].secret.defaultMode"]]);
  const account = mutate(emit(sampleIR), patch, (t) => t.replace("serviceAccountName: web", "serviceAccountName: [web]"));
  assert.equal(findingsOf(account).map((f) => [f.code, f.path]), [["MESH4402", "spec.template.spec.serviceAccountName"]]);
  // A selector present and wrong is checked like any field; a patch of another kind gets no help.
  const selector = mutate(emit(sampleIR), patch, (t) => t.replace("spec:\n  template:", "spec:\n  selector: all\n  template:"));
  assert.equal(findingsOf(selector).map((f) => [f.code, f.path]), [["MESH4402", "spec.selector"]]);
  const other = mutate(emit(sampleIR), patch, (t) => t.replace("kind: Deployment", "kind: NetworkPolicy").replace("apiVersion: apps/v1", "apiVersion: networking.k8s.io/v1"));
  assert.ok(findingsOf(other).some((f) => f.code === "MESH4403" && f.path === "spec.template"));
});

test("a kustomization entry resolves as path.normalize(path.join(dir, entry)) for every short path (the plain-path shortcut included)", () => {
  const parts = ["a", ".", "..", "", "/", "b.yaml", ".a", "a."];
  const paths = (n: number): string[] => (n === 0 ? [""] : paths(n - 1).flatMap((p) => parts.map((q) => p + q)));
  let shortcuts = 0;
  for (const dir of ["kubernetes", "kubernetes/sidecars", ".", "/", "/abs", "k//x", "a/../b", "k/"]) {
    const normal = isNormalDir(dir);
    for (const entry of paths(4)) {
      const got = joinEntry(dir, normal, entry);
      assert.is(got, posix.normalize(posix.join(dir, entry)), `${dir} + ${entry}`);
      if (normal && got === `${dir}/${entry}`) shortcuts++;
    }
  }
  assert.ok(shortcuts > 100, "the shortcut is taken");
});

test("names, durations, kinds and YAML syntax are checked", () => {
  const name = mutate(emit(sampleIR), "kubernetes/service-web.yaml", (t) => t.replace("  name: web\n", "  name: Web_1\n"));
  assert.equal(findingsOf(name).map((f) => [f.code, f.path]), [["MESH4405", "metadata.name"]]);
  const duration = mutate(emit(sampleIR), "kubernetes/certificate-web.yaml", (t) => t.replace(/duration: "?2160h0m0s"?/, "duration: 24x"));
  assert.equal(findingsOf(duration).map((f) => [f.code, f.path]), [["MESH4406", "spec.duration"]]);
  const renew = mutate(emit(sampleIR), "kubernetes/certificate-web.yaml", (t) => t.replace(/renewBefore: "?360h0m0s"?/, "renewBefore: 3000h"));
  assert.equal(findingsOf(renew).map((f) => [f.code, f.path]), [["MESH4406", "spec.renewBefore"]]);
  const portName = mutate(emit(sampleIR), "kubernetes/sidecars/patches/web.yaml", (t) => t.replace("name: mesh-8080", "name: meshc-sidecar-http"));
  assert.equal(findingsOf(portName).map((f) => [f.code, f.path]), [["MESH4405", "spec.template.spec.containers[0].ports[0].name"]]);
  const kind = mutate(emit(sampleIR), "kubernetes/service-web.yaml", (t) => t.replace("kind: Service", "kind: Servise"));
  assert.equal(findingsOf(kind).map((f) => f.code), ["MESH4401"]);
  const yaml = mutate(emit(sampleIR), "kubernetes/service-web.yaml", (t) => `${t}---\nkind: Extra\n`);
  assert.equal(findingsOf(yaml).map((f) => f.code), ["MESH4400"]);
  const type = mutate(emit(sampleIR), "kubernetes/service-web.yaml", (t) => t.replace("protocol: TCP", "protocol: QUIC"));
  assert.equal(findingsOf(type).map((f) => [f.code, f.path]), [["MESH4402", "spec.ports[0].protocol"]]);
});

test("malformed Gateway API objects are refused: HTTPRoute, GRPCRoute v1, TCPRoute, Gateway (MESH4402 at the path)", () => {
  const files = emit(richIR);
  const findings = (path: string, change: (text: string) => string) => findingsOf(mutate(files, path, change), richIR).map((f) => [f.code, f.file, f.path]);
  const http = "kubernetes/httproute-edge.yaml";
  assert.equal(findings(http, (t) => t.replace(/type: PathPrefix/, "type: Prefix")), [["MESH4402", http, "spec.rules[0].matches[0].path.type"]]);
  assert.equal(findings(http, (t) => t.replace(/parentRefs:\n {4}- name: edge\n/, "parentRefs:\n    - port: 80\n")), [["MESH4402", http, "spec.parentRefs[0].name"]]);
  assert.equal(findings(http, (t) => t.replace(/\n {6}name: [\w-]+\n/, "\n      name: Not_A_Section\n")), [["MESH4402", http, "spec.rules[0].name"]]);
  const grpc = "kubernetes/grpcroute-edge-grpc.yaml";
  assert.equal(findings(grpc, (t) => t.replace("            type: Exact\n      name:", "            type: Fuzzy\n      name:")), [["MESH4402", grpc, "spec.rules[0].matches[0].method.type"]]);
  assert.equal(findings(grpc, (t) => t.replace("port: 9090", "port: 0")), [["MESH4402", grpc, "spec.rules[0].backendRefs[0].port"], ["MESH4404", grpc, "spec.rules[0].backendRefs[0].port"]]);
  assert.equal(findings(grpc, (t) => t.replace("name: edge-2", "name: -edge-")), [["MESH4402", grpc, "spec.rules[0].name"]]);
  assert.equal(findings(grpc, (t) => t.replace("kind: GRPCRoute", "kind: GRPCRoute\nbogus: 1")), [["MESH4403", grpc, "bogus"]]);
  const tcp = "kubernetes/tcproute-db-tcp.yaml";
  assert.equal(findings(tcp, (t) => t.replace(/weight: \d+/, "weight: -1")), [["MESH4402", tcp, "spec.rules[0].backendRefs[0].weight"]]);
  const gateway = "kubernetes/gateway-db.yaml";
  assert.equal(findings(gateway, (t) => t.replace("        name: gateway-db-mesh-cert\n", "")), [["MESH4402", gateway, "spec.tls.backend.clientCertificateRef.name"]]);
  assert.equal(findings(gateway, (t) => t.replace("protocol: TCP", "protocol: 7")), [["MESH4402", gateway, "spec.listeners[0].protocol"]]);
});

test("the pipeline's verifier checks the emitted objects: same findings, paths and lines as parsing the text", async () => {
  const files = emit(richIR);
  // The recorded object is what the text parses to, an undefined member being a key the text does not have (JSON drops it too).
  for (const file of files) assert.equal(JSON.parse(JSON.stringify(emittedObjectOf(file))), parse(file.content), file.path);
  // An edited copy, or a file whose text changed in place, is not the emitter's any more: its text is checked.
  const edited = mutate(files, "kubernetes/service-web.yaml", (t) => t.replace("port: 8080", "port: 70000"));
  assert.is(emittedObjectOf(edited.find((f) => f.path === "kubernetes/service-web.yaml")!), undefined);
  assert.is(emittedObjectOf({ ...files[0] }), undefined, "a copy is not the emitted file");
  const changedInPlace = emit(sampleIR)[0] as { path: string; content: string };
  changedInPlace.content += "# edited\n";
  assert.is(emittedObjectOf(changedInPlace), undefined);
  const expected = verifyKubernetesFiles(edited, richIR);
  assert.equal(expected.map((d) => [d.code, d.path]), [["MESH4404", "spec.ports[0].port"]]);
  assert.equal(verifyKubernetesEmitted(edited, richIR), expected);
  assert.equal(await kubernetesVerifier.verify(edited, richIR), expected);
  // Findings on emitted objects (an IR cert-manager would reject) get the lines the text path gives.
  const renewLate: MeshIR = { ...richIR, infra: { ...richIR.infra, identities: richIR.infra.identities.map((i) => (i.name === "web" ? { ...i, renewBeforeMs: i.lifetimeMs } : i)) } };
  const bad = emit(renewLate);
  assert.ok(bad.every((f) => emittedObjectOf(f) !== undefined));
  const fromText = verifyKubernetesFiles(bad, renewLate);
  const renewLine = bad.find((f) => f.path === "kubernetes/certificate-web.yaml")!.content.split("\n").findIndex((l) => l.startsWith("  renewBefore:")) + 1;
  assert.equal(fromText.map((d) => [d.code, d.file, d.path, d.line]), [["MESH4406", "kubernetes/certificate-web.yaml", "spec.renewBefore", renewLine]]);
  assert.equal(await kubernetesVerifier.verify(bad, renewLate), fromText);
});

test("verification is fast: the rich bundle x 20 in seconds even on a loaded machine (about 0.4 s idle)", () => {
  const files = emit(richIR);
  verifyKubernetesFiles(files, richIR);
  const start = performance.now();
  for (let i = 0; i < 20; i++) verifyKubernetesFiles(files, richIR);
  const ms = performance.now() - start;
  assert.ok(ms < 4000, `${ms} ms`);
});

test("isKustomizationPath is posix.basename(path) === kustomization.yaml", () => {
  const paths = ["kustomization.yaml", "kubernetes/kustomization.yaml", "kubernetes/sidecars/kustomization.yaml", "kubernetes/xkustomization.yaml",
    "kubernetes/kustomization.yaml/", "kustomization.yaml//", "a/kustomization.yml", "kustomization.yaml.bak", "/kustomization.yaml", "", "/", "ustomization.yaml"];
  for (const path of paths) assert.is(isKustomizationPath(path), posix.basename(path) === KUSTOMIZATION_FILE, path);
});

test("known-fields.json is what the generator derives from the installed models", () => {
  execFileSync(process.execPath, ["--import", "tsx", "targets/kubernetes/schema/generate-known-fields.ts", "--check"], { stdio: "pipe" });
});

test.run();
