// The in-process kustomization check (kustomize-check.ts), and a model of what the sidecars
// Component does to a user's Deployment: resolve the kustomizations, then merge each sidecar
// patch into a user Deployment its label selector matches, the way a strategic merge does
// (containers and volumes by name), and check the result is valid and wired to emitted
// objects. bookinfo-kustomize.test.ts does the same with the real kustomize.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { parse } from "yaml";
import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import type { MeshIR } from "../../compiler/ir/types.ts";
import type { EmittedFile } from "../../compiler/target.ts";
import { createKubernetesTarget } from "../../targets/kubernetes/index.ts";
import { resolveKustomizations } from "../../targets/kubernetes/kustomize-check.ts";
import { richIR } from "../fixtures/ir/kubernetes-rich.ts";
import { sampleIR } from "../fixtures/ir/sample.ts";
import { standInProxy } from "./stand-in-proxy.ts";

const emit = (ir: MeshIR) => createKubernetesTarget(standInProxy).emit(ir).files;
const objectsOf = (files: readonly EmittedFile[]) => new Map(files.map((f) => [f.path, parse(f.content) as unknown]));
const rulesOf = (files: readonly EmittedFile[], ir: MeshIR = sampleIR) => resolveKustomizations(objectsOf(files), ir).map((f) => [f.rule, f.file, f.path]);

function withKustomization(files: readonly EmittedFile[], path: string, change: (k: any) => void): EmittedFile[] {
  return files.map((f) => {
    if (f.path !== path) return f;
    const k = parse(f.content);
    change(k);
    return { ...f, content: JSON.stringify(k) };
  });
}

/** Resources in apply order for a kustomization folder: its own files, and those of the kustomizations it includes. */
function collectResources(objects: Map<string, any>, dir: string): string[] {
  const k = objects.get(`${dir}/kustomization.yaml`);
  return k.resources.flatMap((entry: string) => {
    const target = entry === ".." ? dir.split("/").slice(0, -1).join("/") : `${dir}/${entry}`;
    return objects.has(`${target}/kustomization.yaml`) ? collectResources(objects, target) : [target];
  });
}

/** Strategic merge for the parts the sidecar patch touches: maps merge, containers/volumes merge by name. */
function strategicMerge(base: any, patch: any): any {
  if (Array.isArray(base) && Array.isArray(patch)) {
    const out = [...base];
    for (const item of patch) {
      const i = out.findIndex((b) => b?.name !== undefined && b.name === item?.name);
      if (i === -1) out.push(item); else out[i] = strategicMerge(out[i], item);
    }
    return out;
  }
  if (base && patch && typeof base === "object" && typeof patch === "object") {
    const out = { ...base };
    for (const [key, value] of Object.entries(patch)) out[key] = key in base ? strategicMerge(base[key], value) : value;
    return out;
  }
  return patch;
}

const userDeployment = (name: string, labels: Record<string, string>) => ({
  apiVersion: "apps/v1", kind: "Deployment", metadata: { name },
  spec: { selector: { matchLabels: labels }, template: { metadata: { labels }, spec: {
    containers: [{ name: "app", image: "registry.example/app:1", ports: [{ containerPort: 18080 }] }],
    volumes: [{ name: "data", emptyDir: {} }],
  } } },
});

for (const [label, ir] of [["sample", sampleIR], ["rich", richIR]] as const) {
  test(`${label}: both kustomizations resolve: everything listed exists, nothing unlisted, patches hit workloads`, () => {
    assert.equal(rulesOf(emit(ir), ir), []);
  });

  test(`${label}: rendered like kubectl kustomize: namespaced, patched Deployments valid and wired to emitted objects`, () => {
    const objects = objectsOf(emit(ir)) as Map<string, any>;
    const root = objects.get("kubernetes/kustomization.yaml");
    const rendered = collectResources(objects, "kubernetes").map((file) => objects.get(file));
    const dev = collectResources(objects, "kubernetes/dev");
    const hostCertificates = ir.infra.gateways.filter((g) => g.tlsSecretName !== null).length;
    assert.is(dev.length, rendered.length + 2 + hostCertificates, "dev = root + ClusterIssuer + CA Certificate + gateway host Certificates");
    for (const object of rendered) if (object.kind !== "Namespace") assert.is(object.metadata.namespace ?? root.namespace, ir.infra.namespace);
    const names = (kind: string) => new Set(rendered.filter((o) => o.kind === kind).map((o) => o.metadata.name));
    assert.is(root.patches, undefined, "a base's patches never reach the user's workloads");
    const component = objects.get("kubernetes/sidecars/kustomization.yaml");
    assert.is(component.kind, "Component");
    assert.ok(component.patches.length > 0);
    for (const ref of component.patches) {
      const patch = objects.get(`kubernetes/sidecars/${ref.path}`);
      const workload = ir.infra.workloads.find((w) => w.name === patch.metadata.name)!;
      assert.is(ref.target.kind, "Deployment|StatefulSet|DaemonSet");
      assert.is(ref.target.labelSelector, Object.entries(workload.workloadLabels).map(([k, v]) => `${k}=${v}`).join(","));
      const merged = strategicMerge(userDeployment(`${workload.name}-v1`, { ...workload.selector }), patch);
      new Deployment(merged).validate();
      const pod = merged.spec.template.spec;
      assert.equal(pod.containers.map((c: any) => c.name), ["app", "meshc-proxy"], "the user's container stays");
      assert.equal(pod.volumes.map((v: any) => v.name), ["data", "meshc-proxy-config", "meshc-certs", "meshc-run", "meshc-log"]);
      assert.ok(names("ConfigMap").has(pod.volumes[1].configMap.name));
      assert.ok(names("ServiceAccount").has(pod.serviceAccountName));
      const secrets = new Set(rendered.filter((o) => o.kind === "Certificate").map((o) => o.spec.secretName));
      assert.ok(secrets.has(pod.volumes[2].secret.secretName), "the Secret mounted is one a Certificate writes");
      assert.equal(merged.spec.selector.matchLabels, workload.selector, "the immutable selector is untouched");
    }
  });
}

test("a listed file that is missing, outside the root, or not listed is found", () => {
  const files = emit(sampleIR);
  const missing = files.filter((f) => f.path !== "kubernetes/service-web.yaml");
  const index = (parse(files.find((f) => f.path === "kubernetes/kustomization.yaml")!.content).resources as string[]).indexOf("service-web.yaml");
  assert.equal(rulesOf(missing), [["kustomizationResourceMissing", "kubernetes/kustomization.yaml", `resources[${index}]`]]);
  const outside = withKustomization(files, "kubernetes/kustomization.yaml", (k) => k.resources.push("../envoy/web.yaml"));
  assert.equal(rulesOf(outside).map((r) => r[0]), ["kustomizationResourceMissing"]);
  const unlisted = [...files, { path: "kubernetes/extra.yaml", content: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\n" }];
  assert.equal(rulesOf(unlisted), [["kustomizationFileUnlisted", "kubernetes/extra.yaml", ""]]);
  const devOutside = withKustomization(files, "kubernetes/dev/kustomization.yaml", (k) => k.resources.push("../service-web.yaml"));
  assert.equal(rulesOf(devOutside).map((r) => r[0]), ["kustomizationResourceMissing"], "kustomize refuses files outside its own root");
  // A folder is a resource only when it holds a kustomization: sidecars/ does, sidecars/patches/ does not.
  const folders = withKustomization(files, "kubernetes/dev/kustomization.yaml", (k) => k.resources.push("../sidecars", "../sidecars/patches"));
  assert.equal(rulesOf(folders), [["kustomizationResourceMissing", "kubernetes/dev/kustomization.yaml", `resources[${parse(files.find((f) => f.path === "kubernetes/dev/kustomization.yaml")!.content).resources.length + 1}]`]]);
});

test("a sidecar patch that selects the wrong workloads, or sits in a plain Kustomization, is found", () => {
  const files = emit(sampleIR);
  const component = "kubernetes/sidecars/kustomization.yaml";
  const wrongLabels = withKustomization(files, component, (k) => { k.patches[0].target.labelSelector = "app=webb"; });
  assert.equal(rulesOf(wrongLabels), [["kustomizationPatchTarget", component, "patches[0].target"]]);
  const byName = withKustomization(files, component, (k) => { k.patches[0].target = { kind: "Deployment", name: "web" }; });
  assert.equal(rulesOf(byName).map((r) => r[0]), ["kustomizationPatchTarget"]);
  const gone = withKustomization(files, component, (k) => { k.patches[0].path = "patches/nope.yaml"; });
  assert.equal(rulesOf(gone).map((r) => r[0]).sort(), ["kustomizationFileUnlisted", "kustomizationResourceMissing"]);
  // The old layout: patches in the base kustomization, which kustomize silently applies to nothing of the user's.
  const inBase = withKustomization(files, "kubernetes/kustomization.yaml", (k) => {
    k.patches = [{ path: "sidecars/patches/web.yaml", target: { group: "apps", version: "v1", kind: "Deployment|StatefulSet|DaemonSet", labelSelector: "app=web" } }];
  });
  assert.equal(rulesOf(inBase), [["kustomizationPatchTarget", "kubernetes/kustomization.yaml", "patches[0]"]]);
});

test.run();
