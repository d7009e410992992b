// Schema errors inside services, gateways, routes or rules do not hold back the semantic
// errors of the rest (one run, every mistake); errors in other top-level fields still do, and
// set-aside elements never cause a diagnostic the full config would not give (nothing that
// mentions them is checked; default names and indices are the full config's).
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

test("three schema errors (a service, a gateway, a route) and three semantic errors elsewhere: all six in one run", async () => {
  const r = await compile(variant((m) => {
    m.services.cache = { ports: { redis: { port: 6379, protocol: "tcp" } }, endpoint: ["10.0.0.40"] };
    m.gateways = { edge: { port: 8443, tls: false, hosts: ["t.example.com"], routes: [{ to: "web" }], colour: "blue" } };
    m.routes[1].timeout = 5;
    m.routes[0].to = "apx";
    m.routes.push({ name: "split", from: "web", to: "api", match: { path: { prefix: "/z" } }, split: { v1: 0, v2: 0 } });
    m.authorization[0].allow.from = ["wbe"];
  }), FAST);
  assert.equal(codesAt(r.diagnostics), [
    "MESH1101 gateways.edge.colour", "MESH1101 services.cache.endpoint", "MESH1102 routes[1].timeout",
    "MESH2001 authorization[0].allow.from[0]", "MESH2001 routes[0].to", "MESH2007 routes[2].split",
  ]);
});

test("what mentions a set-aside service or gateway is set aside too: no reference to it is reported as unknown", async () => {
  const r = await compile(variant((m) => {
    m.services.db.endpoint = ["10.0.0.31"];
    m.gateways = { edge: { port: 8443, tls: false, hosts: ["t.example.com"], routes: [{ to: "db" }] } };
    m.routes[0].to = "apx";
  }), FAST);
  assert.equal(codesAt(r.diagnostics), ["MESH1101 services.db.endpoint", "MESH2001 routes[0].to"]);
  // A top-level field naming the broken service cannot be set aside: everything waits.
  const held = await compile(variant((m) => {
    m.services.db.endpoint = ["10.0.0.31"];
    m.egress = { stripe: { host: "api.stripe.com", port: 443, from: ["db"] } };
    m.routes[0].to = "apx";
  }), FAST);
  assert.equal(codesAt(held.diagnostics), ["MESH1101 services.db.endpoint"]);
});

test("a schema error in a top-level field still holds the semantic checks back", async () => {
  const r = await compile(variant((m) => {
    m.defaults = { colour: "blue" };
    m.routes[1].to = "dbb";
  }), FAST);
  assert.equal(codesAt(r.diagnostics), ["MESH1101 defaults.colour"]);
});

test.run();
