// manifestText (targets/kubernetes/manifest-text.ts) gives toYaml(object) exactly: for every
// object the target emits from the examples' IRs and generated meshes, and for objects of a
// templated structure whose strings and numbers are changed to hostile values (the strings a
// template fills in, the numbers and keys it must not take from the template).
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { generateMesh } from "../../bench/generate.ts";
import { compileLoaded } from "../../compiler/compile.ts";
import type { MeshIR } from "../../compiler/ir/types.ts";
import { toYaml } from "../../compiler/serialize.ts";
import { configFromValue } from "../../compiler/testing.ts";
import { kubernetes } from "../../targets/kubernetes/index.ts";
import { emittedObjectOf } from "../../targets/kubernetes/emitted.ts";
import { manifestText, PLAIN_NAME, QUOTED_AS_IS } from "../../targets/kubernetes/manifest-text.ts";
import { richIR } from "../fixtures/ir/kubernetes-rich.ts";

const HOSTILE = ["", "yes", "No", "null", "~", "123", "0x1F", "1e3", "-", "- a", "a: b", "a #b", "#x", "'q'", "\"dq\"", "[x]", "{x}", "*a", "&a", "!t", "%p", "@at", "`b",
  "x:", " lead", "trail ", "tab\there", "cr\rhere", "\u2028", "\u0085", "\ufeff", "\u007f", "ü ☃ 𝄞", "x".repeat(300), "zqMeshcSlot0z", "2026-01-01", ".inf", "=", "<<"];

async function irOf(services: number, pods: boolean): Promise<MeshIR> {
  const r = await compileLoaded(configFromValue(generateMesh(services, { pods })), { cwd: process.cwd(), verify: "none", targets: [] });
  assert.ok(r.ir);
  return r.ir!;
}

/** Every example's IR (examples/<name>/mesh.config.ts), compiled without targets. */
async function exampleIRs(): Promise<MeshIR[]> {
  const { compileFile } = await import("../../compiler/compile.ts");
  const out: MeshIR[] = [];
  for (const name of readdirSync("examples").sort()) {
    const r = await compileFile(join("examples", name, "mesh.config.ts"), { cwd: process.cwd(), verify: "none", targets: [] }).catch(() => null);
    if (r?.ir) out.push(r.ir);
  }
  return out;
}

test("every emitted file is toYaml of its object (examples, rich IR, generated meshes with pods and VMs)", async () => {
  const irs = [richIR, ...(await exampleIRs()), await irOf(30, true), await irOf(30, false)];
  assert.ok(irs.length >= 5, `IRs: ${irs.length}`);
  let files = 0;
  for (const ir of irs) {
    for (const file of kubernetes.emit(ir).files) {
      const object = emittedObjectOf(file)!;
      assert.is(file.content, toYaml(object), file.path);
      files++;
    }
  }
  assert.ok(files > 500, `files: ${files}`);
});

/** Every string and number leaf of `value`, as setters. */
function leaves(value: unknown, out: ((v: unknown) => void)[] = [], kinds = new Set(["string", "number"])): ((v: unknown) => void)[] {
  if (value === null || typeof value !== "object") return out;
  for (const key of Object.keys(value)) {
    const member = (value as Record<string, unknown>)[key];
    if (kinds.has(typeof member)) out.push((v) => { (value as Record<string, unknown>)[key] = v; });
    else leaves(member, out, kinds);
  }
  return out;
}

test("objects of a templated structure with hostile strings, other numbers, multi-line strings and extra keys are still toYaml's text", async () => {
  const ir = await irOf(12, true);
  const objects = kubernetes.emit(ir).files.map((f) => emittedObjectOf(f)!);
  for (const object of objects) manifestText(object); // every structure has its template now
  let checked = 0;
  for (const object of objects.slice(0, 60)) {
    const count = leaves(structuredClone(object)).length;
    for (let i = 0; i < count; i++) {
      for (const value of [...HOSTILE, "two\nlines", "trailing\n", 0, -1, 65536, 1.5]) {
        const copy = structuredClone(object);
        leaves(copy)[i]!(value);
        assert.is(manifestText(copy), toYaml(copy), `${String(object.kind)} leaf ${i} = ${JSON.stringify(value)}`);
        checked++;
      }
    }
    const extra = structuredClone(object) as Record<string, unknown>;
    extra[typeof extra.metadata === "object" ? "aaa" : "zzz"] = "extra";
    if (typeof extra.metadata === "object") (extra.metadata as Record<string, unknown>)["aaa"] = "first";
    assert.is(manifestText(extra), toYaml(extra), `${String(object.kind)} with an extra key`);
    const reordered = Object.fromEntries(Object.entries(structuredClone(object)).reverse());
    assert.is(manifestText(reordered), toYaml(reordered), `${String(object.kind)} with its keys in another order`);
  }
  assert.ok(checked > 1000, `checked: ${checked}`);
});

test("the names a template fills without asking the serializer (PLAIN_NAME) are the ones toYaml writes as they are", () => {
  // Random strings over the name alphabet and the characters next to it, at the lengths around the limit.
  const alphabet = "abcxyzYNOTF019.-_/:@+ ~#'\"\\,";
  let seed = 7;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const samples = ["yes-no", "falsey", "nullable", "svc-12-proxy", "bench-1000", "a.b.c.d.e", "x-----", "True-1", "spiffe://cluster.local/ns/a/sa/b", "abcde:", "a:b:c:d", ...HOSTILE];
  // Half over the name characters only (most of those are names), half with the others mixed in.
  for (let i = 0; i < 20_000; i++) samples.push(Array.from({ length: 1 + Math.floor(next() * 9) }, () => alphabet[Math.floor(next() * (i % 2 === 0 ? 21 : alphabet.length))]).join(""));
  let plain = 0;
  for (const s of samples) {
    if (!PLAIN_NAME.test(s)) continue;
    assert.is(toYaml(s), `${s}\n`, JSON.stringify(s));
    assert.is(toYaml({ k: s }), `k: ${s}\n`, JSON.stringify(s));
    plain++;
  }
  assert.ok(plain > 1000, `plain: ${plain}`);
});

test("the strings a template fills as they are between double quotes (QUOTED_AS_IS) are the ones toYaml writes so", () => {
  // Random strings over plain characters, blanks, the other ASCII indicators, escapes and a few non-ASCII characters.
  const alphabet = "abcyYnN019.-_/:@+ =,#'!&*?|>%[]{}~`<^;\"\\\t\u007f\u0085\u2028éü";
  let seed = 11;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const samples = ["service svc-12", "app=svc-12", "rule a1-all, rule a2-read", " ", "a b", "yes no", "- a", "#x", "a: b", "x:", " lead", "trail ", ...HOSTILE];
  for (let i = 0; i < 20_000; i++) samples.push(Array.from({ length: 1 + Math.floor(next() * 12) }, () => alphabet[Math.floor(next() * alphabet.length)]).join(""));
  let quoted = 0;
  for (const s of samples) {
    if (!QUOTED_AS_IS.test(s)) continue;
    assert.is(toYaml(s), `"${s}"\n`, JSON.stringify(s));
    assert.is(toYaml({ k: [s] }), `k:\n  - "${s}"\n`, JSON.stringify(s));
    quoted++;
  }
  assert.ok(quoted > 1000, `quoted: ${quoted}`);
});

test("objects with long top-level lists (a kustomization's resources and patches) are toYaml's text, whatever the items", () => {
  const names = (n: number, f: (i: number) => unknown) => Array.from({ length: n }, (_, i) => f(i));
  const patch = (i: number, selector: string) => ({ path: `patches/svc-${i}.yaml`, target: { group: "apps", version: "v1", kind: "Deployment|StatefulSet", labelSelector: selector } });
  const cases: Record<string, unknown>[] = [
    { apiVersion: "kustomize.config.k8s.io/v1beta1", kind: "Kustomization", namespace: "mesh", resources: names(300, (i) => `svc-${i}.yaml`) },
    { apiVersion: "x/v1", kind: "ListA", resources: names(70, (i) => HOSTILE[i % HOSTILE.length]) },
    { apiVersion: "x/v1", kind: "ListB", patches: names(300, (i) => patch(i, HOSTILE[i % HOSTILE.length]!)), empty: [], small: ["a", "b"] },
    { apiVersion: "x/v1", kind: "ListC", patches: names(100, (i) => (i % 3 === 0 ? patch(i, `app=s${i}`) : i % 3 === 1 ? { path: `p${i}`, n: i } : { nested: [{ a: `x${i}` }], empty: {} })) },
    { apiVersion: "x/v1", kind: "ListD", a: names(80, (i) => `a${i}`), b: names(90, (i) => ({ k: `b${i}`, [`zqMeshcList${i % 2}z`]: "m" })), zqMeshcList0z: "zqMeshcList1z" },
    { apiVersion: "x/v1", kind: "ListE", a: names(80, (i) => (i === 40 ? "multi\nline\n" : `a${i}`)) },
    { apiVersion: "x/v1", kind: "ListF", a: names(80, (i) => (i === 40 ? 7 : `a${i}`)), b: names(80, (i) => (i === 3 ? [1, "x"] : { v: i === 5 ? "two\nlines" : "one" })) },
    { apiVersion: "x/v1", kind: "ListG", a: names(80, (i) => ({ ["k" + (i % 7)]: `v${i}`, list: names(i % 4, (j) => `l${j}`) })) },
  ];
  for (const object of cases) assert.is(manifestText(object), toYaml(object), String(object.kind));
});

test("ConfigMaps with one long data member (the sidecar configs' fast path) are toYaml's text, whatever the key, text and the rest", () => {
  const config = Array.from({ length: 60 }, (_, i) => `line ${i}: value-${i}`).join("\n") + "\n";
  const texts = [
    config, config.slice(0, -1), `${config}\n`, ` ${config}`, `\n${config}`, config.replace("line 3", "line 3 "), config.replace("line 4", "\n"),
    config.replace("line 5", "tab\there"), config.replace("line 6", "\u0085"), config.replace("line 7", "ü ☃"), config.replace("line 8", "zqMeshcData0z"),
    config.replace("line 9", "data: zqMeshcData0z"), "x".repeat(2000), `${"y".repeat(1100)}\n`,
  ];
  const keys = ["svc-12.yaml", "envoy.yaml", "zqMeshcData0z", "data", "capture.sh", ...HOSTILE];
  const metadata = (name: string) => ({ name, namespace: "mesh", labels: { "app.kubernetes.io/name": name }, annotations: { "meshc.dev/source": `service ${name}` } });
  const cases: Record<string, unknown>[] = [];
  for (const [i, key] of keys.entries()) for (const text of texts) cases.push({ apiVersion: "v1", kind: "ConfigMap", metadata: metadata(`svc-${i}-proxy`), data: { [key]: text } });
  for (const name of HOSTILE) cases.push({ apiVersion: "v1", kind: "ConfigMap", metadata: metadata(name), data: { "svc.yaml": config } });
  cases.push(
    { apiVersion: "v1", kind: "ConfigMap", metadata: metadata("two"), data: { "a.yaml": config, "b.yaml": config } },
    { apiVersion: "v1", kind: "ConfigMap", metadata: metadata("short"), data: { "a.yaml": "short\ntext\n" } },
    { apiVersion: "v1", kind: "ConfigMap", metadata: metadata("empty"), data: {} },
    { apiVersion: "v1", kind: "ConfigMap", metadata: { ...metadata("marker"), annotations: { x: "zqMeshcData0z" } }, data: { "svc.yaml": config } },
    { apiVersion: "v1", kind: "ConfigMap", zqMeshcData0z: "data", metadata: metadata("marker-key"), data: { "svc.yaml": config } },
    { apiVersion: "v1", kind: "ConfigMap", metadata: metadata("data-first"), data: { "svc.yaml": config }, binaryData: { x: "eA==" } },
    { data: { "svc.yaml": config }, apiVersion: "v1", kind: "ConfigMap", metadata: metadata("order") },
    { apiVersion: "v1", kind: "ConfigMap", metadata: metadata("undefined"), data: { "svc.yaml": config, other: undefined } },
    { apiVersion: "v1", kind: "Other", metadata: metadata("nested"), spec: { data: { "svc.yaml": config } }, data: { "svc.yaml": config } },
  );
  // Twice: the first objects of a structure make its templates, the rest are written from them.
  for (let round = 0; round < 2; round++) for (const object of cases) assert.is(manifestText(object), toYaml(object), `${JSON.stringify(object.metadata)} ${JSON.stringify(Object.keys(object.data as object))}`);
});

test.run();
