// The config side of deploying onto a user's app: adopted ServiceAccounts and Services,
// workload labels, traffic capture in the IR (the app keeps its port, the sidecar's inbound
// listeners move to capture ports, the outbound ports to capture come from its listeners),
// the checks that guard them, and the Kubernetes settings' three layers.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { parse } from "yaml";
import { compile } from "../../compiler/testing.ts";
import { createKubernetesTarget } from "../../targets/kubernetes/index.ts";
import type { Target } from "../../compiler/target.ts";
import { nginx } from "../../targets/nginx/index.ts";

const http = (port: number) => ({ port, protocol: "http" });
const base = (services: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ name: "m", trustDomain: "m.example", namespace: "m", services, ...extra });
const k8s = { targets: ["kubernetes"] };
const yamlOf = (files: ReadonlyMap<string, string>, path: string) => parse(files.get(`kubernetes/${path}`) ?? "null");

test("an adopted ServiceAccount is the identity and is not emitted; emitService: false drops only the main Service", async () => {
  const r = await compile(base({
    web: { ports: { http: http(8080) }, kubernetes: { serviceAccount: "web-sa", emitService: false } },
    api: { ports: { http: http(8080) }, versions: { v1: {} } },
  }), k8s);
  assert.equal(r.errors, []);
  const web = r.ir!.infra.workloads.find((w) => w.name === "web")!;
  assert.is(web.serviceAccount, "web-sa");
  assert.equal(web.emit, { serviceAccount: false, service: false });
  assert.is(r.ir!.infra.identities.find((i) => i.name === "web-sa")!.spiffeId, "spiffe://m.example/ns/m/sa/web-sa");
  assert.not.ok(r.files.has("kubernetes/serviceaccount-web-sa.yaml"));
  assert.not.ok(r.files.has("kubernetes/service-web.yaml"));
  assert.ok(r.files.has("kubernetes/certificate-web-sa.yaml"), "the identity still gets its Certificate");
  assert.ok(r.files.has("kubernetes/serviceaccount-api.yaml") && r.files.has("kubernetes/service-api.yaml") && r.files.has("kubernetes/service-api-v1.yaml"));
  assert.is(yamlOf(r.files, "sidecars/patches/web.yaml").spec.template.spec.serviceAccountName, "web-sa");
});

test("kubernetes.emitNamespace: false leaves the Namespace to the user's manifests", async () => {
  const own = await compile(base({ web: { ports: { http: http(8080) } } }), k8s);
  assert.ok(own.files.has("kubernetes/namespace-m.yaml"));
  const adopted = await compile(base({ web: { ports: { http: http(8080) } } }, { kubernetes: { emitNamespace: false } }), k8s);
  assert.equal(adopted.errors, []);
  assert.not.ok(adopted.files.has("kubernetes/namespace-m.yaml"));
  assert.is(yamlOf(adopted.files, "kustomization.yaml").namespace, "m", "objects still go to the mesh namespace");
});

test("services sharing an identity get one ServiceAccount, and none when one of them adopts it", async () => {
  const shared = await compile(base({ a: { ports: { http: http(8080) }, identity: "team" }, b: { ports: { http: http(8081) }, identity: "team" } }), k8s);
  assert.equal(shared.errors, []);
  assert.equal([...shared.files.keys()].filter((p) => p.includes("serviceaccount-")), ["kubernetes/serviceaccount-team.yaml"]);
  const adopted = await compile(base({ a: { ports: { http: http(8080) }, identity: "team" }, b: { ports: { http: http(8081) }, kubernetes: { serviceAccount: "team" } } }), k8s);
  assert.equal(adopted.errors, []);
  assert.equal([...adopted.files.keys()].filter((p) => p.includes("serviceaccount-")), []);
});

test("workload labels select the injected workloads (default: the selector)", async () => {
  const r = await compile(base({
    web: { ports: { http: http(8080) }, selector: { "app.kubernetes.io/name": "web" } },
    api: { ports: { http: http(8080) }, kubernetes: { workloadLabels: { team: "api", tier: "backend" } } },
  }), k8s);
  assert.equal(r.errors, []);
  const component = yamlOf(r.files, "sidecars/kustomization.yaml");
  assert.equal(component.patches.map((p: any) => p.target.labelSelector), ["team=api,tier=backend", "app.kubernetes.io/name=web"]);
});

test("MESH3262: two services whose workload labels can select the same Deployment", async () => {
  const r = await compile(base({ web: { ports: { http: http(8080) } }, admin: { ports: { http: http(8081) }, kubernetes: { workloadLabels: { app: "web", role: "admin" } } } }), k8s);
  assert.equal(r.errors, ["MESH3262"]);
});

test("MESH3261: a VM's Service cannot be adopted (emitted anyway, with a warning)", async () => {
  const r = await compile(base({ db: { ports: { http: http(8080) }, endpoints: ["10.0.0.5"], kubernetes: { emitService: false } } }), k8s);
  assert.equal(r.errors, []);
  assert.ok(r.diagnostics.some((d) => d.code === "MESH3261"));
  assert.ok(r.files.has("kubernetes/service-db.yaml"));
});

test("MESH2050: an identity that contradicts the adopted ServiceAccount; MESH2051: a targetPort other than the port with capture", async () => {
  const identity = await compile(base({ web: { ports: { http: http(8080) }, identity: "web", kubernetes: { serviceAccount: "web-sa" } } }), k8s);
  assert.equal(identity.errors, ["MESH2050"]);
  assert.is(identity.diagnostics.find((d) => d.code === "MESH2050")!.path, "services.web.identity");
  const same = await compile(base({ web: { ports: { http: http(8080) }, identity: "web-sa", kubernetes: { serviceAccount: "web-sa" } } }), k8s);
  assert.equal(same.errors, []);
  const port = await compile(base({ web: { ports: { http: { port: 8080, protocol: "http", targetPort: 18080 } } } }, { defaults: { capture: true } }), k8s);
  assert.equal(port.errors, ["MESH2051"]);
  const samePort = await compile(base({ web: { ports: { http: { port: 8080, protocol: "http", targetPort: 8080 } } } }, { defaults: { capture: true } }), k8s);
  assert.equal(samePort.errors, []);
});

test("capture in the IR: app on its own port, inbound listeners on capture ports, outbound ports from the listeners", async () => {
  const mesh = base({
    web: { ports: { http: http(8080), admin: http(8081) } },
    api: { ports: { http: http(9080) } },
    db: { ports: { pg: { port: 5432, protocol: "tcp" } } },
  }, {
    defaults: { capture: { proxyUid: 2000, inboundPort: 16000 } },
    authorization: [{ name: "w-api", allow: { from: ["web"], to: "api" } }, { name: "w-db", allow: { from: ["web"], to: "db" } }],
    egress: { pay: { host: "pay.example.com", port: 443, from: ["web"] } },
  });
  const r = await compile(mesh, k8s);
  assert.equal(r.errors, []);
  const web = r.ir!.infra.workloads.find((w) => w.name === "web")!;
  assert.equal(web.ports.map((p) => [p.port, p.targetPort]), [[8081, 8081], [8080, 8080]]);
  assert.equal(web.capture, {
    proxyUid: 2000,
    inbound: [{ port: 8080, listenerPort: 16001 }, { port: 8081, listenerPort: 16000 }],
    outbound: [{ port: 443, listenerPort: 15001 }, { port: 5432, listenerPort: 5432 }, { port: 9080, listenerPort: 15001 }],
  });
  const proxy = r.ir!.proxies.find((p) => p.name === "web")!;
  assert.equal(proxy.listeners.filter((l) => l.direction === "inbound").map((l) => [l.name, l.port]), [["inbound-8081", 16000], ["inbound-8080", 16001]]);
  assert.equal(proxy.clusters.filter((c) => c.kind === "local").map((c) => c.endpoints[0]), [{ address: "127.0.0.1", port: 8080 }, { address: "127.0.0.1", port: 8081 }]);
  const script: string = yamlOf(r.files, "configmap-web-proxy.yaml").data["meshc-capture.sh"];
  assert.ok(script.includes("--dport 8080 -j REDIRECT --to-ports 16001") && script.includes("--uid-owner 2000 -j RETURN"));
  assert.ok(script.includes("--dport 5432 -j REDIRECT --to-ports 5432") && script.includes("--dport 443 -j REDIRECT --to-ports 15001"));
  const again = await compile(mesh, k8s);
  assert.is(again.files.get("kubernetes/configmap-web-proxy.yaml"), r.files.get("kubernetes/configmap-web-proxy.yaml"), "deterministic");
});

test("without capture nothing changes: targetPort = port + 10000, no init container, no capture script", async () => {
  const r = await compile(base({ web: { ports: { http: http(8080) } } }), k8s);
  assert.equal(r.errors, []);
  assert.is(r.ir!.infra.workloads[0].capture, null);
  assert.is(r.ir!.infra.workloads[0].ports[0].targetPort, 18080);
  const pod = yamlOf(r.files, "sidecars/patches/web.yaml").spec.template.spec;
  assert.is(pod.initContainers, undefined);
  assert.is(pod.securityContext, undefined);
  assert.equal(Object.keys(yamlOf(r.files, "configmap-web-proxy.yaml").data), ["web.yaml"]);
});

test("Kubernetes settings: defaults, then the config's kubernetes block, then createKubernetesTarget options", async () => {
  const mesh = base({ web: { ports: { http: http(8080) } } }, {
    defaults: { capture: true },
    kubernetes: { images: { nginx: "registry.example/nginx:1.22.1-njs" }, imagePullPolicy: "Always", resources: { init: { limits: { cpu: "100m" } } }, gatewayClassName: "cilium" },
    gateways: { edge: { port: 8443, hosts: ["web.example.com"], routes: [{ to: "web" }] } },
  });
  const r = await compile(mesh, { targets: ["kubernetes"], sidecar: "nginx" });
  assert.equal(r.errors, []);
  const pod = yamlOf(r.files, "sidecars/patches/web.yaml").spec.template.spec;
  assert.is(pod.containers[0].image, "registry.example/nginx:1.22.1-njs");
  assert.is(pod.containers[0].imagePullPolicy, "Always");
  assert.is(pod.initContainers[0].image, "cr.l5d.io/linkerd/proxy-init:v2.4.2");
  assert.equal(pod.initContainers[0].resources, { limits: { cpu: "100m" } });
  assert.is(yamlOf(r.files, "gateway-edge.yaml").spec.gatewayClassName, "cilium");
  const overridden = createKubernetesTarget(nginx, { gatewayClassName: "istio", images: { init: "registry.example/init:1" } }).emit(r.ir!);
  const files = new Map(overridden.files.map((f) => [f.path, f.content]));
  assert.is(yamlOf(files, "gateway-edge.yaml").spec.gatewayClassName, "istio");
  assert.is(yamlOf(files, "sidecars/patches/web.yaml").spec.template.spec.initContainers[0].image, "registry.example/init:1");
  assert.is(yamlOf(files, "sidecars/patches/web.yaml").spec.template.spec.containers[0].image, "registry.example/nginx:1.22.1-njs");
  // The CLI's --gateway-class / --image-pull-policy arrive as compile options.
  const cli = await compile(mesh, { targets: ["kubernetes"], sidecar: "nginx", kubernetes: { gatewayClassName: "eg", imagePullPolicy: "Never" } });
  assert.is(yamlOf(cli.files, "gateway-edge.yaml").spec.gatewayClassName, "eg");
  assert.is(yamlOf(cli.files, "sidecars/patches/web.yaml").spec.template.spec.initContainers[0].imagePullPolicy, "Never");
});

test("every file of a proxy's folder goes into its ConfigMap and back to its path (extra modules, shared files), never another proxy's", async () => {
  const r = await compile(base({ web: { ports: { http: http(8080) } }, api: { ports: { http: http(8081) } } }), { targets: ["kubernetes"] });
  const proxyWithModules: Target = {
    ...nginx,
    emit: (ir) => ({
      diagnostics: [],
      files: ir.proxies.flatMap((p) => [
        { path: `nginx/${p.name}.conf`, content: `# ${p.name}` },
        { path: `nginx/${p.name}.a-first.js`, content: "not the entry" },
        { path: `nginx/${p.name}/authz.js`, content: `// njs for ${p.name}` },
      ]).concat([{ path: "nginx/shared/meshc.lua", content: "-- shared" }]),
    }),
  };
  const files = new Map(createKubernetesTarget(proxyWithModules).emit(r.ir!).files.map((f) => [f.path, f.content]));
  const configMap = yamlOf(files, "configmap-web-proxy.yaml");
  assert.equal(Object.keys(configMap.data).sort(), ["shared__meshc.lua", "web.a-first.js", "web.conf", "web__authz.js"]);
  const pod = yamlOf(files, "sidecars/patches/web.yaml").spec.template.spec;
  const items = pod.volumes.find((v: any) => v.name === "meshc-proxy-config").configMap.items;
  assert.equal(items.map((i: any) => [i.key, i.path]).sort(), [["shared__meshc.lua", "shared/meshc.lua"], ["web.a-first.js", "web.a-first.js"], ["web.conf", "web.conf"], ["web__authz.js", "web/authz.js"]]);
  assert.equal(pod.containers[0].command, ["nginx", "-c", "/etc/meshc/proxy/web.conf", "-g", "daemon off;"], "the flavour's entry file, whatever sorts first");
});

test.run();
