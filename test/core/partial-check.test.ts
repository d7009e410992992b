// Schema errors inside routes, rules or a service nothing else names no longer hold back the
// semantic errors of the rest (one run, every mistake); errors elsewhere still do, and set-aside elements never cause a
// diagnostic the full config would not give (default names and indices are the full config's).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { compile } from "../../compiler/testing.ts";
import { variant } from "./base.ts";

const FAST = { targets: ["envoy", "certs"] };
const codesAt = (ds: readonly { code: string; path: string; severity: string }[]) =>
  ds.filter((d) => d.severity === "error").map((d) => `${d.code} ${d.path}`).sort();

test("a schema error in one route and an unknown service in another: both, in one run", async () => {
  const r = await compile(variant((m) => {
    m.routes[0].timeout = 5;
    m.routes[1].to = "dbb";
  }), FAST);
  assert.equal(codesAt(r.diagnostics), ["MESH1102 routes[0].timeout", "MESH2001 routes[1].to"]);
  assert.match(r.diagnostics.find((d) => d.code === "MESH2001")!.hint ?? "", /"db"/);
});

test("indices and default names in messages are the full config's, not the pruned one's", async () => {
  const r = await compile(variant((m) => {
    m.routes.unshift({ name: "broken", from: "web", to: "api", timeout: 5 });
    m.routes.push({ from: "web", to: "api", match: { path: { prefix: "/z" } }, split: { v1: 0, v2: 0 } });
  }), FAST);
  assert.equal(codesAt(r.diagnostics), ["MESH1102 routes[0].timeout", "MESH2007 routes[3].split"]);
  const weights = r.diagnostics.find((d) => d.code === "MESH2007")!;
  assert.match(weights.message, /web-api-3\b/, weights.message);
});

test("checks that depend on the other routes wait (no shadowing verdict without the broken route)", async () => {
  // Route 1 is shadowed by route 0 in the full config; with route 0 set aside it would not be,
  // and a duplicate-name or reachability verdict could be wrong either way: none is given.
  const r = await compile(variant((m) => {
    m.routes[0].timeout = 5;
    m.routes.push({ name: "late", from: "web", to: "api", match: { path: { prefix: "/api/v2" } } });
  }), FAST);
  assert.equal(codesAt(r.diagnostics), ["MESH1102 routes[0].timeout"]);
});

test("a schema error in one service (one team's typo) does not hide an unknown service elsewhere", async () => {
  const r = await compile(variant((m) => {
    m.services.api.endpoint = ["10.0.0.1"];
    m.routes[1].to = "dbb";
  }), FAST);
  assert.equal(codesAt(r.diagnostics), ["MESH1101 services.api.endpoint", "MESH2001 routes[1].to"]);
  assert.match(r.diagnostics.find((d) => d.code === "MESH2001")!.hint ?? "", /"db"/);
});

test("the set-aside service still counts for 'did you mean', and routes naming it wait", async () => {
  const r = await compile(variant((m) => {
    m.services.api.endpoint = ["10.0.0.1"];
    m.routes[1].to = "apii";
    m.routes[0].split = { v1: 0, v2: 0 }; // names api: set aside with it, judged once api is fixed
  }), FAST);
  assert.equal(codesAt(r.diagnostics), ["MESH1101 services.api.endpoint", "MESH2001 routes[1].to"]);
  assert.match(r.diagnostics.find((d) => d.code === "MESH2001")!.hint ?? "", /"api"/);
});

test("a broken service that a gateway (or anything but routes and rules) names still holds the checks back", async () => {
  const r = await compile(variant((m) => {
    m.services.api.endpoint = ["10.0.0.1"];
    m.gateways = { edge: { port: 8443, tls: false, hosts: ["t.example.com"], routes: [{ to: "api" }] } };
    m.routes[1].to = "dbb";
  }), FAST);
  assert.equal(codesAt(r.diagnostics), ["MESH1101 services.api.endpoint"]);
});

test.run();
