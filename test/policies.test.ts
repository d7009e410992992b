// The README's "Test your policies", made real against examples/shop: the config module's
// default export compiled in memory with `meshc/testing`, and policy decisions asserted
// from the IR, exactly as a user's own test suite would.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { compile, explain } from "meshc/testing";
import mesh from "../examples/shop/mesh.config.ts";

const { ir, errors } = await compile(mesh);

test("the shop compiles without errors", () => {
  assert.equal(errors, []);
  assert.ok(ir);
});

test("checkout may charge payments; api may not", () => {
  const charge = explain(ir!, { from: "checkout", to: "payments", method: "POST", path: "/shop.Payments/Charge" });
  assert.is(charge.outcome, "allowed");
  assert.is(charge.destinations[0].authorization?.decidedBy?.name, "checkout-charges");
  const sneaky = explain(ir!, { from: "api", to: "payments", method: "POST", path: "/shop.Payments/Charge" });
  assert.is.not(sneaky.outcome, "allowed");
});

test("checkout may not GET on payments: checkout-charges allows POST only, and the default denies", () => {
  const e = explain(ir!, { from: "checkout", to: "payments", method: "GET", path: "/shop.Payments/Charge" });
  assert.is(e.outcome, "denied");
  assert.is(e.status, 403);
  assert.is(e.destinations[0].authorization?.decidedBy, null);
});

test("the catalog canary takes the header, everyone else the 90/10 split", () => {
  const canary = explain(ir!, { from: "api", to: "catalog", path: "/api/catalog/1", headers: { "x-canary": "1" } });
  assert.is(canary.route?.name, "catalog-canary");
  const everyone = explain(ir!, { from: "api", to: "catalog", path: "/api/catalog/1" });
  assert.is(everyone.route?.name, "catalog");
  assert.ok(everyone.action?.kind === "forward");
  assert.equal(everyone.action.backends.map((b) => [b.subset, b.weight]), [["v1", 90], ["v2", 10]]);
});

test("catalog is read-only for api: a POST is denied at catalog", () => {
  const e = explain(ir!, { from: "api", to: "catalog", method: "POST", path: "/api/catalog/1" });
  assert.is(e.route?.name, "catalog");
  assert.is(e.outcome, "denied");
});

test("a deny rule overrides an allow: no-admin scoped to what api receives beats web-calls-api", async () => {
  // As shipped, no-admin denies /admin/* but api only ever receives /api/... (see
  // test/review/cli-explain.test.ts): here it is scoped to /api/admin/*, in memory.
  const scoped = {
    ...mesh,
    authorization: mesh.authorization!.map((r) => r.name === "no-admin" ? { name: "no-admin", deny: { from: "*" as const, to: "api" as const, paths: ["/api/admin/*"] } } : r),
  };
  const r = await compile(scoped);
  assert.equal(r.errors, []);
  const admin = explain(r.ir!, { from: "web", to: "api", path: "/api/admin/users" });
  assert.is(admin.outcome, "denied");
  const authz = admin.destinations[0].authorization!;
  assert.equal(authz.decidedBy, { name: "no-admin", origin: "authorization[0]", action: "deny" });
  assert.ok(authz.rules.some((rule) => rule.name === "web-calls-api" && rule.matched), "web-calls-api matches too, and loses");
  assert.is(explain(r.ir!, { from: "web", to: "api", path: "/api/cart" }).outcome, "allowed");
});

test.run();
