// The Envoy emitter: golden files, determinism, and the emit-time diagnostics (MESH31xx).
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { MeshIR, ProxyIR } from "../../compiler/ir/types.ts";
import { buildEnvoyBootstrap, emitEnvoy, envoy } from "../../targets/envoy/index.ts";
import { collectBootstrapFindings } from "../../targets/envoy/verify.ts";
import { envoyFeaturesIR } from "../fixtures/ir/envoy-features.ts";
import { sampleIR } from "../fixtures/ir/sample.ts";
import { compareGolden } from "../support/golden.ts";

function goldenFiles(ir: MeshIR): Map<string, string> {
  return new Map(envoy.emit(ir).files.map((f) => [f.path.replace(/^envoy\//, ""), f.content]));
}

/** A copy of the IR with one proxy changed. */
function withProxy(ir: MeshIR, name: string, change: (p: ProxyIR) => ProxyIR): MeshIR {
  return { ...ir, proxies: ir.proxies.map((p) => (p.name === name ? change(p) : p)) };
}

test("sample IR matches the golden bootstraps", () => {
  const problems = compareGolden("ir-sample/envoy", goldenFiles(sampleIR));
  assert.equal(problems, [], problems.join("\n"));
});

test("envoy-features IR matches the golden bootstraps", () => {
  const problems = compareGolden("ir-envoy-features/envoy", goldenFiles(envoyFeaturesIR));
  assert.equal(problems, [], problems.join("\n"));
});

test("one file per proxy, under envoy/", () => {
  assert.equal(envoy.emit(sampleIR).files.map((f) => f.path), ["envoy/gateway-edge.yaml", "envoy/payments.yaml", "envoy/web.yaml"]);
  assert.is(envoy.name, "envoy");
});

test("emit is deterministic: same IR, same bytes", () => {
  for (const ir of [sampleIR, envoyFeaturesIR]) {
    const first = emitEnvoy(ir);
    const second = emitEnvoy(structuredClone(ir));
    assert.equal(second.files, first.files);
    assert.equal(second.diagnostics, first.diagnostics);
  }
});

test("sample: the only emit diagnostic is the TCP connect timeout taken from the cluster", () => {
  const codes = emitEnvoy(sampleIR).diagnostics.map((d) => [d.code, d.path]);
  assert.equal(codes, [["MESH3105", "routes[3]"]]);
  assert.equal(emitEnvoy(envoyFeaturesIR).diagnostics, []);
});

test("MESH3103: an inverted query match is reported, not silently broadened", () => {
  const ir = withProxy(envoyFeaturesIR, "api", (p) => ({ ...p, listeners: p.listeners.map((l) => l.kind !== "http" || l.name !== "outbound-http" ? l : {
    ...l, virtualHosts: l.virtualHosts.map((v) => ({ ...v, routes: v.routes.map((r) => r.name !== "search-abort" ? r : {
      ...r, match: { ...r.match, query: [{ name: "debug", kind: "exact" as const, value: "1", invert: true }] } }) })) }) }));
  const found = emitEnvoy(ir).diagnostics.filter((d) => d.code === "MESH3103");
  assert.is(found.length, 1);
  assert.is(found[0].path, "routes.search-abort.match.query");
  assert.is(found[0].severity, "error");
});

test("MESH3100: a split over ring-hash clusters with different keys is reported", () => {
  const ir = withProxy(sampleIR, "web", (p) => ({ ...p, clusters: p.clusters.map((c) => c.name === "catalog-v1" || c.name === "catalog-v2"
    ? { ...c, loadBalancing: { policy: "hash" as const, hashOn: { kind: "header" as const, name: c.name === "catalog-v1" ? "x-a" : "x-b" } } } : c) }));
  const found = emitEnvoy(ir).diagnostics.filter((d) => d.code === "MESH3100");
  assert.equal(found.map((d) => d.path), ["routes[1]"]);
});

test("MESH3101 and MESH3102: header hashing and HTTP authz conditions on TCP listeners", () => {
  const ir = withProxy(envoyFeaturesIR, "api", (p) => ({
    ...p,
    clusters: p.clusters.map((c) => (c.name === "cache-a" ? { ...c, loadBalancing: { policy: "hash" as const, hashOn: { kind: "header" as const, name: "x-k" } } } : c)),
    listeners: p.listeners.map((l) => (l.kind === "tcp" && l.authorization !== null
      ? { ...l, authorization: { ...l.authorization, rules: l.authorization.rules.map((r) => ({ ...r, methods: ["GET" as const] })) } } : l)),
  }));
  const codes = emitEnvoy(ir).diagnostics.map((d) => `${d.code} ${d.path}`);
  assert.ok(codes.includes("MESH3101 routes.cache"), codes.join());
  assert.ok(codes.includes("MESH3102 authorization[1]"), codes.join());
});

test("MESH3104: a JWKS URI that is not http(s) is reported", () => {
  const ir = withProxy(envoyFeaturesIR, "api", (p) => ({ ...p, listeners: p.listeners.map((l) => (l.kind === "http" && l.jwt !== null
    ? { ...l, jwt: { ...l.jwt, jwksUri: "ftp://sso.example.org/keys" } } : l)) }));
  const found = emitEnvoy(ir).diagnostics.filter((d) => d.code === "MESH3104");
  assert.equal(found.map((d) => d.path), ["services.api.jwt.jwksUri"]);
});

test("RBAC policies keyed by rule names that are Object.prototype's own names are all written and checked", () => {
  // The policies object is a null-prototype dictionary (rbac.ts): on a plain object,
  // `policies["__proto__"] = ...` would set its prototype and the rule would vanish.
  const names = ["__proto__", "constructor", "toString", "hasOwnProperty"];
  const ir = withProxy(sampleIR, "payments", (p) => ({
    ...p,
    listeners: p.listeners.map((l) => (l.authorization === null ? l : {
      ...l, authorization: { ...l.authorization, rules: l.authorization.rules.flatMap((r) => names.map((name) => ({ ...r, name }))) },
    })),
  }));
  const proxy = ir.proxies.find((p) => p.name === "payments")!;
  const { bootstrap } = buildEnvoyBootstrap(ir, proxy);
  const hcm = (bootstrap as any).static_resources.listeners[0].filter_chains[0].filters[0].typed_config;
  const rbac = hcm.http_filters.filter((f: any) => f.name === "meshc.rbac.deny" || f.name === "meshc.rbac.allow");
  assert.is(rbac.length, 2);
  for (const filter of rbac) assert.equal(Object.keys(filter.typed_config.rules.policies).sort(), [...names].sort(), filter.name);
  assert.equal(collectBootstrapFindings(bootstrap), []);
  const text = emitEnvoy(ir).files.find((f) => f.path === "envoy/payments.yaml")!.content;
  for (const name of names) assert.ok(text.includes(`\n                          ${name}:\n`), name);
});

test.run();
