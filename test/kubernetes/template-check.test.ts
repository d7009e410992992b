// The verifier checks an object filled from a template once per template and strings the
// checks read (targets/kubernetes/template-check.ts): after an object passed, objects of its
// template with the same strings at the non-free slots skip the schema and strict walks. A bad
// value in such an object (a bad name, namespace, label, port, port name, image, protocol,
// duration, kind) must still get the diagnostics the uncached path gives: the object is
// re-filled from its template exactly as the emitter does, so the check sees it as an emitted
// object of that template, and the codes and paths are compared with the text path
// (verifyKubernetesFiles), which never uses a verdict.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { generateMesh } from "../../bench/generate.ts";
import { compileLoaded } from "../../compiler/compile.ts";
import type { MeshIR } from "../../compiler/ir/types.ts";
import type { EmittedFile } from "../../compiler/target.ts";
import { configFromValue } from "../../compiler/testing.ts";
import { emittedEntryOf, recordEmitted } from "../../targets/kubernetes/emitted.ts";
import { kubernetes } from "../../targets/kubernetes/index.ts";
import { writeManifestText } from "../../targets/kubernetes/manifest-text.ts";
import { templatePassed } from "../../targets/kubernetes/template-check.ts";
import { verifyKubernetesEmitted, verifyKubernetesFiles } from "../../targets/kubernetes/verify.ts";
import { richIR } from "../fixtures/ir/kubernetes-rich.ts";

async function irOf(services: number): Promise<MeshIR> {
  const r = await compileLoaded(configFromValue(generateMesh(services, { pods: true })), { cwd: process.cwd(), verify: "none", targets: [] });
  assert.ok(r.ir);
  return r.ir!;
}

type Json = any;
const isPatch = (path: string) => path.includes("/patches/");

/** `object` written as the emitter writes it (from its template when it has one) and recorded as emitted. */
function emitted(path: string, object: Json): EmittedFile {
  const { text, filled } = writeManifestText(object);
  const file = { path, content: text };
  recordEmitted(file, object, filled);
  return file;
}

/** The object's own findings (the kustomization pass, which the text path runs on a lone file too, apart). */
const KUSTOMIZATION_CODES = new Set(["MESH4407", "MESH4408", "MESH4409"]);
const findings = (ds: readonly { code: string; path?: string }[]) => ds.filter((d) => !KUSTOMIZATION_CODES.has(d.code)).map((d) => `${d.code} ${d.path ?? ""}`).sort();

test("after a bundle passed, every templated object of it passes by a verdict, at any size (verdicts are keyed, not a few recent ones)", async () => {
  for (const services of [12, 400]) {
    const ir = await irOf(services);
    assert.equal(verifyKubernetesEmitted(kubernetes.emit(ir).files, ir), []);
    // The same mesh emitted again: every object of a template is covered, none was evicted by the others.
    const files = kubernetes.emit(ir).files;
    const templated = files.filter((f) => emittedEntryOf(f)?.filled);
    assert.ok(templated.length > services * 4, `${services} services, templated files: ${templated.length}`);
    for (const f of templated) assert.ok(templatePassed(emittedEntryOf(f)!.filled!, isPatch(f.path)), `${services} services: ${f.path} passes by its template`);
  }
});

test("a bad value in an object of a passed template gets the diagnostics of the uncached check", async () => {
  const ir = await irOf(12);
  const files = kubernetes.emit(ir).files;
  assert.equal(verifyKubernetesEmitted(files, ir), [], "the bundle passes: every template has a verdict");
  const byPrefix = (prefix: string) => files.find((f) => f.path.startsWith(`kubernetes/${prefix}`) && emittedEntryOf(f)?.filled)!;
  const [service, patch, certificate, account, policy, configMap] = ["service-", "sidecars/patches/", "certificate-", "serviceaccount-", "networkpolicy-allow", "configmap-"].map(byPrefix);
  // A sidecar ConfigMap is checked by the template of it with its `data` marked (its one long member apart).
  assert.ok(emittedEntryOf(configMap!)!.filled!.dataBlock, "a sidecar ConfigMap has a data-block template");
  const config = (o: Json): string => Object.values(o.data)[0] as string;
  const changes: [EmittedFile | undefined, string, (o: Json) => void, boolean][] = [
    [service, "bad name", (o) => { o.metadata.name = "Bad_Name"; }, true],
    [service, "name too long for a label", (o) => { o.metadata.name = "a".repeat(64); }, true],
    [service, "bad namespace", (o) => { o.metadata.namespace = "no.dots"; }, true],
    [service, "bad port name", (o) => { o.spec.ports[0].name = "Not A Port"; }, true],
    [service, "bad protocol", (o) => { o.spec.ports[0].protocol = "XTCP"; }, true],
    [service, "bad appProtocol (any string)", (o) => { o.spec.ports[0].appProtocol = "weird proto"; }, false],
    [service, "port out of range", (o) => { o.spec.ports[0].port = 70000; }, true],
    [service, "bad label value (any string: the schema takes it)", (o) => { o.metadata.labels["app.kubernetes.io/name"] = "not a label!"; }, false],
    [service, "bad type", (o) => { o.spec.type = "Teleport"; }, true],
    [account, "bad name", (o) => { o.metadata.name = "-x-"; }, true],
    [account, "bad kind", (o) => { o.kind = "ServiceAcount"; }, true],
    [account, "another apiVersion", (o) => { o.apiVersion = "v2"; }, true],
    [patch, "bad container port name", (o) => { o.spec.template.spec.containers[0].ports[0].name = "meshc-sidecar-http"; }, true],
    [patch, "bad image (any string)", (o) => { o.spec.template.spec.containers[0].image = "not an image ::"; }, false],
    [patch, "bad volume mode", (o) => { o.spec.template.spec.volumes.find((v: Json) => v.secret).secret.defaultMode = "0440"; }, true],
    [patch, "bad mount", (o) => { o.spec.template.spec.containers[0].volumeMounts[0].readOnly = "yes"; }, true],
    [certificate, "bad duration", (o) => { o.spec.duration = "24x"; }, true],
    [certificate, "renewBefore not shorter", (o) => { o.spec.renewBefore = o.spec.duration; }, true],
    [certificate, "bad algorithm", (o) => { o.spec.privateKey.algorithm = "DSA"; }, true],
    [certificate, "bad issuer kind", (o) => { o.spec.issuerRef.kind = 5; }, true],
    [policy, "bad policy type", (o) => { o.spec.policyTypes = ["Sideways"]; }, true],
    [configMap, "bad name", (o) => { o.metadata.name = "Bad_Name"; }, true],
    [configMap, "bad namespace", (o) => { o.metadata.namespace = "no.dots"; }, true],
    [configMap, "unknown field", (o) => { o.immutables = true; }, true],
    [configMap, "bad immutable", (o) => { o.immutable = "yes"; }, true],
    [configMap, "bad binaryData", (o) => { o.binaryData = 5; }, true],
    [configMap, "bad label (any string)", (o) => { o.metadata.labels["app.kubernetes.io/name"] = "not a label!"; }, false],
    [configMap, "another data key (any key)", (o) => { o.data = { "port": config(o) }; }, false],
    [configMap, "a data key named like a field", (o) => { o.data = { "metadata": config(o) }; }, false],
    [configMap, "a second, non-string data member", (o) => { o.data.ports = 8080; }, true],
    [configMap, "a non-string data member alone", (o) => { o.data = { x: 8080 }; }, true],
    [configMap, "data a list", (o) => { o.data = [config(o)]; }, true],
    [configMap, "bad kind", (o) => { o.kind = "ConfigMaps"; }, true],
  ];
  // No workloads: the kustomization pass has nothing to say about a lone file.
  const lone: MeshIR = { ...ir, infra: { ...ir.infra, workloads: [] } };
  for (const [file, what, change, fails] of changes) {
    assert.ok(file, what);
    const object = structuredClone(emittedEntryOf(file!)!.object);
    change(object);
    const fast = emitted(file!.path, object);
    const expected = verifyKubernetesFiles([{ path: fast.path, content: fast.content }], lone).filter((d) => !KUSTOMIZATION_CODES.has(d.code));
    assert.equal(fails, expected.length > 0, `${file!.path} ${what}: the uncached check ${fails ? "fails" : "passes"} (${findings(expected).join(", ")})`);
    assert.equal(findings(verifyKubernetesEmitted([fast], lone)), findings(expected), `${file!.path} ${what}`);
    // Twice: a failing object never becomes a verdict.
    assert.equal(findings(verifyKubernetesEmitted([emitted(file!.path, structuredClone(object))], lone)), findings(expected), `${file!.path} ${what}, again`);
  }
});

test("the rich IR's objects (Gateway API, EndpointSlices, dev bootstrap) get the same findings through their templates as through their text", () => {
  const files = kubernetes.emit(richIR).files;
  verifyKubernetesEmitted(files, richIR);
  const lone: MeshIR = { ...richIR, infra: { ...richIR.infra, workloads: [] } };
  // Every string of every templated object replaced by a hostile one, one at a time, each twice
  // (the second after the first may have left a verdict): the same findings either way.
  let compared = 0;
  for (const file of files) {
    const entry = emittedEntryOf(file);
    if (!entry?.filled) continue;
    entry.filled.template.paths.forEach((path) => {
      for (const bad of ["Bad Value!", "x"]) {
        const object = structuredClone(entry.object);
        let node: Json = object;
        for (const segment of path.slice(0, -1)) node = node[segment];
        node[path.at(-1)!] = bad;
        for (let round = 0; round < 2; round++) {
          const fast = emitted(file.path, structuredClone(object));
          assert.equal(findings(verifyKubernetesEmitted([fast], lone)), findings(verifyKubernetesFiles([{ path: fast.path, content: fast.content }], lone)), `${file.path} ${path.join(".")} = ${bad}`);
        }
        compared++;
      }
    });
  }
  assert.ok(compared > 300, `compared: ${compared}`);
});

test.run();
