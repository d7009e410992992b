import { test } from "uvu";
import * as assert from "uvu/assert";
import { diffIR, formatChanges, type Change } from "../../compiler/review/semantic-diff.ts";
import { sampleIR } from "../fixtures/ir/sample.ts";
import {
  allowRule, asIR, cloneSample, clusterOf, listenerOf, principalOf, proxyOf, routeOf, vhostOf, withSecondCatalogCaller,
} from "../fixtures/review/mesh.ts";

/** The structure of a change, without its wording. */
const shape = (c: Change) => ({ kind: c.kind, subject: c.subject, route: c.route, rule: c.rule, subset: c.subset, field: c.field, before: c.before, after: c.after });

test("identical inputs: no changes", () => {
  assert.equal(diffIR(sampleIR, cloneSample() as typeof sampleIR), []);
  assert.equal(diffIR(sampleIR, sampleIR), []);
  assert.is(formatChanges([], "text"), "No semantic changes.\n");
});

test("a retry change is one route change: retries 2 -> 3", () => {
  const ir = cloneSample();
  const action = routeOf(ir, "web", "catalog", "web-catalog").action;
  if (action.kind !== "forward") throw new Error("fixture");
  action.retries!.retries = 3;
  const changes = diffIR(sampleIR, asIR(ir));
  assert.equal(changes.map(shape), [
    { kind: "route-changed", subject: "catalog", route: "web-catalog", rule: undefined, subset: undefined, field: "retries.retries", before: 2, after: 3 },
  ]);
  assert.match(changes[0].text, /retries 2 -> 3/);
});

test("per-try timeout and timeout changes are separate fields", () => {
  const ir = cloneSample();
  const action = routeOf(ir, "web", "payments", "web-payments").action;
  if (action.kind !== "forward") throw new Error("fixture");
  action.retries!.perTryTimeoutMs = 2000;
  action.timeoutMs = 5000;
  assert.equal(diffIR(sampleIR, asIR(ir)).map((c) => [c.subject, c.field, c.before, c.after]), [
    ["payments", "retries.perTryTimeoutMs", 1000, 2000],
    ["payments", "timeoutMs", 3000, 5000],
  ]);
});

test("a split change reports weights per subset", () => {
  const ir = cloneSample();
  const action = routeOf(ir, "web", "catalog", "web-catalog").action;
  if (action.kind !== "forward") throw new Error("fixture");
  action.backends = [{ cluster: "catalog-v1", weight: 50 }, { cluster: "catalog-v2", weight: 50 }];
  const changes = diffIR(sampleIR, asIR(ir));
  assert.equal(changes.map((c) => [c.kind, c.route, c.field, c.before, c.after]), [
    ["route-changed", "web-catalog", "split.v1", 90, 50],
    ["route-changed", "web-catalog", "split.v2", 10, 50],
  ]);
  assert.match(changes[0].text, /v1 90% -> 50%/);
});

test("a subset leaving the split goes to 0%", () => {
  const ir = cloneSample();
  const action = routeOf(ir, "web", "catalog", "web-catalog").action;
  if (action.kind !== "forward") throw new Error("fixture");
  action.backends = [{ cluster: "catalog-v2", weight: 100 }];
  assert.equal(diffIR(sampleIR, asIR(ir)).map((c) => [c.field, c.before, c.after]), [["split.v1", 90, 0], ["split.v2", 10, 100]]);
});

test("route added, removed, reordered and match changes", () => {
  const ir = cloneSample();
  const vhost = vhostOf(ir, "web", "catalog");
  const gone = vhost.routes.pop()!;
  const [canary, main] = vhost.routes;
  vhost.routes[0] = main;
  vhost.routes[1] = canary;
  main.match.path = { kind: "prefix", value: "/api/v2/catalog" };
  vhost.routes.push({ ...structuredClone(gone), name: "web-catalog-teapot", origin: "routes[6]" });
  const byKind = (kind: string) => diffIR(sampleIR, asIR(ir)).filter((c) => c.kind === kind).map(shape);
  assert.equal(byKind("route-removed").map((c) => c.route), ["web-catalog-gone"]);
  assert.equal(byKind("route-added").map((c) => c.route), ["web-catalog-teapot"]);
  assert.equal(byKind("route-order").map((c) => [c.before, c.after]), [[
    ["web-catalog-canary", "web-catalog", "web-catalog-legacy"], ["web-catalog", "web-catalog-canary", "web-catalog-legacy"],
  ]]);
  assert.equal(byKind("route-changed").map((c) => [c.field, c.before, c.after]), [["match.path", "prefix /api/catalog", "prefix /api/v2/catalog"]]);
});

test("authorization: a new allow rule, a removed rule, and default deny -> allow", () => {
  const ir = cloneSample();
  const authz = listenerOf(ir, "payments", "inbound-9090").authorization!;
  authz.defaultAction = "allow";
  authz.rules = authz.rules.filter((r) => r.name !== "deny-legacy");
  authz.rules.push(allowRule("web-balance", { principals: [principalOf(ir, "web")], methods: ["GET"], paths: [{ kind: "exact", value: "/balance" }] }));
  const changes = diffIR(sampleIR, asIR(ir));
  assert.equal(changes.map((c) => [c.kind, c.subject, c.rule, c.field]), [
    ["authz-default", "payments", undefined, "defaultAction"],
    ["authz-rule-removed", "payments", "deny-legacy", "rule"],
    ["authz-rule-added", "payments", "web-balance", "rule"],
  ]);
  assert.equal([changes[0].before, changes[0].after], ["deny", "allow"]);
  assert.equal(changes[2].after, { action: "allow", from: ["web"], methods: ["GET"], paths: ["exact /balance"], headers: [] });
  assert.match(changes[2].text, /web may now call payments on GET \/balance/);
});

test("authorization: a rule's methods change is one rule change", () => {
  const ir = cloneSample();
  listenerOf(ir, "payments", "inbound-9090").authorization!.rules[1].methods = ["POST", "PUT"];
  assert.equal(diffIR(sampleIR, asIR(ir)).map(shape), [
    { kind: "authz-rule-changed", subject: "payments", route: undefined, rule: "web-charges", subset: undefined, field: "methods", before: ["POST"], after: ["POST", "PUT"] },
  ]);
});

test("mTLS mode, TLS version and rate limit changes per service", () => {
  const ir = cloneSample();
  const inbound = listenerOf(ir, "payments", "inbound-9090");
  inbound.tls!.mode = "permissive";
  inbound.tls!.minVersion = "1.3";
  inbound.rateLimit!.requests = 200;
  const changes = diffIR(sampleIR, asIR(ir));
  assert.equal(changes.map((c) => [c.kind, c.subject, c.field, c.before, c.after]), [
    ["mtls", "payments", "mode", "strict", "permissive"],
    ["rate-limit", "payments", "rateLimit.requests", 100, 200],
    ["tls", "payments", "tls.minVersion", "1.2", "1.3"],
  ]);
  assert.is(changes[0].text, "mTLS: strict -> permissive on payments");
});

test("dedupe: a cluster change seen in two callers' proxies (and on every subset) is one change", () => {
  const before = withSecondCatalogCaller(cloneSample());
  const after = structuredClone(before);
  for (const proxy of ["web", "orders"]) {
    for (const name of ["catalog-v1", "catalog-v2"]) clusterOf(after, proxy, name).outlierDetection!.consecutive5xx = 3;
  }
  const changes = diffIR(asIR(before), asIR(after));
  assert.equal(changes.map(shape), [
    { kind: "traffic-policy", subject: "catalog", route: undefined, rule: undefined, subset: undefined, field: "outlierDetection.consecutive5xx", before: 5, after: 3 },
  ]);
});

test("a cluster change in one caller's copy only is still reported", () => {
  const before = withSecondCatalogCaller(cloneSample());
  const after = structuredClone(before);
  clusterOf(after, "orders", "catalog-v2").connectTimeoutMs = 250;
  assert.equal(diffIR(asIR(before), asIR(after)).map((c) => [c.kind, c.subject, c.subset, c.field, c.before, c.after]), [
    ["traffic-policy", "catalog", "v2", "connectTimeoutMs", 1000, 250],
  ]);
});

test("a cluster change on one subset names the subset; endpoints are added once", () => {
  const before = withSecondCatalogCaller(cloneSample());
  const after = structuredClone(before);
  for (const proxy of ["web", "orders"]) {
    clusterOf(after, proxy, "catalog-v1").loadBalancing = { policy: "random" };
    clusterOf(after, proxy, "catalog-v2").endpoints.push({ address: "10.0.2.21", port: 8080 });
  }
  assert.equal(diffIR(asIR(before), asIR(after)).map((c) => [c.kind, c.subject, c.subset, c.field, c.before, c.after]), [
    ["traffic-policy", "catalog", "v1", "loadBalancing.policy", "least-request", "random"],
    ["endpoint-added", "catalog", "v2", "endpoints", null, "10.0.2.21:8080"],
  ]);
});

test("services, subsets and gateways added or removed", () => {
  const after = cloneSample();
  proxyOf(after, "web").clusters.push({ ...structuredClone(clusterOf(after, "web", "catalog-v2")), name: "catalog-v3", subset: "v3" });
  after.proxies = after.proxies.filter((p) => p.kind !== "gateway");
  after.infra.gateways = [];
  after.infra.workloads.push({ ...structuredClone(after.infra.workloads[0]), name: "inventory", proxy: "inventory" });
  assert.equal(diffIR(sampleIR, asIR(after)).map((c) => [c.kind, c.subject]), [
    ["subset-added", "catalog"],
    ["gateway-removed", "gateway-edge"],
    ["route-removed", "gateway-edge"],
    ["service-added", "inventory"],
  ]);
});

test("formatChanges groups by subject and route in text and markdown, and json round-trips", () => {
  const ir = cloneSample();
  const action = routeOf(ir, "web", "catalog", "web-catalog").action;
  if (action.kind !== "forward") throw new Error("fixture");
  action.retries!.retries = 3;
  action.timeoutMs = 3000;
  listenerOf(ir, "payments", "inbound-9090").tls!.mode = "permissive";
  const changes = diffIR(sampleIR, asIR(ir));
  const text = formatChanges(changes, "text");
  assert.match(text, /^catalog:\n  route web-catalog \(web -> catalog\):\n    - retries 2 -> 3\n    - timeout 2s -> 3s\npayments:\n/);
  const markdown = formatChanges(changes, "markdown");
  assert.match(markdown, /#### catalog/);
  assert.match(markdown, /#### payments/);
  assert.equal(JSON.parse(formatChanges(changes, "json")), JSON.parse(JSON.stringify(changes)));
});

test.run();
