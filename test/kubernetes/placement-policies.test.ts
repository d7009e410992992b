// Where a service runs (pods, VMs by address, hosts by DNS name) as the Kubernetes output
// shows it, and what its NetworkPolicies let through, read the way Kubernetes reads them
// (the NetworkPolicy API reference), not the way meshc builds them:
// - a pod selected by no policy admits everything; selected by some, it admits what one of
//   their ingress rules matches (rules and policies are OR-ed);
// - a rule matches a port when its `ports` is absent or lists it, and a source when its `from`
//   is absent OR EMPTY ("If this field is empty or missing, this rule matches all sources"),
//   else when a peer matches: `podSelector.matchLabels` within the pod's labels (same
//   namespace, no namespaceSelector here), or an `ipBlock` holding the source's address.
import { test } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { parse, parseAllDocuments } from "yaml";
import { compile, compileConfig } from "../../compiler/testing.ts";
import type { Target } from "../../compiler/target.ts";
import { envoy } from "../../targets/envoy/index.ts";
import { createKubernetesTarget, kubernetes } from "../../targets/kubernetes/index.ts";
import { addProxyReader, emitProxyShared, skipProxyShared } from "../../targets/kubernetes/shared-emit.ts";

const http = (port: number) => ({ port, protocol: "http" });
const base = (services: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ name: "m", trustDomain: "m.example", namespace: "m", services, ...extra });
const k8s = { targets: ["kubernetes"] };
const yamlOf = (files: ReadonlyMap<string, string>, path: string) => parse(files.get(`kubernetes/${path}`) ?? "null");
const codesOf = (r: { diagnostics: readonly { code: string }[] }) => r.diagnostics.map((d) => d.code);

type Labels = Record<string, string>;
interface Peer { podSelector?: { matchLabels?: Labels }; ipBlock?: { cidr: string } }
interface Rule { from?: Peer[]; ports?: { port: number }[] }
interface Policy { spec: { podSelector: { matchLabels?: Labels }; ingress?: Rule[] } }
/** A connection's source: a pod's labels, or a VM's address. */
type Source = { labels: Labels } | { address: string };

const within = (selector: Labels | undefined, labels: Labels) => Object.entries(selector ?? {}).every(([k, v]) => labels[k] === v);
const peerMatches = (peer: Peer, source: Source) =>
  peer.podSelector !== undefined ? "labels" in source && within(peer.podSelector.matchLabels, source.labels)
    : peer.ipBlock !== undefined ? "address" in source && (peer.ipBlock.cidr === `${source.address}/32` || peer.ipBlock.cidr === `${source.address}/128`)
      : false;

/** Whether the policies let `source` open a connection to `port` of a pod labelled `target`. */
function admits(policies: readonly Policy[], target: Labels, port: number, source: Source): boolean {
  const selecting = policies.filter((p) => within(p.spec.podSelector.matchLabels, target));
  if (selecting.length === 0) return true;
  return selecting.some((p) => (p.spec.ingress ?? []).some((rule) =>
    (rule.ports === undefined || rule.ports.some((q) => q.port === port)) &&
    (rule.from === undefined || rule.from.length === 0 || rule.from.some((peer) => peerMatches(peer, source)))));
}

const policiesOf = (files: ReadonlyMap<string, string>): Policy[] =>
  [...files].filter(([path]) => /^kubernetes\/networkpolicy-[^/]+\.yaml$/.test(path)).map(([, text]) => parse(text) as Policy);

/** A pod service's pod labels: the user's (the Service's selector) plus what the sidecar patch gives its pod template. */
function podLabels(files: ReadonlyMap<string, string>, service: string): Labels {
  const selector = (yamlOf(files, `service-${service}.yaml`) as { spec: { selector: Labels } }).spec.selector;
  const patch = yamlOf(files, `sidecars/patches/${service}.yaml`) as { spec: { template: { metadata?: { labels?: Labels } } } };
  return { ...selector, ...(patch.spec.template.metadata?.labels ?? {}) };
}

test("property: a pod admits a mesh service's connections exactly when the authorization lets that service call it", async () => {
  const names = ["a", "b", "c", "d"];
  const arb = fc.record({
    // Which services run on VMs (by address); the rest are pods.
    vms: fc.subarray(names),
    defaultAllow: fc.boolean(),
    rules: fc.array(fc.record({ from: fc.subarray(names, { minLength: 1 }), to: fc.constantFrom(...names) }), { maxLength: 6 }),
  });
  await fc.assert(fc.asyncProperty(arb, async ({ vms, defaultAllow, rules }) => {
    const address = (s: string) => `10.0.0.${names.indexOf(s) + 1}`;
    const services = Object.fromEntries(names.map((s) => [s, { ports: { http: http(8080) }, ...(vms.includes(s) ? { endpoints: [address(s)] } : {}) }]));
    const authorization = rules.map((r, i) => ({ name: `r${i}`, allow: { from: r.from, to: r.to } }));
    const r = await compile(base(services, { authorization, defaults: { authorization: defaultAllow ? "allow" : "deny" } }), k8s);
    assert.equal(r.errors, []);
    const policies = policiesOf(r.files);
    for (const target of names.filter((s) => !vms.includes(s))) {
      const labels = podLabels(r.files, target);
      for (const caller of names.filter((s) => s !== target)) {
        const allowed = defaultAllow || rules.some((rule) => rule.to === target && rule.from.includes(caller));
        const source: Source = vms.includes(caller) ? { address: address(caller) } : { labels: podLabels(r.files, caller) };
        assert.is(admits(policies, labels, 8080, source), allowed, `${caller} -> ${target} (rules ${JSON.stringify(rules)}, default ${defaultAllow ? "allow" : "deny"})`);
      }
      // Nobody outside the mesh (an unlabelled pod, an unknown address) gets in unless the service is open to all.
      assert.is(admits(policies, labels, 8080, { labels: { app: "stranger" } }), defaultAllow, `stranger -> ${target}`);
      assert.is(admits(policies, labels, 8080, { address: "192.0.2.1" }), defaultAllow, `192.0.2.1 -> ${target}`);
    }
  }), { numRuns: 40 });
});

test("a pod service no rule allows gets a policy with no ingress rule (an empty `from` would admit every source)", async () => {
  const r = await compile(base({ web: { ports: { http: http(8080) } }, api: { ports: { http: http(8080) } } }), k8s);
  assert.equal(r.errors, []);
  const policy = yamlOf(r.files, "networkpolicy-allow-to-api.yaml") as Policy;
  assert.is(policy.spec.ingress, undefined);
  assert.not.ok(admits(policiesOf(r.files), podLabels(r.files, "api"), 8080, { labels: podLabels(r.files, "web") }));
});

test("a service whose versions run on VMs: selector-less Services for it and each version, fed by EndpointSlices; no pod objects", async () => {
  const r = await compile(base({
    web: { ports: { http: http(8080) } },
    cat: { ports: { http: http(8080) }, versions: { v1: { endpoints: ["10.0.0.2"] }, v2: { endpoints: ["10.0.0.3", "10.0.0.4:8080"] } } },
  }, {
    routes: [{ name: "r", from: "web", to: "cat", match: { path: { prefix: "/" } }, split: { v1: 90, v2: 10 } }],
    authorization: [{ name: "a", allow: { from: ["web"], to: "cat" } }],
    gateways: { edge: { port: 8443, tls: false, hosts: ["shop.example.com"], routes: [{ name: "edge-cat", to: "cat", split: { v1: 50, v2: 50 } }] } },
  }), k8s);
  assert.equal(r.errors, []);
  const cat = r.ir!.infra.workloads.find((w) => w.name === "cat")!;
  assert.equal(cat.staticEndpoints, [{ address: "10.0.0.2", port: 8080 }, { address: "10.0.0.3", port: 8080 }, { address: "10.0.0.4", port: 8080 }]);
  for (const f of ["configmap-cat-proxy.yaml", "sidecars/patches/cat.yaml", "networkpolicy-allow-to-cat.yaml"]) assert.not.ok(r.files.has(`kubernetes/${f}`), f);
  for (const name of ["cat", "cat-v1", "cat-v2"]) assert.is(yamlOf(r.files, `service-${name}.yaml`).spec.selector, undefined, name);
  const addresses = (slice: string) => (yamlOf(r.files, `endpointslice-${slice}.yaml`) as { endpoints: { addresses: string[] }[]; metadata: { labels: Labels } });
  assert.equal(addresses("cat").endpoints.flatMap((e) => e.addresses), ["10.0.0.2", "10.0.0.3", "10.0.0.4"]);
  assert.equal(addresses("cat-v1").endpoints.flatMap((e) => e.addresses), ["10.0.0.2"]);
  assert.equal(addresses("cat-v2").endpoints.flatMap((e) => e.addresses), ["10.0.0.3", "10.0.0.4"]);
  assert.is(addresses("cat-v2").metadata.labels["kubernetes.io/service-name"], "cat-v2");
  // Every Service a gateway route names exists in the bundle, and the kustomization lists every file written.
  const routes = [...r.files].filter(([p]) => p.startsWith("kubernetes/httproute-")).map(([, t]) => parse(t) as { spec: { rules: { backendRefs?: { name: string }[] }[] } });
  const refs = routes.flatMap((route) => route.spec.rules.flatMap((rule) => (rule.backendRefs ?? []).map((b) => b.name)));
  assert.ok(refs.includes("cat-v1") && refs.includes("cat-v2"), JSON.stringify(refs));
  for (const name of refs) assert.ok(r.files.has(`kubernetes/service-${name}.yaml`), `backendRef ${name}`);
  const listed = new Set((yamlOf(r.files, "kustomization.yaml") as { resources: string[] }).resources);
  for (const f of ["service-cat-v1.yaml", "service-cat-v2.yaml", "endpointslice-cat-v1.yaml", "endpointslice-cat-v2.yaml", "endpointslice-cat.yaml"]) assert.ok(listed.has(f), f);
});

test("a service known by DNS name: no pod objects and no Service (MESH3263); a pod's policy cannot admit it (MESH3264) and admits nobody else for it", async () => {
  const r = await compile(base({
    web: { ports: { http: http(8080) } },
    db: { ports: { pg: { port: 5432, protocol: "tcp" } }, endpoints: ["db.internal.example.com:5432"] },
  }, { authorization: [{ name: "a1", allow: { from: ["web"], to: "db" } }, { name: "a2", allow: { from: ["db"], to: "web" } }] }), k8s);
  assert.equal(r.errors, []);
  const db = r.ir!.infra.workloads.find((w) => w.name === "db")!;
  assert.equal(db.dnsEndpoints, [{ address: "db.internal.example.com", port: 5432 }]);
  for (const f of ["service-db.yaml", "configmap-db-proxy.yaml", "sidecars/patches/db.yaml", "networkpolicy-allow-to-db.yaml"]) assert.not.ok(r.files.has(`kubernetes/${f}`), f);
  assert.ok(codesOf(r).includes("MESH3263"));
  assert.ok(r.diagnostics.some((d) => d.code === "MESH3264" && d.severity === "warning" && /"db"/.test(d.message)));
  const web = podLabels(r.files, "web");
  assert.not.ok(admits(policiesOf(r.files), web, 8080, { labels: { app: "stranger" } }));
  assert.not.ok(admits(policiesOf(r.files), web, 8080, { address: "192.0.2.1" }));
});

test("a service both outside Kubernetes and on it is an error (MESH2052) at the version without endpoints", async () => {
  const mixed = await compile(base({ web: { ports: { http: http(8080) } }, cat: { ports: { http: http(8080) }, versions: { v1: { endpoints: ["10.0.0.2"] }, v2: {} } } }), k8s);
  const d = mixed.diagnostics.find((x) => x.code === "MESH2052");
  assert.ok(d && d.severity === "error", JSON.stringify(codesOf(mixed)));
  assert.is(d!.path, "services.cat.versions.v2");
  assert.is(mixed.files.size, 0);
  const own = await compile(base({ cat: { ports: { http: http(8080) }, endpoints: ["10.0.0.2"], versions: { v1: {} } } }), k8s);
  assert.ok(codesOf(own).includes("MESH2052"), "the service's own endpoints with a version that has none");
  for (const fine of [
    { ports: { http: http(8080) }, versions: { v1: {}, v2: {} } },
    { ports: { http: http(8080) }, versions: { v1: { endpoints: ["10.0.0.2"] }, v2: { endpoints: ["10.0.0.3"] } } },
    { ports: { http: http(8080) }, endpoints: ["10.0.0.4"], versions: { v1: { endpoints: ["10.0.0.2"] } } },
  ]) {
    const ok = await compile(base({ cat: fine }), k8s);
    assert.not.ok(codesOf(ok).includes("MESH2052"), JSON.stringify(fine));
  }
});

test("the proxy target emits only the proxies whose pods carry its config: not a VM's, not a DNS-named host's", async () => {
  const r = await compile(base({
    web: { ports: { http: http(8080) } },
    api: { ports: { http: http(8080) }, endpoints: ["10.0.0.2"] },
    db: { ports: { pg: { port: 5432, protocol: "tcp" } }, endpoints: ["db.internal.example.com:5432"] },
  }), { targets: [] });
  assert.equal(r.errors, []);
  const ir = r.ir!;
  const emitted: string[] = [];
  const counting: Target = { ...envoy, perProxy: (mesh) => { const e = envoy.perProxy!(mesh); return { ...e, proxy: (p) => (emitted.push(p.name), e.proxy(p)) }; } };
  const emitter = createKubernetesTarget(counting).perProxy!(ir);
  const files = [...emitter.shared().files, ...ir.proxies.flatMap((p) => emitter.proxy(p).files)];
  assert.equal(emitted, ["web"]);
  // The same files as the whole emit, which reads every proxy's config.
  const whole = kubernetes.emit(ir).files;
  assert.equal(new Map(files.map((f) => [f.path, f.content])), new Map(whole.map((f) => [f.path, f.content])));
});

test("a mesh with no service in pods keeps its sidecars component (no patches): the README's overlay builds with the real kustomize", async () => {
  const r = await compile(base({ web: { ports: { http: http(8080) } , endpoints: ["10.0.0.1"] }, cat: { ports: { http: http(8080) }, versions: { v1: { endpoints: ["10.0.0.2"] } } } }), k8s);
  assert.equal(r.errors, []);
  assert.equal(yamlOf(r.files, "sidecars/kustomization.yaml"), { apiVersion: "kustomize.config.k8s.io/v1alpha1", kind: "Component", patches: [] });
  const dir = mkdtempSync(join(tmpdir(), "meshc-placement-"));
  try {
    for (const [path, content] of r.files) { mkdirSync(dirname(join(dir, "bundle", path)), { recursive: true }); writeFileSync(join(dir, "bundle", path), content); }
    mkdirSync(join(dir, "overlay"));
    writeFileSync(join(dir, "overlay", "kustomization.yaml"), ["apiVersion: kustomize.config.k8s.io/v1beta1", "kind: Kustomization", "namespace: m",
      "resources:", "  - ../bundle/kubernetes", "components:", "  - ../bundle/kubernetes/sidecars", ""].join("\n"));
    const built = spawnSync("kubectl", ["kustomize", join(dir, "overlay")], { encoding: "utf8", timeout: 60_000 });
    assert.is(built.status, 0, `kubectl kustomize failed (installed? it must be: the real kustomize): ${built.error ?? ""}${built.stderr}`);
    const kinds = parseAllDocuments(built.stdout).map((d) => d.toJS() as { kind: string; metadata: { name: string } }).map((o) => `${o.kind}/${o.metadata.name}`);
    for (const k of ["Service/cat", "Service/cat-v1", "EndpointSlice/cat-v1", "Service/web", "EndpointSlice/web"]) assert.ok(kinds.includes(k), `${k} in ${kinds.join(" ")}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a gateway route to a service known by DNS name is an error placed at the route (MESH3265): its backendRef would name no Service", async () => {
  const dir = mkdtempSync(join(tmpdir(), "meshc-placement-"));
  try {
    const file = join(dir, "mesh.yaml");
    writeFileSync(file, [
      "name: m", "trustDomain: m.example", "namespace: m", "services:",
      "  web:", "    ports: { http: { port: 8080, protocol: http } }", "    endpoints: [\"web.internal.example.com\"]",
      "  api:", "    ports: { http: { port: 8080, protocol: http } }", "    endpoints: [\"10.0.0.3\"]",
      "gateways:", "  edge:", "    port: 8443", "    tls: false", "    hosts: [shop.example.com]", "    routes:",
      "      - name: to-api", "        to: api", "        match: { path: { prefix: /api } }", "      - name: to-web", "        to: web", "",
    ].join("\n"));
    const r = await compileConfig(file, { cwd: dir, targets: ["kubernetes"] });
    const errors = r.diagnostics.filter((d) => d.severity === "error");
    assert.equal(errors.map((d) => [d.code, d.file, d.line, d.column, d.path]), [["MESH3265", "mesh.yaml", 20, 9, "gateways.edge.routes[1]"]]);
    assert.match(errors[0]!.hint ?? "", /IP addresses/);
    assert.is(r.files.size, 0, "no partial bundle");
    // The DNS note points at the service's endpoints in the file; a note about the IR itself stays unplaced.
    const note = r.diagnostics.find((d) => d.code === "MESH3263")!;
    assert.equal([note.file, note.line, note.path], ["mesh.yaml", 7, "services.web.endpoints"]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a reader that passes over a proxy releases the other reader's result (nothing kept for a VM's proxy)", async () => {
  const r = await compile(base({ api: { ports: { http: http(8080) }, endpoints: ["10.0.0.2"] }, web: { ports: { http: http(8080) }, endpoints: ["10.0.0.3"] } }), { targets: [] });
  const ir = r.ir!;
  let emits = 0;
  const counting: Target = { ...envoy, perProxy: (mesh) => { const e = envoy.perProxy!(mesh); return { ...e, proxy: (p) => (emits++, e.proxy(p)) }; } };
  addProxyReader(counting, ir);
  addProxyReader(counting, ir);
  const [a, b] = ir.proxies;
  // Skipped before the other reader emits it, and after: either way the result is not kept.
  skipProxyShared(counting, ir, a!);
  emitProxyShared(counting, ir, a!);
  emitProxyShared(counting, ir, b!);
  skipProxyShared(counting, ir, b!);
  assert.is(emits, 2);
  // Kept, they would be handed out again; released, asking again emits again.
  emitProxyShared(counting, ir, a!);
  emitProxyShared(counting, ir, b!);
  assert.is(emits, 4);
});

test.run();
