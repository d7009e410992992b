import { test } from "uvu";
import * as assert from "uvu/assert";
import { explain, formatExplanation } from "../../compiler/review/explain.ts";
import { sampleIR } from "../fixtures/ir/sample.ts";
import {
  allowRule, asIR, cloneSample, listenerOf, principalOf, routeOf, vhostOf, withCatalogSidecar,
} from "../fixtures/review/mesh.ts";

const forward = (e: ReturnType<typeof explain>) => {
  if (e.action?.kind !== "forward") throw new Error(`expected a forward, got ${e.outcome}`);
  return e.action;
};

test("header canary: with the header the canary route sends everything to v2", () => {
  const e = explain(sampleIR, { from: "web", to: "catalog", path: "/api/catalog/items", headers: { "X-Canary": "1" } });
  assert.equal(e.route, { name: "web-catalog-canary", origin: "routes[0]" });
  assert.equal(forward(e).backends.map((b) => [b.service, b.subset, b.weight]), [["catalog", "v2", 100]]);
  assert.equal(e.skipped, []);
});

test("header canary: without the header the canary route is skipped for that reason and the split applies", () => {
  const e = explain(sampleIR, { from: "web", to: "catalog", path: "/api/catalog/items" });
  assert.is(e.route?.name, "web-catalog");
  assert.is(e.skipped.length, 1);
  assert.is(e.skipped[0].name, "web-catalog-canary");
  assert.is(e.skipped[0].reasons.length, 1);
  assert.match(e.skipped[0].reasons[0], /x-canary/);
  const action = forward(e);
  assert.equal(action.backends.map((b) => [b.cluster, b.subset, b.weight]), [["catalog-v1", "v1", 90], ["catalog-v2", "v2", 10]]);
  assert.is(action.timeoutMs, 2000);
  assert.is(action.retries?.retries, 2);
  assert.ok(action.retriesApply);
  assert.equal(action.mirror && [action.mirror.cluster, action.mirror.percent], ["catalog-v2", 5]);
});

test("a canary header with another value does not match", () => {
  const e = explain(sampleIR, { from: "web", to: "catalog", path: "/api/catalog/items", headers: { "x-canary": "10" } });
  assert.is(e.route?.name, "web-catalog");
});

test("retries restricted to idempotent methods do not apply to a POST, and the method mismatch is reported", () => {
  const ir = cloneSample();
  routeOf(ir, "web", "catalog", "web-catalog").match.methods = [];
  const e = explain(asIR(ir), { from: "web", to: "catalog", method: "post", path: "/api/catalog/items" });
  assert.is(e.request.method, "POST");
  assert.is(forward(e).retriesApply, false);
  const shadowed = explain(sampleIR, { from: "web", to: "catalog", method: "POST", path: "/api/catalog/items" });
  assert.is(shadowed.outcome, "no-route");
  assert.ok(shadowed.skipped.find((s) => s.name === "web-catalog")?.reasons.some((r) => r.includes("method POST")));
});

test("route shadowing: an earlier broader route matches first, the later one is reported as not reached", () => {
  const ir = cloneSample();
  const vhost = vhostOf(ir, "web", "catalog");
  const broad = structuredClone(routeOf(ir, "web", "catalog", "web-catalog-gone"));
  broad.name = "web-catalog-everything";
  broad.origin = "routes[9]";
  broad.match.path = { kind: "prefix", value: "/" };
  vhost.routes.unshift(broad);
  const e = explain(asIR(ir), { from: "web", to: "catalog", path: "/api/catalog/items", headers: { "x-canary": "1" } });
  assert.is(e.route?.name, "web-catalog-everything");
  assert.is(e.outcome, "direct-response");
  assert.is(e.status, 410);
  assert.ok(e.notReached.some((r) => r.name === "web-catalog-canary"));
  assert.equal(e.notReached.map((r) => r.name), ["web-catalog-canary", "web-catalog", "web-catalog-legacy", "web-catalog-gone"]);
});

test("regex routes must match the whole path (RE2 full match)", () => {
  const full = explain(sampleIR, { from: "web", to: "catalog", path: "/legacy/12?v=1" });
  assert.is(full.route?.name, "web-catalog-legacy");
  assert.is(full.outcome, "redirect");
  assert.is(full.status, 301);
  for (const path of ["/legacy/12/more?v=1", "/x/legacy/12?v=1"]) {
    const partial = explain(sampleIR, { from: "web", to: "catalog", path });
    assert.is(partial.outcome, "no-route", path);
    assert.is(partial.status, 404);
    assert.ok(partial.skipped.find((s) => s.name === "web-catalog-legacy")?.reasons.some((r) => r.startsWith("path")), path);
  }
});

test("query parameters are matched; a missing one is the reason", () => {
  const e = explain(sampleIR, { from: "web", to: "catalog", path: "/legacy/12", query: { v: "2" } });
  assert.is(e.outcome, "no-route");
  assert.ok(e.skipped.find((s) => s.name === "web-catalog-legacy")?.reasons.some((r) => r.startsWith("query")));
});

test("regexes use the RE2 dialect: a lookahead (valid JavaScript, invalid RE2) never matches", () => {
  const ir = cloneSample();
  routeOf(ir, "web", "catalog", "web-catalog-legacy").match.path = { kind: "regex", value: "/legacy/(?=1)[0-9]+" };
  assert.ok(/^\/legacy\/(?=1)[0-9]+$/.test("/legacy/12"));
  const e = explain(asIR(ir), { from: "web", to: "catalog", path: "/legacy/12?v=1" });
  assert.is(e.outcome, "no-route");
  assert.ok(e.skipped.find((s) => s.name === "web-catalog-legacy")?.reasons[0].includes("invalid RE2"));
});

test("default-deny authorization: no rule matches, the default denies", () => {
  const e = explain(sampleIR, { from: "web", to: "payments", method: "POST", path: "/shop.Payments/Charge" });
  assert.is(e.outcome, "denied");
  assert.is(e.status, 403);
  const d = e.destinations[0];
  assert.is(d.service, "payments");
  assert.is(d.mtls, "strict");
  assert.is(d.callerPrincipal, sampleIR.proxies.find((p) => p.name === "web")!.identity.spiffeId);
  assert.is(d.authorization?.decidedBy, null);
  assert.is(d.authorization?.defaultAction, "deny");
  assert.ok(d.authorization?.rules.every((r) => !r.matched));
  assert.ok(d.rateLimit !== null);
});

test("an allow rule decides when its principal, method, path and header match", () => {
  const e = explain(sampleIR, { from: "web", to: "payments", method: "POST", path: "/shop.Payments/Charge", headers: { "X-Tenant": "t1" } });
  assert.is(e.outcome, "allowed");
  assert.equal(e.destinations[0].authorization?.decidedBy, { name: "web-charges", origin: "authorization[1]", action: "allow" });
});

test("a deny rule overrides a matching allow rule", () => {
  const ir = cloneSample();
  listenerOf(ir, "payments", "inbound-9090").authorization!.rules.push(
    allowRule("web-everything", { principals: [principalOf(ir, "web")], paths: [{ kind: "prefix", value: "/shop.Payments/" }] }),
  );
  const e = explain(asIR(ir), { from: "web", to: "payments", method: "POST", path: "/shop.Payments/Legacy/Refund" });
  assert.is(e.outcome, "denied");
  const authz = e.destinations[0].authorization!;
  assert.equal(authz.decidedBy, { name: "deny-legacy", origin: "authorization[0]", action: "deny" });
  assert.ok(authz.rules.find((r) => r.name === "web-everything")?.matched, "the allow matched too, and lost");
});

test("authorization sees the path after the route's rewrite", () => {
  const rewritten = withCatalogSidecar(cloneSample(), { defaultAction: "deny", rules: [
    allowRule("web-reads-catalog", { principals: [principalOf(cloneSample(), "web")], methods: ["GET"], paths: [{ kind: "prefix", value: "/catalog/" }] }),
  ] });
  const e = explain(asIR(rewritten), { from: "web", to: "catalog", path: "/api/catalog/items" });
  assert.is(forward(e).upstreamPath, "/catalog/items");
  assert.is(e.destinations[0].path, "/catalog/items");
  assert.is(e.outcome, "allowed");

  const original = withCatalogSidecar(cloneSample(), { defaultAction: "deny", rules: [
    allowRule("web-reads-api", { principals: [principalOf(cloneSample(), "web")], paths: [{ kind: "prefix", value: "/api/catalog" }] }),
  ] });
  const denied = explain(asIR(original), { from: "web", to: "catalog", path: "/api/catalog/items" });
  assert.is(denied.outcome, "denied");
  assert.is(denied.destinations[0].authorization?.decidedBy, null);
});

test("route header mutations are what the destination's header rules see", () => {
  const ir = withCatalogSidecar(cloneSample(), { defaultAction: "deny", rules: [
    allowRule("route-marked", { headers: [{ name: "x-route", kind: "prefix", value: "catalog", invert: false }] }),
  ] });
  const e = explain(asIR(ir), { from: "web", to: "catalog", path: "/api/catalog/items" });
  assert.is(e.outcome, "allowed");
});

test("strict mTLS rejects a caller whose cluster presents no certificate", () => {
  const ir = withCatalogSidecar(cloneSample(), { defaultAction: "allow", rules: [] });
  for (const c of ir.proxies.find((p) => p.name === "web")!.clusters) if (c.service === "catalog") c.tls = null;
  const e = explain(asIR(ir), { from: "web", to: "catalog", path: "/api/catalog/items" });
  assert.is(e.outcome, "denied");
  assert.is(e.destinations[0].decision, "tls-rejected");
  assert.is(e.status, 503);
});

test("a destination without a sidecar in the IR is reported as unknown", () => {
  const e = explain(sampleIR, { from: "web", to: "catalog.shop", path: "/api/catalog/x" });
  assert.is(e.virtualHost?.name, "catalog");
  assert.is(e.outcome, "unknown");
  assert.is(e.destinations[0].decision, "unknown");
});

test("no virtual host for the destination: 404, and a TCP-only destination says so", () => {
  const e = explain(sampleIR, { from: "web", to: "nowhere" });
  assert.is(e.outcome, "no-virtual-host");
  assert.is(e.status, 404);
  const tcp = explain(sampleIR, { from: "web", to: "ledger" });
  assert.is(tcp.outcome, "no-virtual-host");
  assert.ok(tcp.notes.some((n) => n.includes("TCP")));
});

test("a gateway is found by its proxy name or its own name, and routes by host", () => {
  for (const from of ["edge", "gateway-edge"]) {
    const e = explain(sampleIR, { from, to: "shop.example.com", path: "/" });
    assert.is(e.source?.proxy, "gateway-edge");
    assert.is(e.route?.name, "edge-0");
    assert.is(e.destinations[0].service, "web");
    assert.is(e.destinations[0].callerPrincipal, sampleIR.proxies[0].identity.spiffeId);
    assert.is(e.outcome, "allowed");
  }
  assert.is(explain(sampleIR, { from: "edge", to: "web" }).route?.name, "edge-0");
  assert.is(explain(sampleIR, { from: "nobody", to: "web" }).outcome, "unknown-source");
});

test("the explanation is plain JSON data and formats as text", () => {
  const e = explain(sampleIR, { from: "web", to: "payments", method: "POST", path: "/shop.Payments/Legacy" });
  assert.equal(JSON.parse(JSON.stringify(e)), e);
  const text = formatExplanation(e);
  assert.match(text, /deny-legacy/);
  assert.match(text, /denied \(403\)/);
});

test.run();
