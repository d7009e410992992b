// The verifier's schema check runs once per object shape (targets/kubernetes/schema-memo.ts):
// objects that differ only in strings at the free paths share a verdict. Sound only if the
// schemas accept any string there: every free path of every emitted kind is probed here with
// hostile strings (and free maps with hostile keys) through the uncached check, which must
// accept them all. And a broken object whose shape differs from one that passed is still
// reported, however many objects of that kind passed before it.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { generateMesh } from "../../bench/generate.ts";
import { compileLoaded } from "../../compiler/compile.ts";
import type { MeshIR } from "../../compiler/ir/types.ts";
import type { EmittedFile } from "../../compiler/target.ts";
import { configFromValue } from "../../compiler/testing.ts";
import { kubernetes } from "../../targets/kubernetes/index.ts";
import { emittedObjectOf, recordEmitted } from "../../targets/kubernetes/emitted.ts";
import { freePathsOf } from "../../targets/kubernetes/schema-memo.ts";
import { rootTypeOf } from "../../targets/kubernetes/strict.ts";
import { uncachedSchemaFindings, verifyKubernetesEmitted } from "../../targets/kubernetes/verify.ts";
import { richIR } from "../fixtures/ir/kubernetes-rich.ts";

const HOSTILE = ["", "x".repeat(1000), "Ü ☃ \u0001\t\n end", "-1", "123", "true", "null", "A B!@#$%^&*()", "../..", ":", "UPPER_case.Dots"];
const HOSTILE_KEYS = ["Bad Key! ☃", "", "a/b/c/d", "123"];

async function irOf(pods: boolean): Promise<MeshIR> {
  const r = await compileLoaded(configFromValue(generateMesh(12, { pods })), { cwd: process.cwd(), verify: "none", targets: [] });
  assert.ok(r.ir);
  return r.ir!;
}

type Json = Record<string, unknown>;
/** Every concrete location matching `pattern` in `object`: [container, key] pairs. */
function locate(object: unknown, pattern: readonly string[]): [Json | unknown[], string | number][] {
  if (pattern.length === 0 || object === null || typeof object !== "object") return [];
  const [head, ...rest] = pattern;
  const keys: (string | number)[] = head === "*" ? (Array.isArray(object) ? object.map((_, i) => i) : Object.keys(object)) : Object.hasOwn(object, head!) ? [head!] : [];
  const container = object as Json;
  return rest.length === 0 ? keys.map((k) => [container, k] as [Json, string]) : keys.flatMap((k) => locate((container as never)[k], rest));
}

test("every free path of every emitted kind takes any string (and free maps any key) under the uncached schema check", async () => {
  const files: EmittedFile[] = [];
  for (const ir of [richIR, await irOf(true), await irOf(false)]) files.push(...kubernetes.emit(ir).files);
  const probed = new Set<string>();
  for (const file of files) {
    const object = emittedObjectOf(file)!;
    const rootType = rootTypeOf(object.apiVersion, object.kind);
    if (rootType === null || uncachedSchemaFindings(file.path, object).length > 0) continue;
    for (const path of freePathsOf(rootType)) {
      const pattern = path.split(".");
      for (const [container, key] of locate(object, pattern)) {
        if (typeof (container as never)[key] !== "string") continue;
        probed.add(`${rootType} ${path}`);
        for (const value of HOSTILE) {
          const copy = structuredClone(object);
          const [c, k] = locate(copy, pattern).find(([, k2]) => k2 === key)!;
          (c as never as Json)[k as string] = value;
          assert.equal(uncachedSchemaFindings(file.path, copy), [], `${file.path}: ${path} = ${JSON.stringify(value).slice(0, 40)}`);
        }
        // A free map (the path ends in *, over an object): any key.
        if (pattern.at(-1) === "*" && !Array.isArray(container)) {
          for (const extra of HOSTILE_KEYS) {
            const copy = structuredClone(object);
            const [c] = locate(copy, pattern).find(([, k2]) => k2 === key)!;
            (c as Json)[extra] = "v";
            assert.equal(uncachedSchemaFindings(file.path, copy), [], `${file.path}: ${path} with the key ${JSON.stringify(extra)}`);
          }
        }
      }
    }
  }
  // Every listed path was met (a path no emitted object has would be listed untested).
  const listed = new Set(["Service", "ConfigMap", "EndpointSlice", "NetworkPolicy", "Certificate", "Deployment", "ServiceAccount"].flatMap((t) => freePathsOf(t).map((p) => `${t} ${p}`)));
  // A sidecar patch has no namespace or labels; its metadata is the same ObjectMeta schema as every other kind's, probed there.
  const unprobed = [...listed].filter((p) => !probed.has(p) && !(p === "Deployment metadata.namespace" || p === "Deployment metadata.labels.*"));
  assert.equal(unprobed, [], "every free path was probed on some emitted object");
});

/** An emitted file holding `object`, as the emitter records it. */
function emitted(path: string, object: Json): EmittedFile {
  const file = { path, content: JSON.stringify(object) };
  recordEmitted(file, object);
  return file;
}

test("a broken object is reported after many objects of its kind passed (the memo keeps only passing shapes)", async () => {
  const ir = await irOf(true);
  const files = kubernetes.emit(ir).files;
  assert.equal(verifyKubernetesEmitted(files, ir), [], "the bundle passes: every shape is now known");
  const service = files.find((f) => f.path.startsWith("kubernetes/service-"))!;
  const patch = files.find((f) => f.path.includes("/patches/"))!;
  const certificate = files.find((f) => f.path.startsWith("kubernetes/certificate-"))!;
  const breakages: [EmittedFile, (o: any) => void][] = [
    [service, (o) => { o.spec.ports[0].protocol = "XTCP"; }],
    [service, (o) => { o.metadata.labels["app.kubernetes.io/name"] = 5; }],
    [service, (o) => { o.spec.selector = "app"; }],
    [patch, (o) => { o.spec.template.spec.containers[0].ports[0].containerPort = "8080"; }],
    [patch, (o) => { o.spec.template.spec.volumes[1].secret.defaultMode = "0440"; }],
    [certificate, (o) => { o.spec.privateKey.algorithm = "DSA"; }],
    [certificate, (o) => { o.spec.usages = ["digital signature", "teleport"]; }],
  ];
  for (const [file, change] of breakages) {
    const object = structuredClone(emittedObjectOf(file)!);
    change(object);
    const codes = verifyKubernetesEmitted([emitted(file.path, object)], { ...ir, infra: { ...ir.infra, workloads: [] } }).map((d) => d.code);
    assert.ok(codes.includes("MESH4402"), `${file.path} broken (${change.toString()}) is reported: ${codes.join(", ")}`);
    // And again: a failing shape is never remembered as passing.
    const again = verifyKubernetesEmitted([emitted(file.path, structuredClone(object))], { ...ir, infra: { ...ir.infra, workloads: [] } }).map((d) => d.code);
    assert.ok(again.includes("MESH4402"), `${file.path} broken is reported the second time too`);
  }
});

test.run();
