// IR decisions that every target inherits, asserted on the IR itself.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { compile } from "../../compiler/testing.ts";
import type { ListenerIR, ProxyIR } from "../../compiler/ir/types.ts";
import { baseMesh, variant } from "./base.ts";

const proxy = (ir: { proxies: readonly ProxyIR[] }, name: string) => ir.proxies.find((p) => p.name === name)!;
const listener = (p: ProxyIR, name: string) => p.listeners.find((l) => l.name === name) as ListenerIR;

test("a TCP route's idle timeout is its own timeout only; the mesh's request timeout does not cut connections", async () => {
  const plain = await compile(variant((m) => (m.defaults = { timeout: "5s" })), { targets: ["certs"] });
  const tcp = listener(proxy(plain.ir!, "web"), "outbound-tcp-5432");
  assert.is(tcp.kind, "tcp");
  assert.is(tcp.kind === "tcp" && tcp.idleTimeoutMs, null);
  const explicit = await compile(variant((m) => (m.routes[1].timeout = "30m")), { targets: ["certs"] });
  const tcp2 = listener(proxy(explicit.ir!, "web"), "outbound-tcp-5432");
  assert.is(tcp2.kind === "tcp" && tcp2.idleTimeoutMs, 30 * 60_000);
});

test("a caller allowed to reach a service it has no routes to gets a default route; one that is not, gets nothing", async () => {
  const r = await compile(variant((m) => {
    m.routes = [];
    m.authorization = [{ name: "web-api", allow: { from: ["web"], to: "api" } }];
  }), { targets: ["certs"] });
  const out = listener(proxy(r.ir!, "web"), "outbound-http");
  assert.ok(out.kind === "http" && out.virtualHosts.some((v) => v.name === "api" && v.routes[0]!.name.startsWith("default-")));
  assert.not.ok(proxy(r.ir!, "api").listeners.some((l) => l.name === "outbound-http"));
});

test("gateway routes imply an allow rule for the gateway identity, with the route's origin", async () => {
  const r = await compile(variant((m) => (m.gateways = { edge: { port: 8443, hosts: ["t.example.com"], routes: [{ name: "edge-web", to: "web" }] } })), { targets: ["certs"] });
  const inbound = listener(proxy(r.ir!, "web"), "inbound-8080");
  const rule = inbound.authorization!.rules.find((x) => x.origin === "gateways.edge.routes[0]")!;
  assert.is(rule.action, "allow");
  assert.equal(rule.principals!.map((p) => p.spiffeId), ["spiffe://t.example.com/ns/t/sa/gateway-edge"]);
});

test("split weights are scaled to sum to 100 by largest remainder", async () => {
  const r = await compile(variant((m) => (m.routes[0].split = { v1: 1, v2: 2 })), { targets: ["certs"] });
  const out = listener(proxy(r.ir!, "web"), "outbound-http");
  const route = out.kind === "http" ? out.virtualHosts.find((v) => v.name === "api")!.routes[0]! : null;
  assert.equal(route!.action.kind === "forward" && route!.action.backends.map((b) => b.weight), [33, 67]);
});

test("the IR is sorted where order carries no meaning and keeps the user's order where it does", async () => {
  const r = await compile(baseMesh(), { targets: ["certs"] });
  const names = r.ir!.proxies.map((p) => p.name);
  assert.equal(names, [...names].sort());
});

test("on Kubernetes a version is reached through its per-version Service, the whole service through its own", async () => {
  const r = await compile(variant((m) => { delete m.services.api.endpoints; m.services.api.versions = { v1: {}, v2: {} }; }), { targets: ["certs"] });
  const clusters = proxy(r.ir!, "web").clusters;
  assert.equal(clusters.find((c) => c.name === "api-v1")!.endpoints, [{ address: "api-v1.t.svc.cluster.local", port: 8080 }]);
  assert.is(clusters.find((c) => c.name === "api-v1")!.discovery, "dns");
  assert.is(clusters.find((c) => c.name === "api-v1")!.tls!.sni, "api.t.svc.cluster.local");
});

test("--sidecar picks the proxy the Kubernetes sidecars run", async () => {
  const onKubernetes = variant((m) => { for (const s of Object.values(m.services) as any[]) delete s.endpoints; delete m.services.api.versions; delete m.routes[0].split; });
  for (const [sidecar, marker] of [["envoy", "static_resources"], ["nginx", "worker_processes"], ["haproxy", "frontend "]] as const) {
    const r = await compile(onKubernetes, { targets: ["kubernetes"], sidecar });
    assert.equal(r.errors, [], JSON.stringify(r.diagnostics.filter((d) => d.severity === "error")));
    const configMap = [...r.files].find(([path]) => /configmap-web/.test(path));
    assert.ok(configMap, [...r.files.keys()].join(", "));
    assert.ok(configMap![1].includes(marker), `${sidecar}: ${configMap![1].slice(0, 200)}`);
  }
});

test.run();
