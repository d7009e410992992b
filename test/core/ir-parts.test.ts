// ir/parts.ts shares IR parts by identity across the proxies of one build. The shared IR must
// serialize exactly as one built with every part afresh, on meshes where a wrong key would
// hand a caller another place's part: a TCP route whose backends are other services (their
// clusters use the destination's port), multi-port services (per-port domains), subsets and
// the whole service, gateways, and a build with other runtime paths.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { compileLoaded } from "../../compiler/compile.ts";
import { configFromValue } from "../../compiler/testing.ts";
import { buildIR, DEFAULT_RUNTIME } from "../../compiler/ir/index.ts";
import type { NMesh } from "../../compiler/normalize/model.ts";
import { generateMesh } from "../../bench/generate.ts";
import { variant } from "./base.ts";

async function meshOf(config: unknown): Promise<NMesh> {
  const r = await compileLoaded(configFromValue(config), { cwd: process.cwd(), targets: ["certs"], verify: "none" });
  assert.ok(r.mesh && r.diagnostics.every((d) => d.severity !== "error"), JSON.stringify(r.diagnostics));
  return r.mesh!;
}

const tricky = () => variant((m) => {
  m.services.db2 = { ports: { pg: { port: 5433, protocol: "tcp" } }, endpoints: ["10.0.0.31", "10.0.0.32"] };
  m.services.multi = { ports: { http: { port: 8080, protocol: "http" }, admin: { port: 9090, protocol: "http" } }, endpoints: ["10.0.0.40"], versions: { v1: { endpoints: ["10.0.0.41"] } } };
  m.services.other = { ports: { http: { port: 8080, protocol: "http" } }, endpoints: ["10.0.0.50"] };
  // The mesh's default retries on two protocols (their retry conditions differ), and a route's own.
  m.services.rpc = { ports: { grpc: { port: 9000, protocol: "grpc" } }, endpoints: ["10.0.0.60"] };
  m.defaults = { retries: { attempts: 2, perTryTimeout: "1s" } };
  m.routes.push(
    { name: "web-db-split", from: "other", to: "db", backends: [{ service: "db", weight: 50 }, { service: "db2", weight: 50 }] },
    { name: "web-multi-http", from: "web", to: "multi", port: "http", split: { v1: 100 } },
    { name: "web-multi-admin", from: "web", to: "multi", port: "admin" },
    { name: "other-multi", from: "other", to: "multi", port: "http" },
    { name: "other-api", from: "other", to: "api" },
    { name: "other-rpc", from: "other", to: "rpc" },
    { name: "web-rpc", from: "web", to: "rpc", retries: { attempts: 1, perTryTimeout: "2s" } },
  );
  m.authorization.push({ name: "other-api", allow: { from: ["other"], to: "api" } }, { name: "all-multi", allow: { from: "*", to: "multi" } }, { name: "rpc", allow: { from: ["other", "web"], to: "rpc" } });
  m.gateways = { edge: { port: 8443, hosts: ["t.example.com"], routes: [{ name: "edge-api", to: "api", match: { path: { prefix: "/api" } } }, { name: "edge-web", to: "web" }] } };
  m.observability = { accessLog: true };
});

test("a build sharing parts serializes as one making every part afresh", async () => {
  for (const config of [tricky(), generateMesh(40), generateMesh(12, { pods: true })]) {
    const mesh = await meshOf(config);
    assert.is(JSON.stringify(buildIR(mesh)), JSON.stringify(buildIR(mesh, DEFAULT_RUNTIME, undefined, undefined, false)));
  }
});

test("parts are shared across proxies within a build, never across builds", async () => {
  const mesh = await meshOf(tricky());
  const a = buildIR(mesh);
  const web = a.proxies.find((p) => p.name === "web")!;
  const other = a.proxies.find((p) => p.name === "other")!;
  assert.ok(web.observability === other.observability, "one observability object per build");
  const b = buildIR(mesh, { ...DEFAULT_RUNTIME, certDir: "/elsewhere" });
  assert.ok(b.proxies.every((p) => p.identity.certFile.startsWith("/elsewhere/")), "the other build's cert paths");
  assert.ok(b.proxies.every((p) => p.clusters.every((c) => c.tls === null || c.tls.certFile === null || c.tls.certFile.startsWith("/elsewhere/"))));
  assert.not.ok(a.proxies[0]!.observability === b.proxies[0]!.observability, "nothing shared between builds");
});

test.run();
