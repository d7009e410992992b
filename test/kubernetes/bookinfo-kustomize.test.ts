// examples/bookinfo deployed onto Istio's unmodified Bookinfo manifests, built by the REAL
// kustomize (`kubectl kustomize`), as a user would: an overlay holding the app, the bundle's
// kubernetes/ as a resource and kubernetes/sidecars as a component. Every Deployment must get
// its sidecar, the identity Secret, the capture init container; no object may be duplicated;
// and the config each rendered pod mounts must be the proxy target's own output for it.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";
import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { compileFile } from "../../compiler/compile.ts";
import type { MeshIR } from "../../compiler/ir/types.ts";
import { CAPTURE_SCRIPT_KEY } from "../../targets/kubernetes/names.ts";
import { PROXY_CONFIG_DIR } from "../../targets/kubernetes/options.ts";
import { makeTempPrefix } from "../support/procs.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const APP = join(ROOT, "test", "fixtures", "bookinfo", "bookinfo.yaml");
const DEPLOYMENTS = ["details-v1", "productpage-v1", "ratings-v1", "reviews-v1", "reviews-v2", "reviews-v3"];

function kubectl(args: readonly string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync("kubectl", [...args], { encoding: "utf8", timeout: 60_000 });
  if (r.error && (r.error as NodeJS.ErrnoException).code === "ENOENT") {
    throw new Error("kubectl is not installed: this test needs the real kustomize (`kubectl kustomize`, kubectl >= 1.27 with kustomize v5). Install kubectl; Debian's kubernetes-client 1.20 is too old for Components.");
  }
  return { status: r.status, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
}

test("kubectl with kustomize v5 is installed (the overlay is built by the real kustomize)", () => {
  const version = kubectl(["version", "--client"]);
  assert.is(version.status, 0, version.stderr);
  assert.match(version.stdout, /Kustomize Version: v5\./);
});

async function compileBookinfo(flavour: "envoy" | "nginx" | "haproxy") {
  const result = await compileFile(join(ROOT, "examples", "bookinfo", "mesh.config.ts"), {
    cwd: ROOT, targets: ["kubernetes", flavour], sidecar: flavour, typecheck: false, verify: "default",
  });
  assert.equal(result.diagnostics.filter((d) => d.severity === "error").map((d) => d.message), []);
  return { ir: result.ir as MeshIR, files: new Map(result.files.map((f) => [f.path, f.content])) };
}

/** Writes the bundle and an overlay holding the unmodified app; returns the rendered objects. */
function buildOverlay(dir: string, files: ReadonlyMap<string, string>, withComponent: boolean): any[] {
  for (const [path, content] of files) {
    mkdirSync(dirname(join(dir, "bundle", path)), { recursive: true });
    writeFileSync(join(dir, "bundle", path), content);
  }
  const overlay = join(dir, withComponent ? "overlay" : "overlay-plain");
  mkdirSync(overlay, { recursive: true });
  copyFileSync(APP, join(overlay, "bookinfo.yaml"));
  writeFileSync(join(overlay, "kustomization.yaml"), [
    "apiVersion: kustomize.config.k8s.io/v1beta1", "kind: Kustomization", "namespace: bookinfo",
    "resources:", "  - bookinfo.yaml", "  - ../bundle/kubernetes",
    ...(withComponent ? ["components:", "  - ../bundle/kubernetes/sidecars"] : []), "",
  ].join("\n"));
  const built = kubectl(["kustomize", overlay]);
  assert.is(built.status, 0, `kubectl kustomize failed:\n${built.stderr}`);
  return parseAllDocuments(built.stdout).map((d) => d.toJS()).filter((o) => o !== null);
}

const idOf = (o: any) => `${o.apiVersion}/${o.kind}/${o.metadata.namespace ?? ""}/${o.metadata.name}`;
const serviceOf = (deployment: any) => deployment.metadata.labels.app as string;

for (const flavour of ["envoy", "nginx", "haproxy"] as const) {
  test(`bookinfo (${flavour} sidecars) on Istio's unmodified manifests, built by kubectl kustomize: every Deployment injected, nothing duplicated`, async () => {
    const { ir, files } = await compileBookinfo(flavour);
    const prefix = makeTempPrefix("bookinfo-kustomize");
    try {
      const objects = buildOverlay(prefix.dir, files, true);
      const ids = objects.map(idOf);
      assert.equal(ids.filter((id, i) => ids.indexOf(id) !== i), [], "no object twice");
      const byKind = (kind: string) => objects.filter((o) => o.kind === kind);
      // Adopted: the app's four ServiceAccounts and Services; meshc adds only the per-version Services.
      assert.equal(byKind("ServiceAccount").map((o) => o.metadata.name).sort(), ["bookinfo-details", "bookinfo-productpage", "bookinfo-ratings", "bookinfo-reviews"]);
      assert.equal(byKind("Service").map((o) => o.metadata.name).sort(), ["details", "productpage", "ratings", "reviews", "reviews-v1", "reviews-v2", "reviews-v3"]);
      assert.equal(byKind("Service").filter((s) => s.metadata.name === "details")[0].metadata.labels, { app: "details", service: "details" }, "the app's own Service");
      for (const o of objects) if (o.kind !== "Namespace") assert.is(o.metadata.namespace, "bookinfo", idOf(o));

      const deployments = byKind("Deployment");
      assert.equal(deployments.map((d) => d.metadata.name).sort(), DEPLOYMENTS);
      for (const deployment of deployments) {
        const name = deployment.metadata.name;
        const service = serviceOf(deployment);
        const spec = deployment.spec.template.spec;
        new Deployment(deployment).validate();
        // The app is untouched: its container, port and ServiceAccount.
        const app = spec.containers.find((c: any) => c.name === service);
        assert.ok(app, `${name}: the app container stays`);
        assert.equal(app.ports, [{ containerPort: 9080 }], `${name}: the app keeps its port`);
        assert.is(spec.serviceAccountName, `bookinfo-${service}`, `${name}: the app's own ServiceAccount`);
        assert.is(deployment.spec.template.metadata.labels["meshc.dev/mesh"], "bookinfo", `${name}: mesh member label (NetworkPolicies)`);

        // The sidecar, its identity Secret mounted at the cert dir, from the Certificate of the adopted account.
        const sidecars = spec.containers.filter((c: any) => c.name === "meshc-proxy");
        assert.is(sidecars.length, 1, `${name}: exactly one sidecar`);
        const sidecar = sidecars[0];
        const identity = ir.infra.identities.find((i) => i.name === `bookinfo-${service}`)!;
        assert.is(identity.spiffeId, `spiffe://cluster.local/ns/bookinfo/sa/bookinfo-${service}`, "the SPIFFE ID follows the adopted ServiceAccount");
        const certs = spec.volumes.find((v: any) => v.name === "meshc-certs");
        assert.is(certs.secret.secretName, identity.secretName, `${name}: identity Secret`);
        assert.ok(sidecar.volumeMounts.some((m: any) => m.name === "meshc-certs" && m.mountPath === ir.runtime.certDir), `${name}: Secret mounted`);
        const certificate = byKind("Certificate").find((c) => c.spec.secretName === identity.secretName);
        assert.equal(certificate?.spec.uris, [identity.spiffeId], `${name}: a Certificate writes that Secret with the SPIFFE ID`);

        // The capture init container runs the script from the workload's ConfigMap.
        const init = (spec.initContainers ?? []).filter((c: any) => c.name === "meshc-init");
        assert.is(init.length, 1, `${name}: the capture init container`);
        assert.equal(init[0].securityContext.capabilities.add, ["NET_ADMIN", "NET_RAW"]);
        const captureVolume = spec.volumes.find((v: any) => v.name === "meshc-capture");
        const configMap = byKind("ConfigMap").find((c) => c.metadata.name === captureVolume.configMap.name);
        assert.ok(configMap, `${name}: its proxy ConfigMap is in the build`);
        const script: string = configMap.data[CAPTURE_SCRIPT_KEY];
        const proxy = ir.proxies.find((p) => p.name === service)!;
        const inbound = proxy.listeners.find((l) => l.direction === "inbound")!;
        assert.ok(script.includes(`--dport 9080 -j REDIRECT --to-ports ${inbound.port}`), `${name}: 9080 is redirected to the sidecar's inbound listener`);
        assert.ok(script.includes(`--uid-owner ${sidecar.securityContext.runAsUser} -j RETURN`), `${name}: the rules exempt the uid the sidecar runs as`);

        // The pod's proxy config is the proxy target's own output for this service, at the same paths.
        const configVolume = spec.volumes.find((v: any) => v.name === "meshc-proxy-config");
        const mounted = new Map<string, string>(configVolume.configMap.items.map((item: any) => [item.path, configMap.data[item.key]]));
        const own = [...files].filter(([path]) => path.startsWith(`${flavour}/${service}.`) || path.startsWith(`${flavour}/${service}/`));
        assert.ok(own.length > 0);
        assert.equal([...mounted.keys()].sort(), own.map(([path]) => path.slice(flavour.length + 1)).sort(), `${name}: every file of the proxy's folder is mounted`);
        for (const [path, content] of own) assert.is(mounted.get(path.slice(flavour.length + 1)), content, `${name}: ${path} as the ${flavour} target wrote it`);
        const entry = sidecar.command.find((arg: string) => arg.startsWith(`${PROXY_CONFIG_DIR}/`));
        assert.ok(mounted.has(entry.slice(PROXY_CONFIG_DIR.length + 1)), `${name}: the sidecar starts on a mounted file (${entry})`);
        assert.is(sidecar.image, { envoy: "docker.io/envoyproxy/envoy:v1.32.3", nginx: "docker.io/library/nginx:1.22.1", haproxy: "docker.io/library/haproxy:2.6.12" }[flavour]);
        assert.is(sidecar.imagePullPolicy, "IfNotPresent", "from the config's kubernetes.imagePullPolicy");
        assert.equal(sidecar.resources, { requests: { cpu: "50m", memory: "64Mi" }, limits: { memory: "256Mi" } });
      }
    } finally {
      prefix.remove();
    }
  });
}

test("without the sidecars component the same overlay injects nothing (why injection is a Component)", async () => {
  const { files } = await compileBookinfo("nginx");
  const prefix = makeTempPrefix("bookinfo-kustomize");
  try {
    const objects = buildOverlay(prefix.dir, files, false);
    const injected = objects.filter((o) => o.kind === "Deployment" && o.spec.template.spec.containers.some((c: any) => c.name === "meshc-proxy"));
    assert.is(injected.length, 0);
    assert.is(objects.filter((o) => o.kind === "Deployment").length, DEPLOYMENTS.length);
  } finally {
    prefix.remove();
  }
});

test.run();
