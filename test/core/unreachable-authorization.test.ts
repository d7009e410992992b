// MESH2022: authorization rules no request the mesh delivers can match. Run on the
// normalized model directly (the check is a pure function of it), plus the shop example
// end to end, where the bug was found: a deny on /admin/* in front of routes that only
// ever deliver /api/...
import { test } from "uvu";
import * as assert from "uvu/assert";
import { compile } from "../../compiler/testing.ts";
import { normalize } from "../../compiler/normalize/index.ts";
import { unreachableAuthorization } from "../../compiler/analyze/unreachable-authorization.ts";
import shop from "../../examples/shop/mesh.config.ts";
import { variant } from "./base.ts";

interface Finding { code: string; path: string; message: string; hint: string | null }

function findings(mesh: any): Finding[] {
  const out: Finding[] = [];
  unreachableAuthorization.run(normalize(mesh), (code, f) => out.push({ code: code.code, path: f.path, message: f.message, hint: f.hint ?? null }));
  return out;
}

const paths = (mesh: any) => findings(mesh).map((f) => f.path);
const denyOn = (to: string, rulePaths: string[], extra: object = {}) => ({ name: "no-admin", deny: { from: "*", to, paths: rulePaths, ...extra } });

test("the base mesh has no unmatchable rule", () => {
  assert.equal(findings(variant(() => {})), []);
});

test("a deny outside every routed prefix is reported at its path, with the routed prefix suggested", () => {
  const all = findings(variant((m) => m.authorization.push(denyOn("api", ["/admin/*"]))));
  assert.equal(all.map((f) => [f.code, f.path]), [["MESH2022", "authorization[2].deny.paths[0]"]]);
  assert.match(all[0]!.hint ?? "", "/api/admin/*");
});

test("the corrected rule, inside the routed prefix, is not reported", () => {
  assert.equal(paths(variant((m) => m.authorization.push(denyOn("api", ["/api/admin/*"])))), []);
  assert.equal(paths(variant((m) => m.authorization.push(denyOn("api", ["/api"])))), []);
});

test("a rule with several paths is reported only when none can be delivered", () => {
  assert.equal(paths(variant((m) => m.authorization.push(denyOn("api", ["/admin/*", "/api/x"])))), []);
  assert.equal(paths(variant((m) => m.authorization.push(denyOn("api", ["/admin/*", "/internal"])))), ["authorization[2].deny.paths"]);
});

const rewritten = (rewrite: object, rulePaths: string[]) => variant((m) => {
  m.routes[0].match = { path: { prefix: "/api/catalog" } };
  m.routes[0].rewrite = rewrite;
  m.authorization.push(denyOn("api", rulePaths));
});

test("a prefix rewrite moves what the destination sees: /catalog/* is reachable, /api/catalog/* is not", () => {
  assert.equal(paths(rewritten({ prefix: "/catalog" }, ["/catalog/*"])), []);
  assert.equal(paths(rewritten({ prefix: "/catalog" }, ["/api/catalog/*"])), ["authorization[2].deny.paths[0]"]);
  assert.equal(paths(rewritten({ host: "api.internal" }, ["/api/catalog/*"])), [], "a host rewrite leaves the path alone");
});

test("rewrites that could deliver any path never report", () => {
  // A string prefix /api/catalog matches the normalized /api/catalog../x, which /catalog/ + ../x normalizes out of.
  const stringPrefix = rewritten({ prefix: "/catalog/" }, ["/admin/*"]);
  stringPrefix.routes[0].match = { path: { stringPrefix: "/api/catalog" } };
  assert.equal(paths(stringPrefix), []);
  assert.equal(paths(rewritten({ regex: { pattern: "^/api/(.*)$", substitution: "/\\1" } }, ["/admin/*"])), []);
});

test("a caller with the default route (allowed, no routes) makes every path reachable", () => {
  const m = variant((m) => {
    m.routes = m.routes.filter((r: any) => r.to !== "api");
    m.authorization.push(denyOn("api", ["/admin/*"]));
  });
  assert.equal(paths(m), []);
});

test("the default route counts even when the other callers all have routes", () => {
  const m = variant((m) => {
    m.authorization.push(denyOn("api", ["/admin/*"]), { name: "db-api", allow: { from: ["db"], to: "api" } });
  });
  assert.equal(paths(m), []);
  const open = variant((m) => {
    m.services.api.authorization = "allow";
    m.authorization.push(denyOn("api", ["/admin/*"]));
  });
  assert.equal(paths(open), [], "under default allow every service gets the default route");
});

test("regex route matches never produce a report", () => {
  const m = variant((m) => {
    m.routes[0].match = { path: { regex: "/api/.*" } };
    m.authorization.push(denyOn("api", ["/admin/*"]));
  });
  assert.equal(paths(m), []);
});

test("gateway routes and health checks deliver too", () => {
  const gw = variant((m) => {
    m.gateways = { edge: { port: 8443, hosts: ["t.example.com"], routes: [{ name: "edge-admin", match: { path: { prefix: "/admin/" } }, to: "api" }] } };
    m.authorization.push(denyOn("api", ["/admin/*"]));
  });
  assert.equal(paths(gw), []);
  const hc = variant((m) => {
    m.services.api.healthCheck = { path: "/healthz", interval: "5s", timeout: "1s" };
    m.authorization.push(denyOn("api", ["/healthz"]), { name: "no-metrics", deny: { from: "*", to: "api", paths: ["/metrics"] } });
  });
  assert.equal(paths(hc), ["authorization[3].deny.paths[0]"]);
});

test("a backend or mirror into another service delivers the route's paths there", () => {
  const m = variant((m) => {
    m.routes[0] = { name: "web-api", from: "web", to: "api", match: { path: { prefix: "/api/" } }, rewrite: { prefix: "/v1/" }, mirror: { to: "web" } };
    // Proxies differ on whether the copy carries the matched or the rewritten path: both count.
    m.authorization.push(denyOn("web", ["/api/x"]), denyOn("web", ["/v1/x"]), denyOn("web", ["/admin/*"]));
  });
  assert.equal(paths(m), ["authorization[4].deny.paths[0]"]);
});

test("a method no delivering route carries is reported at the rule's methods", () => {
  const m = variant((m) => {
    m.routes[0].match.methods = ["GET"];
    m.authorization.push(denyOn("api", ["/api/*"], { methods: ["DELETE"] }), denyOn("api", ["/api/*"], { methods: ["GET", "DELETE"] }));
  });
  assert.equal(paths(m), ["authorization[2].deny.methods"]);
});

test("callers that never send the destination anything are reported at from", () => {
  const m = variant((m) => m.authorization.push({ name: "no-db", deny: { from: ["db"], to: "api", paths: ["/api/*"] } }));
  assert.equal(paths(m), ["authorization[2].deny.from"]);
  // Routes deliver only what their own callers send: web's routes do not reach api for db.
  const allowed = variant((m) => m.authorization.push({ name: "no-web", deny: { from: ["web"], to: "api", paths: ["/api/*"] } }));
  assert.equal(paths(allowed), []);
});

test("a permissive service takes plaintext requests from outside the mesh: rules from * are not judged", () => {
  const m = variant((m) => {
    m.services.api.mtls = "permissive";
    m.authorization.push(denyOn("api", ["/admin/*"]));
  });
  assert.equal(paths(m), []);
});

test("shop: the corrected no-admin rule is clean; the original /admin/* is reported end to end", async () => {
  const ok = await compile(shop, { targets: ["envoy"] });
  assert.equal(ok.diagnostics.filter((d) => d.code === "MESH2022"), []);
  const broken = structuredClone(shop) as any;
  broken.authorization[0].deny.paths = ["/admin/*"];
  const r = await compile(broken, { targets: ["envoy"] });
  const found = r.diagnostics.filter((d) => d.code === "MESH2022");
  assert.equal(found.map((d) => [d.path, d.severity]), [["authorization[0].deny.paths[0]", "warning"]]);
  assert.ok(found[0]!.line > 0);
  assert.match(found[0]!.hint ?? "", "/api/admin/*");
});

test.run();
