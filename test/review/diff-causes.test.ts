// The semantic diff grouped by cause, on generated meshes (the case: one changed
// default on 100 and 1,000 services) and on small edits whose cause is known. Sides are
// compiled in memory without targets: the grouping reads the configs and the IRs.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { compileLoaded } from "../../compiler/compile.ts";
import { configFromValue } from "../../compiler/testing.ts";
import { diffByCause, type Cause, type DiffSide } from "../../compiler/review/causes.ts";
import { formatCausesMarkdown, formatCausesText } from "../../compiler/review/format-causes.ts";
import { generateMesh } from "../../bench/generate.ts";

async function side(value: Record<string, unknown>): Promise<DiffSide> {
  const r = await compileLoaded(configFromValue(value), { cwd: ".", targets: [], verify: "none" });
  assert.equal(r.diagnostics.filter((d) => d.severity === "error"), []);
  return { raw: value, mesh: r.mesh!, ir: r.ir! };
}

const clone = <T>(v: T): T => structuredClone(v);
type Mesh = Record<string, unknown> & { services: Record<string, Record<string, unknown>>; routes: Record<string, unknown>[] };

function markdown(causes: readonly Cause[], budget = 60_000): string {
  return formatCausesMarkdown({ title: "meshc diff", causes, graph: "", files: [], rerun: "meshc diff --base main", budget, verbose: false });
}

async function timeoutChange(n: number) {
  const before = generateMesh(n) as Mesh;
  before.defaults = { timeout: "15s" };
  const after = clone(before);
  after.defaults = { timeout: "4s" };
  return diffByCause(await side(before), await side(after));
}

test("100 services, defaults.timeout 15s -> 4s: one cause with its reach, a comment far under the budget", async () => {
  const d = await timeoutChange(100);
  assert.is(d.causes.length, 1);
  const [cause] = d.causes;
  assert.is(cause!.id, "defaults.timeout");
  assert.is(cause!.title, "defaults.timeout 15s -> 4s");
  // Per service: r<i>-items and r<i>-any inherit the default; r<i>-orders sets 3s.
  assert.is(cause!.routes.length, 200);
  assert.is(cause!.proxies.length, 100);
  assert.ok(cause!.routes.every((r) => /^r\d+-(items|any)$/.test(r)));
  assert.is(d.changes.length, 200, "every route change stays available as data");
  const md = markdown(d.causes);
  assert.ok(md.length < 60_000, `${md.length}`);
  assert.is(md.split("defaults.timeout 15s -> 4s").length - 1, 1, "the default is named once");
  assert.match(md, /200 routes on 100 proxies/);
  assert.match(md, /e\.g\. svc-\d+ -> svc-\d+ \(r\d+-(items|any)\)/);
  assert.match(md, /<details><summary>200 changes<\/summary>/);
  assert.match(md, /and 150 more changes/);
  assert.match(md, /meshc diff --base main --format json/);
  // Text: two lines without --verbose; every change with it.
  const effectLines = (text: string) => text.split("\n").filter((l) => /^ +- svc-\d+ -> svc-\d+ \(r\d+-\w+\): timeout 15s -> 4s$/.test(l)).length;
  assert.is(effectLines(formatCausesText(d.causes, false)), 0);
  assert.is(effectLines(formatCausesText(d.causes, true)), 200);
});

test("1,000 services: the comment stays under GitHub's 65,536 characters, also with a tight budget", async () => {
  const d = await timeoutChange(1000);
  assert.is(d.causes[0]!.routes.length, 2000);
  assert.is(d.causes[0]!.proxies.length, 1000);
  const md = markdown(d.causes);
  assert.ok(md.length < 65_536, `${md.length}`);
  assert.match(md, /2,000 routes on 1,000 proxies/);
  const tight = formatCausesMarkdown({
    title: "meshc diff", causes: d.causes, graph: "x".repeat(5000), rerun: "meshc diff", budget: 3000, verbose: true,
    files: [{ target: "envoy", block: "y".repeat(10_000), stub: "- **envoy**: 1000 changed (diff left out)\n" }],
  });
  assert.ok(tight.length <= 3000, `${tight.length}`);
  assert.match(tight, /defaults\.timeout 15s -> 4s/);
  assert.match(tight, /Left out to stay under 3,000 characters:.*the mesh graph.*listed changes/s);
  assert.match(tight, /\*\*envoy\*\*: 1000 changed/);
});

test("a shared value: the same retry edit on every r<i>-items route is one cause", async () => {
  const before = generateMesh(20) as Mesh;
  const after = clone(before);
  for (const r of after.routes) if (String(r.name).endsWith("-items")) r.retries = { attempts: 2, perTryTimeout: "1s" };
  const d = await diffByCause(await side(before), await side(after));
  assert.is(d.causes.length, 1);
  assert.is(d.causes[0]!.kind, "shared");
  assert.is(d.causes[0]!.entities.length, 20);
  assert.match(d.causes[0]!.title, /the same change in 20 routes: retries\.attempts 1 -> 2/);
  assert.is(d.causes[0]!.routes.length, 20);
});

test("one service's policy, an explicit route edit, a new rule and an owner: one cause each, owners shown", async () => {
  const before = generateMesh(10) as Mesh;
  before.services["svc-3"]!.owner = "@acme/payments";
  const after = clone(before);
  after.services["svc-3"]!.outlierDetection = { consecutive5xx: 3, ejectFor: "30s" };
  after.routes.find((r) => r.name === "r1-orders")!.timeout = "2s";
  (after.authorization as unknown[]).push({ name: "extra", allow: { from: ["svc-5"], to: "svc-3" } });
  after.services["svc-7"]!.owner = "web-team";
  const d = await diffByCause(await side(before), await side(after));
  const byId = new Map(d.causes.map((c) => [c.id, c]));
  assert.equal([...byId.keys()].sort(), ["route:r1-orders", "rule:extra", "service:svc-3", "service:svc-7"]);
  const svc3 = byId.get("service:svc-3")!;
  // Every caller holds svc-3's cluster: svc-1 and svc-2 route to it, and svc-3's own proxy.
  assert.ok(svc3.proxies.includes("svc-1") && svc3.proxies.includes("svc-2"), svc3.proxies.join());
  assert.equal(svc3.owners, [{ owner: "@acme/payments", services: 1 }]);
  assert.is(byId.get("route:r1-orders")!.routes.length, 1);
  assert.match(byId.get("route:r1-orders")!.title, /route r1-orders: timeout 3s -> 2s/);
  assert.is(byId.get("rule:extra")!.effects[0]!.kind, "authz-rule-added");
  assert.is(byId.get("service:svc-7")!.effects.length, 0, "an owner change touches no proxy");
  assert.match(markdown(d.causes), /Owners touched: .*@acme\/payments/);
  assert.ok(d.causes.every((c) => c.kind !== "unexplained"));
});

test("a default and an explicit override in one change: each effect under its own cause", async () => {
  const before = generateMesh(10) as Mesh;
  const after = clone(before);
  after.defaults = { timeout: "8s" };
  after.routes.find((r) => r.name === "r2-any")!.timeout = "8s";
  const d = await diffByCause(await side(before), await side(after));
  const def = d.causes.find((c) => c.id === "defaults.timeout")!;
  const route = d.causes.find((c) => c.id === "route:r2-any")!;
  assert.ok(!def.routes.includes("r2-any"), "the override is the route's own change");
  assert.is(def.routes.length, 19);
  assert.equal(route.routes, ["r2-any"]);
});

test.run();
