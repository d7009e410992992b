// Every diagnostic code the compiler can raise from a config, each with a failing input,
// asserted by code and path (never by wording). Output-side and file-system codes are in
// bundle.test.ts and cli.test.ts.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { compile, configFromValue } from "../../compiler/testing.ts";
import { compileLoaded } from "../../compiler/compile.ts";
import { coreCodes } from "../../compiler/diagnostics/codes.ts";
import { baseMesh, variant } from "./base.ts";

const FAST = { targets: ["envoy", "certs"] };

test("the base mesh compiles clean", async () => {
  const r = await compile(baseMesh(), FAST);
  assert.equal(r.errors, [], JSON.stringify(r.diagnostics, null, 1));
  assert.ok(r.files.size > 0);
});

type Case = [code: string, what: string, mesh: any, pathIncludes: string, options?: object];
const cases: Case[] = [
  ["MESH1101", "unknown field", variant((m) => (m.services.web.endpoint = ["x"])), "services.web.endpoint"],
  ["MESH1102", "wrong type", variant((m) => (m.services.web.ports.http.port = "8080")), "services.web.ports.http.port"],
  ["MESH1103", "missing field", variant((m) => delete m.trustDomain), ""],
  ["MESH1104", "enum", variant((m) => (m.services.web.ports.http.protocol = "htp")), "services.web.ports.http.protocol"],
  ["MESH1105", "bad name", variant((m) => (m.services["Foo_Bar"] = m.services.web)), "services"],
  ["MESH1106", "range", variant((m) => (m.services.web.ports.http.port = 70000)), "services.web.ports.http.port"],
  ["MESH1107", "union", variant((m) => (m.routes[0].match.path = { prefix: "/a", exact: "/a" })), "routes[0].match.path"],
  ["MESH2040", "hostnames on a sidecar route", variant((m) => (m.routes[0].hostnames = ["a.example.com"])), "routes[0].hostnames"],
  ["MESH2040", "route hostnames the gateway does not serve", variant((m) => (m.gateways = { edge: { port: 8443, tls: false, hosts: ["shop.example.com"], routes: [{ to: "web", hostnames: ["other.example.com"] }] } })), "gateways.edge.routes[0].hostnames[0]"],
  ["MESH2041", "gateway order against Gateway API precedence", variant((m) => (m.gateways = { edge: { port: 8443, tls: false, hosts: ["shop.example.com"], routes: [
    { name: "canary", to: "web", match: { path: { prefix: "/api" }, headers: { "x-canary": "1" } } },
    { name: "exact", to: "web", match: { path: { exact: "/api/x" } } }] } })), "gateways.edge.routes[1]"],
  ["MESH2001", "unknown service", variant((m) => (m.routes[0].to = "paymnets")), "routes[0].to"],
  ["MESH2002", "unknown version", variant((m) => (m.routes[0].split = { v1: 90, v3: 10 })), "routes[0].split.v3"],
  ["MESH2003", "unknown port", variant((m) => (m.routes[0].port = "grpc")), "routes[0].port"],
  ["MESH2004", "unknown gateway", variant((m) => (m.routes[0].from = { gateway: "edge" })), "routes[0].from.gateway"],
  ["MESH2005", "duplicate route name", variant((m) => m.routes.push({ ...m.routes[0], match: { path: { prefix: "/other" } } })), "routes[2]"],
  ["MESH2005", "service named like a generated egress cluster", variant((m) => { m.services["egress-x"] = m.services.web; m.egress = { x: { host: "x.example.com", port: 80, tls: false, from: ["web"] } }; }), "egress.x"],
  ["MESH2006", "port clash", variant((m) => (m.services.web.ports.http.targetPort = 15001)), "targetPort"],
  ["MESH2007", "all-zero weights", variant((m) => (m.routes[0].split = { v1: 0, v2: 0 })), "routes[0].split"],
  ["MESH2008", "shadowed route", variant((m) => m.routes.push({ name: "late", from: "web", to: "api", match: { path: { prefix: "/api/v2" } } })), "routes[2]"],
  ["MESH2009", "allow covered by deny", variant((m) => m.authorization.push({ name: "deny-web", deny: { from: ["web"], to: "api" } })), "authorization[0]"],
  ["MESH2010", "retry budget", variant((m) => (m.routes[0].retries = { attempts: 3, perTryTimeout: "1s" })), "routes[0].retries"],
  ["MESH2011", "lookaround regex", variant((m) => (m.routes[0].match.path = { regex: "/(?=admin)" })), "routes[0].match.path.regex"],
  ["MESH2012", "control character", variant((m) => (m.routes[0].requestHeaders = { set: { "x-a": "a\r\nX-Inj: 1" } })), "routes[0].requestHeaders.set"],
  ["MESH2013", "dot-dot path", variant((m) => (m.routes[0].match.path = { prefix: "/a/../admin" })), "routes[0].match.path.prefix"],
  ["MESH2014", "header value", variant((m) => (m.routes[0].requestHeaders = { set: { "x-a": "two  spaces" } })), "routes[0].requestHeaders.set.x-a"],
  ["MESH2015", "IP as TLS SNI", variant((m) => (m.egress = { x: { host: "203.0.113.5", port: 443, tls: true, from: ["web"] } })), "egress.x.host"],
  ["MESH2016", "zero duration", variant((m) => (m.routes[0].timeout = "0s")), "routes[0].timeout"],
  ["MESH2017", "TCP route with HTTP match", variant((m) => (m.routes[1].match = { path: { prefix: "/" } })), "routes[1].match"],
  ["MESH2018", "bad endpoint", variant((m) => (m.services.web.endpoints = ["10.0.0.1:99999"])), "services.web.endpoints[0]"],
  ["MESH2020", "per-try longer than timeout", variant((m) => (m.routes[0].retries = { attempts: 1, perTryTimeout: "5s" })), "routes[0].retries.perTryTimeout"],
  ["MESH2021", "L7 rule on TCP service", variant((m) => (m.authorization[1].allow.methods = ["GET"])), "authorization[1].allow"],
  ["MESH2022", "deny outside every routed path", variant((m) => m.authorization.push({ name: "no-admin", deny: { from: "*", to: "api", paths: ["/admin/*"] } })), "authorization[2].deny.paths[0]"],
  ["MESH2030", "comma in a route header match", variant((m) => (m.routes[0].match.headers = { "x-debug": "1,1" })), "routes[0].match.headers.x-debug"],
  ["MESH2030", "comma in an authorization header prefix", variant((m) => (m.authorization[0].allow.headers = { "x-role": { prefix: "admin," } })), "authorization[0].allow.headers.x-role"],
  ["MESH2030", "trailing space in a header rule", variant((m) => (m.authorization[0].allow.headers = { "x-role": "admin " })), "authorization[0].allow.headers.x-role"],
  ["MESH1104", "cipher outside the allowlist (schema enum, with did-you-mean)", variant((m) => (m.defaults = { tls: { ciphers: ["ECDHE-ECDSA-AES128-GCM-SHA265"] } })), "defaults.tls.ciphers[0]"],
  ["MESH3001", "JWT on nginx", variant((m) => {
    m.jwtProviders = { idp: { issuer: "https://idp.example.com/", jwksUri: "https://idp.example.com/jwks.json" } };
    m.services.api.jwt = { provider: "idp" };
  }), "services.api.jwt", { targets: ["nginx"] }],
  ["MESH3002", "health check on nginx", variant((m) => (m.services.api.healthCheck = { path: "/healthz", interval: "5s", timeout: "1s" })), "services.api", { targets: ["nginx"] }],
  ["MESH3004", "unknown target", variant((m) => (m.targets = ["envoy"])), "", { targets: ["envoi"] }],
];

for (const [code, what, mesh, pathIncludes, options] of cases) {
  test(`${code}: ${what}`, async () => {
    const r = await compile(mesh, { ...FAST, ...options });
    const found = r.diagnostics.filter((d) => d.code === code);
    assert.ok(found.length > 0, `expected ${code}, got ${JSON.stringify(r.diagnostics.map((d) => [d.code, d.path]))}`);
    assert.ok(found.some((d) => d.path.includes(pathIncludes)), `expected a path with ${pathIncludes}, got ${found.map((d) => d.path)}`);
    const d = found[0]!;
    assert.ok(d.hint === null || d.hint.length > 0);
    if (d.path) assert.ok(d.line > 0, `${code} has no line`);
    if (d.severity === "error") assert.is(r.files.size, 0, "no partial bundle when there are errors");
  });
}

test("MESH3003: a partial capability is reported as info", async () => {
  const r = await compile(baseMesh(), { targets: ["envoy"] });
  assert.ok(r.diagnostics.some((d) => d.code === "MESH3003" && d.severity === "info"));
});

test("MESH1005: a mesh too large for tsc's union types skips the type-check, saying so", async () => {
  const { isTooLargeToTypecheck } = await import("../../compiler/compile.ts");
  const { generateMesh } = await import("../../bench/generate.ts");
  assert.not.ok(isTooLargeToTypecheck(generateMesh(100)));
  assert.ok(isTooLargeToTypecheck(generateMesh(1000)));
});

test("MESH9001: an internal failure is a diagnostic, not a stack trace", async () => {
  const hostile = new Proxy({}, { get() { throw new Error("boom"); }, ownKeys() { throw new Error("boom"); } });
  const config = { ...configFromValue({}), value: hostile };
  const r = await compileLoaded(config, { cwd: process.cwd(), ...FAST });
  assert.equal(r.diagnostics.map((d) => d.code), ["MESH9001"]);
});

test("a regex header rule may hold a comma (it never matches a refused request)", async () => {
  const r = await compile(variant((m) => (m.routes[0].match.headers = { "x-n": { regex: "a{1,3}" } })), FAST);
  assert.not.ok(r.diagnostics.some((d) => d.code === "MESH2030"), JSON.stringify(r.diagnostics));
});

test("MESH2031: the cipher allowlist holds on the normalized mesh too, with did-you-mean", async () => {
  const { normalize } = await import("../../compiler/normalize/index.ts");
  const { ciphers } = await import("../../compiler/analyze/ciphers.ts");
  const findings: { code: string; path: string; hint: string | null | undefined }[] = [];
  for (const name of ["NULL-SHA256", "RC4-MD5", "DEFAULT", "123", "ECDHE-RSA-AES128-GCM-SHA265", "ECDHE-RSA-AES128-GCM-SHA256"]) {
    const mesh = normalize(variant((m) => (m.defaults = { tls: { ciphers: [name] } })));
    ciphers.run(mesh, (code, f) => findings.push({ code: code.code, path: f.path, hint: f.hint }));
  }
  assert.equal(findings.map((f) => f.code), ["MESH2031", "MESH2031", "MESH2031", "MESH2031", "MESH2031"]);
  assert.ok(findings.every((f) => f.path === "defaults.tls.ciphers[0]"));
  assert.match(findings[4].hint ?? "", /did you mean "ECDHE-RSA-AES128-GCM-SHA256"/);
  const d = (await compile(variant((m) => (m.defaults = { tls: { ciphers: ["ECDHE-RSA-AES128-GCM-SHA265"] } })), FAST)).diagnostics.find((x) => x.code === "MESH1104");
  assert.match(d?.hint ?? "", /did you mean "ECDHE-RSA-AES128-GCM-SHA256"/);
});

test("NULL-SHA256, RC4-MD5, DEFAULT and 123 are refused before anything is emitted", async () => {
  for (const name of ["NULL-SHA256", "RC4-MD5", "DEFAULT", "123"]) {
    const r = await compile(variant((m) => (m.defaults = { tls: { ciphers: [name] } })), { targets: ["nginx", "haproxy", "envoy"] });
    assert.ok(r.diagnostics.some((d) => d.severity === "error" && d.path.startsWith("defaults.tls.ciphers")), name);
    assert.is(r.files.size, 0);
  }
});

test("unknown references get a did-you-mean hint", async () => {
  const r = await compile(variant((m) => (m.routes[0].to = "apj")), FAST);
  const d = r.diagnostics.find((x) => x.code === "MESH2001")!;
  assert.match(d.hint ?? "", /"api"/);
});

test("every core code is covered by a test", () => {
  const covered = new Set([...cases.map((c) => c[0]), "MESH1005", "MESH2031", "MESH3003", "MESH9001"]);
  // Codes exercised through files and the CLI live in cli.test.ts, safety-bundle.test.ts,
  // safety-writers.test.ts (MESH1006, MESH1007, MESH4006, MESH4007), limits.test.ts (MESH1008) and
  // kubernetes/adoption-capture.test.ts (MESH2050, MESH2051), kubernetes/placement-policies.test.ts (MESH2052), bundle-secrets.test.ts (MESH4008),
  // modules.test.ts (MESH1110), data-modules.test.ts (MESH1120-MESH1123: module files of a data config), parallel-emit.test.ts (MESH1015).
  const elsewhere = new Set(["MESH1001", "MESH1002", "MESH1003", "MESH1004", "MESH1006", "MESH1007", "MESH1008", "MESH1015", "MESH1110", "MESH1120", "MESH1121", "MESH1122", "MESH1123", "MESH2050", "MESH2051", "MESH2052", "MESH4001", "MESH4002", "MESH4003", "MESH4004", "MESH4005", "MESH4006", "MESH4007", "MESH4008"]);
  const missing = Object.values(coreCodes).map((c) => c.code).filter((c) => !covered.has(c) && !elsewhere.has(c));
  assert.equal(missing, []);
});

test.run();
