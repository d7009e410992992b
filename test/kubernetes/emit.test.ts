// The Kubernetes target from IR fixtures: goldens, determinism, structure of what each
// IR part becomes, and the diagnostics for what Gateway API or Kubernetes cannot say.
import { posix } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { parse } from "yaml";
import type { MeshIR } from "../../compiler/ir/types.ts";
import type { Target } from "../../compiler/target.ts";
import { envoy } from "../../targets/envoy/index.ts";
import { haproxy } from "../../targets/haproxy/index.ts";
import { nginx } from "../../targets/nginx/index.ts";
import { verifyKubernetesFiles } from "../../targets/kubernetes/verify.ts";
import { createKubernetesTarget, DEFAULT_OPTIONS, kubernetes } from "../../targets/kubernetes/index.ts";
import { relativeToSidecars } from "../../targets/kubernetes/kustomization.ts";
import { richIR } from "../fixtures/ir/kubernetes-rich.ts";
import { sampleIR } from "../fixtures/ir/sample.ts";
import { compareGolden } from "../support/golden.ts";
import { standInProxy } from "./stand-in-proxy.ts";

const target = createKubernetesTarget(standInProxy);
const emitFiles = (ir: MeshIR, t: Target = target) => new Map(t.emit(ir).files.map((f) => [f.path, f.content]));
function read(files: Map<string, string>, path: string): any {
  const content = files.get(`kubernetes/${path}`);
  if (content === undefined) throw new Error(`missing kubernetes/${path}`);
  return parse(content);
}
const codesOf = (ir: MeshIR, t: Target = target) => t.emit(ir).diagnostics.map((d) => d.code).sort();
const withInfra = (over: Partial<MeshIR["infra"]>): MeshIR => ({ ...richIR, infra: { ...richIR.infra, ...over } });

test("sample IR matches the golden kubernetes/ folder", () => {
  const files = new Map([...emitFiles(sampleIR)].map(([p, c]) => [p.replace(/^kubernetes\//, ""), c]));
  const problems = compareGolden("ir-sample/kubernetes", files);
  assert.equal(problems, [], problems.join("\n"));
});

test("emit is deterministic and does not mutate the IR", () => {
  const frozen = structuredClone(richIR);
  const first = target.emit(frozen);
  const second = target.emit(frozen);
  assert.equal(first, second);
  assert.equal(frozen, richIR);
  assert.equal(first.files.map((f) => f.path), [...first.files.map((f) => f.path)].sort());
});

test("every file holds one object, under kubernetes/", () => {
  for (const [path, content] of emitFiles(richIR)) {
    assert.ok(path.startsWith("kubernetes/"), path);
    assert.is(content.split(/^---$/m).length, 1, path);
  }
});

test("services target the sidecar port; versions get their own Service; VMs are selector-less with EndpointSlices per family", () => {
  const files = emitFiles(richIR);
  const web = read(files, "service-web.yaml");
  assert.equal(web.spec.ports, [{ appProtocol: "http", name: "http", port: 8080, protocol: "TCP", targetPort: 8080 }]);
  assert.equal(read(files, "service-catalog-v2.yaml").spec.selector, { app: "catalog", version: "v2" });
  const ledger = read(files, "service-ledger.yaml");
  assert.is(ledger.spec.selector, undefined);
  assert.is(read(files, "endpointslice-ledger-1.yaml").addressType, "IPv4");
  assert.equal(read(files, "endpointslice-ledger-1.yaml").endpoints.map((e: any) => e.addresses[0]), ["10.0.4.10", "10.0.4.11"]);
  assert.is(read(files, "endpointslice-ledger-2.yaml").addressType, "IPv6");
  assert.is(read(files, "endpointslice-ledger-2.yaml").metadata.labels["kubernetes.io/service-name"], "ledger");
  assert.not.ok(files.has("kubernetes/sidecars/patches/ledger.yaml"), "a VM has no Deployment to patch");
});

test("the sidecar patch mounts the ConfigMap and the identity Secret at the paths the proxy reads", () => {
  const files = emitFiles(richIR);
  const patch = read(files, "sidecars/patches/catalog.yaml");
  const pod = patch.spec.template.spec;
  assert.is(pod.serviceAccountName, "catalog");
  const container = pod.containers[0];
  assert.is(container.name, "meshc-proxy");
  assert.equal(container.command, ["envoy", "--config-path", "/etc/meshc/proxy/catalog.yaml"]);
  const certs = pod.volumes.find((v: any) => v.name === "meshc-certs");
  assert.is(certs.secret.secretName, "catalog-mesh-cert");
  assert.equal(certs.secret.items, [{ key: "tls.crt", path: "catalog/cert.pem" }, { key: "tls.key", path: "catalog/key.pem" }, { key: "ca.crt", path: "ca.pem" }]);
  assert.is(container.volumeMounts.find((m: any) => m.name === "meshc-certs").mountPath, richIR.runtime.certDir);
  assert.is(pod.volumes.find((v: any) => v.name === "meshc-proxy-config").configMap.name, "catalog-proxy");
  assert.is(patch.spec.template.metadata.labels["meshc.dev/mesh"], "shop");
});

test("the default target puts the Envoy target's own output in the ConfigMaps", () => {
  const files = emitFiles(sampleIR, kubernetes);
  const envoyWeb = envoy.emit(sampleIR).files.find((f) => f.path === "envoy/web.yaml")!;
  assert.is(read(files, "configmap-web-proxy.yaml").data["web.yaml"], envoyWeb.content);
});

test("nginx and HAProxy flavours: their files in the ConfigMap, their foreground command, zero findings", () => {
  // nginx's conf imports its njs module (the request model) from the file next to it: both are in the ConfigMap.
  const flavours = [
    // HAProxy's config loads its Lua identity converter from beside itself.
    [nginx, ["web.conf", "web.js"], ["nginx", "-c", "/etc/meshc/proxy/web.conf", "-g", "daemon off;"]],
    [haproxy, ["web.cfg", "web.lua"], ["haproxy", "-db", "-f", "/etc/meshc/proxy/web.cfg"]],
  ] as const;
  for (const [proxyTarget, keys, command] of flavours) {
    const t = createKubernetesTarget(proxyTarget);
    const files = emitFiles(sampleIR, t);
    assert.equal(read(files, "sidecars/patches/web.yaml").spec.template.spec.containers[0].command, command);
    assert.equal(read(files, "sidecars/patches/web.yaml").spec.template.spec.containers[0].image, DEFAULT_OPTIONS.images[proxyTarget.name as "nginx" | "haproxy"]);
    const data = read(files, "configmap-web-proxy.yaml").data;
    assert.equal(Object.keys(data).sort(), [...keys]);
    for (const key of keys) assert.is(data[key], proxyTarget.emit(sampleIR).files.find((f) => f.path === `${proxyTarget.name}/${key}`)!.content);
    assert.equal(verifyKubernetesFiles(t.emit(sampleIR).files, sampleIR), []);
  }
});

/** Every path the pod's sidecar container sees, with what provides it: a Secret key or a ConfigMap key mounted there. */
function collectMountedFiles(files: Map<string, string>, patch: any): Map<string, { secret?: string; configMap?: string; key: string }> {
  const pod = patch.spec.template.spec;
  const mounts = new Map<string, string>(pod.containers[0].volumeMounts.map((m: any) => [m.name, m.mountPath]));
  const out = new Map<string, { secret?: string; configMap?: string; key: string }>();
  for (const volume of pod.volumes) {
    const mountPath = mounts.get(volume.name);
    if (mountPath === undefined) continue;
    if (volume.secret) for (const item of volume.secret.items) out.set(`${mountPath}/${item.path}`, { secret: volume.secret.secretName, key: item.key });
    // ConfigMap items put each key at the path the proxy target wrote it.
    if (volume.configMap) for (const item of volume.configMap.items) out.set(`${mountPath}/${item.path}`, { configMap: volume.configMap.name, key: item.key });
  }
  return out;
}

test("HAProxy flavour: every file the sidecar configs read (crt, ca-file) is a mounted key, and cert-manager writes each Secret key", () => {
  for (const ir of [sampleIR, richIR]) {
    const t = createKubernetesTarget(haproxy);
    const result = t.emit(ir);
    assert.equal(result.diagnostics.filter((d) => d.severity === "error"), []);
    assert.equal(verifyKubernetesFiles(result.files, ir), []);
    const files = new Map(result.files.map((f) => [f.path, f.content]));
    const certificates = [...files.keys()].filter((p) => /^kubernetes\/certificate-[^/]+\.yaml$/.test(p)).map((p) => parse(files.get(p)!).spec);
    const configMaps = [...files.keys()].filter((p) => /^kubernetes\/configmap-.+-proxy\.yaml$/.test(p));
    assert.ok(configMaps.length >= 1);
    for (const path of configMaps) {
      const workload = path.replace(/^kubernetes\/configmap-(.+)-proxy\.yaml$/, "$1");
      const mounted = collectMountedFiles(files, read(files, `sidecars/patches/${workload}.yaml`));
      const reads = Object.values(read(files, `configmap-${workload}-proxy.yaml`).data as Record<string, string>)
        .flatMap((cfg) => [...cfg.matchAll(/\s(crt|ca-file) ("[^"]*"|\S+)/g)].map((m) => m[2].replace(/^"(.*)"$/, "$1")));
      assert.ok(reads.some((r) => r.endsWith(".bundle.pem")) && reads.includes(ir.infra.ca.caFile), `${workload}: ${reads.join(", ")}`);
      for (const file of reads) assert.ok(mounted.has(file), `${workload} reads ${file}, mounted: ${[...mounted.keys()].join(", ")}`);
      for (const [file, source] of mounted) {
        if (source.secret === undefined) continue;
        // The Secret key is one cert-manager writes for the Certificate behind that Secret.
        const spec = certificates.find((c) => c.secretName === source.secret);
        assert.ok(spec, `no Certificate writes Secret ${source.secret}`);
        const writes = ["tls.crt", "tls.key", "ca.crt", ...(spec.additionalOutputFormats ?? []).map((f: any) => (f.type === "CombinedPEM" ? "tls-combined.pem" : "key.der"))];
        assert.ok(writes.includes(source.key), `${file}: key ${source.key} of ${source.secret} is not written (${writes.join(", ")})`);
      }
    }
    assert.equal(read(files, "certificate-web.yaml").spec.additionalOutputFormats, [{ type: "CombinedPEM" }]);
  }
});

test("Envoy and nginx flavours ask cert-manager for no CombinedPEM and mount no bundle", () => {
  for (const proxyTarget of [envoy, nginx]) {
    const files = emitFiles(richIR, createKubernetesTarget(proxyTarget));
    for (const [path, content] of files) {
      if (path.startsWith("kubernetes/certificate-") || path.startsWith("kubernetes/dev/certificate-")) assert.is(parse(content).spec.additionalOutputFormats, undefined, path);
      assert.not.match(content, "tls-combined.pem", path);
    }
  }
});

test("a file the proxy reads under certDir that no Secret key is mounted at is MESH3260, for every flavour", () => {
  const moved = withInfra({ identities: richIR.infra.identities.map((i) => (i.name === "web" ? { ...i, certFile: "/etc/meshc/certs/web/tls.crt" } : i)) });
  for (const t of [target, createKubernetesTarget(nginx), createKubernetesTarget(haproxy)]) {
    const found = t.emit(moved).diagnostics.filter((d) => d.code === "MESH3260");
    assert.equal(found.map((d) => d.path), ["infra.workloads.web"], t.description);
    assert.match(found[0].message, t === target || t.description.includes("nginx") ? '"/etc/meshc/certs/web/cert.pem"' : '"/etc/meshc/certs/web/cert.bundle.pem"');
  }
});

test("NetworkPolicies: pods by selector, gateways by the Gateway API label, VMs by address; default-deny only for mesh members", () => {
  const files = emitFiles(richIR);
  const catalog = read(files, "networkpolicy-allow-to-catalog.yaml");
  assert.equal(catalog.spec.podSelector, { matchLabels: { app: "catalog" } });
  assert.equal(catalog.spec.ingress[0].ports, [{ port: 8080, protocol: "TCP" }]);
  assert.equal(catalog.spec.ingress[0].from, [
    { podSelector: { matchLabels: { "gateway.networking.k8s.io/gateway-name": "edge" } } },
    { ipBlock: { cidr: "10.0.4.10/32" } }, { ipBlock: { cidr: "10.0.4.11/32" } }, { ipBlock: { cidr: "fd00::10/128" } },
    { podSelector: { matchLabels: { app: "web" } } },
  ]);
  assert.is(read(files, "networkpolicy-allow-to-web.yaml").spec.ingress[0].from, undefined, "null from = any source");
  assert.equal(read(files, "networkpolicy-default-deny-ingress.yaml").spec, { podSelector: { matchLabels: { "meshc.dev/mesh": "shop" } }, policyTypes: ["Ingress"] });
  assert.not.ok(emitFiles(withInfra({ defaultDeny: false })).has("kubernetes/networkpolicy-default-deny-ingress.yaml"));
});

test("Gateway API: listener per host with TLS, HTTPRoute matches/filters/splits/timeouts, GRPCRoute, TCP-only gateway", () => {
  const files = emitFiles(richIR);
  const gateway = read(files, "gateway-edge.yaml");
  assert.equal(gateway.spec.listeners.map((l: any) => [l.name, l.hostname, l.protocol, l.tls.certificateRefs[0].name]), [
    ["wildcard-shop-example-com", "*.shop.example.com", "HTTPS", "edge-shop-example-com-tls"],
    ["shop-example-com", "shop.example.com", "HTTPS", "edge-shop-example-com-tls"],
  ]);
  const http = read(files, "httproute-edge.yaml");
  assert.equal(http.spec.rules.map((r: any) => r.name), ["edge-0", "edge-1", "edge-3"], "user order kept; gRPC route moved out");
  const [canary, legacy] = http.spec.rules;
  assert.equal(canary.matches.map((m: any) => m.method), ["GET", "HEAD"]);
  assert.equal(canary.matches[0].queryParams, [{ name: "v", type: "RegularExpression", value: "2\\..*" }]);
  assert.equal(canary.backendRefs, [{ name: "catalog-v1", port: 8080, weight: 90 }, { name: "catalog-v2", port: 8080, weight: 10 }]);
  assert.equal(canary.filters.map((f: any) => f.type), ["URLRewrite", "RequestHeaderModifier"]);
  assert.is(canary.timeouts.request, "2s500ms");
  assert.equal(legacy.matches[0].path, { type: "RegularExpression", value: "/legacy/[0-9]+" });
  const grpc = read(files, "grpcroute-edge-grpc.yaml");
  assert.equal(grpc.spec.rules[0].matches[0].method, { method: "Charge", service: "shop.Payments", type: "Exact" });
  assert.equal(read(files, "gateway-db.yaml").spec.listeners.map((l: any) => l.protocol), ["TCP"]);
  assert.equal(read(files, "tcproute-db-tcp.yaml").spec.parentRefs, [{ name: "db", sectionName: "tcp" }]);
});

test("cert-manager: CA Issuer, one Certificate per identity as the IR says, dev bootstrap behind the option", () => {
  const files = emitFiles(richIR);
  assert.equal(read(files, "issuer-shop-ca.yaml").spec, { ca: { secretName: "shop-ca" } });
  const ledger = read(files, "certificate-ledger.yaml").spec;
  assert.equal(ledger.uris, ["spiffe://shop.example.com/ns/shop/sa/ledger"]);
  assert.equal(ledger.privateKey, { algorithm: "RSA", encoding: "PKCS8", rotationPolicy: "Always", size: 2048 });
  assert.equal([ledger.duration, ledger.renewBefore], ["720h0m0s", "240h0m0s"]);
  assert.equal(ledger.usages, ["digital signature", "key encipherment", "server auth", "client auth"]);
  assert.equal(ledger.issuerRef, { group: "cert-manager.io", kind: "Issuer", name: "shop-ca" });
  assert.equal(ledger.subject, { organizationalUnits: ["shop"], organizations: ["shop.example.com"] });
  assert.is(read(files, "certificate-web.yaml").spec.privateKey.algorithm, "ECDSA");
  assert.is(read(files, "dev/certificate-shop-ca.yaml").spec.isCA, true);
  const host = read(files, "dev/certificate-edge-shop-example-com-tls.yaml").spec;
  assert.equal([host.secretName, host.dnsNames, host.commonName], ["edge-shop-example-com-tls", ["*.shop.example.com", "shop.example.com"], "shop.example.com"]);
  const withoutDev = emitFiles(richIR, createKubernetesTarget(standInProxy, { ...DEFAULT_OPTIONS, devBootstrap: false }));
  assert.not.ok([...withoutDev.keys()].some((p) => p.startsWith("kubernetes/dev/")));
});

test("diagnostics: what the target cannot express is reported, never dropped", () => {
  assert.equal(codesOf(richIR), ["MESH3254"]);
  const edge = richIR.infra.gateways[1];
  const stringPrefix = { ...edge, routes: [{ ...edge.routes[1], match: { ...edge.routes[1].match, path: { kind: "string-prefix" as const, value: "/v2" } } }] };
  assert.ok(codesOf(withInfra({ gateways: [stringPrefix] })).includes("MESH3285"));
  const direct = { ...edge, routes: [{ ...edge.routes[1], backends: [], direct: true }] };
  assert.ok(codesOf(withInfra({ gateways: [direct] })).includes("MESH3287"));
  const inverted = { ...edge, routes: [{ ...edge.routes[1], match: { ...edge.routes[1].match, headers: [{ name: "x-a", kind: "exact" as const, value: "1", invert: true }] } }] };
  assert.ok(codesOf(withInfra({ gateways: [inverted] })).includes("MESH3255"));
  const mixed = { ...edge, routes: [...edge.routes, richIR.infra.gateways[0].routes[0]] };
  assert.ok(codesOf(withInfra({ gateways: [mixed] })).includes("MESH3257"));
  const grpcTimeout = { ...edge, routes: [{ ...edge.routes[2], timeoutMs: 1000 }] };
  assert.ok(codesOf(withInfra({ gateways: [grpcTimeout] })).includes("MESH3258"));
  const noProxies: MeshIR = { ...richIR, proxies: richIR.proxies.filter((p) => p.name !== "web") };
  assert.ok(codesOf(noProxies).includes("MESH3251"));
  const broken: Target = { ...standInProxy, emit: (ir) => ({ ...standInProxy.emit(ir), diagnostics: [{ code: "MESH3001", severity: "error", message: "x", file: null, line: 0, column: 0, path: "", hint: null }] }) };
  assert.ok(codesOf(richIR, createKubernetesTarget(broken)).includes("MESH3250"));
  const outside = withInfra({ identities: richIR.infra.identities.map((i) => (i.name === "web" ? { ...i, keyFile: "/tmp/web.key" } : i)) });
  assert.ok(codesOf(outside).includes("MESH3252"));
});

test("a sidecar patch's path in the Component is posix.relative from sidecars/, the prefix cut only where that is the same", () => {
  const files = ["sidecars/patches/web.yaml", "sidecars/patches/../x.yaml", "sidecars/./p.yaml", "sidecars//p.yaml", "sidecars/patches/a..b.yaml",
    "sidecars/p/", "other/p.yaml", "sidecars/..a/b", "sidecars/.a", "sidecarsX/p", "sidecars/patches/.../x", "sidecars/a/./b", "sidecars/..", "sidecars/"];
  for (const file of files) assert.is(relativeToSidecars(file), posix.relative("sidecars", file), file);
});

test.run();
