// `explain` reads a request as the proxies do (README "Request model"): the normalized path,
// trimmed header values, upgrades refused, a repeated rule-named header refused. The sample
// mesh: web calls payments, whose sidecar denies /shop.Payments/Legacy* to everyone and
// allows web POST /shop.Payments/Charge with an x-tenant header; web's route to catalog
// matches x-canary: 1.
import { spawnSync } from "node:child_process";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { explain, type Explanation } from "../../compiler/review/explain.ts";
import { sampleIR } from "../fixtures/ir/sample.ts";

const toPayments = (path: string, extra: object = {}) => explain(sampleIR, { from: "web", to: "payments", method: "POST", path, ...extra });

for (const path of ["/shop.Payments/x/../Legacy/1", "/shop.Payments/./Legacy/1", "/shop.Payments/%4cegacy/1", "/shop.Payments/x/%2e%2e/Legacy", "//shop.Payments//Legacy", "http://payments/shop.Payments/x/../Legacy"]) {
  test(`${path} is decided on its normalized path: the deny on /shop.Payments/Legacy applies`, () => {
    const e = toPayments(path);
    assert.is(e.outcome, "denied");
    assert.is(e.status, 403);
    assert.match(e.request.path, /^\/shop\.Payments\/Legacy/);
    assert.is(e.destinations[0].authorization?.decidedBy?.name, "deny-legacy");
    assert.ok(e.notes.some((n) => n.includes("normalize")), JSON.stringify(e.notes));
  });
}

for (const path of ["/shop.Payments/Legacy%2F1", "/shop.Payments%2fLegacy", "/shop.Payments/%5CLegacy", "/shop.Payments\\Legacy"]) {
  test(`${JSON.stringify(path)} is refused with 400 before any route`, () => {
    const e = toPayments(path);
    assert.equal([e.outcome, e.status, e.route], ["refused", 400, null]);
  });
}

test("an upgrade (h2c, websocket) is refused with 403", () => {
  for (const upgrade of ["h2c", "websocket"]) {
    const e = toPayments("/shop.Payments/Charge", { headers: { "x-tenant": "a", Upgrade: upgrade, Connection: "Upgrade" } });
    assert.equal([e.outcome, e.status], ["refused", 403]);
  }
});

test("a rule-named header sent twice is refused with 400; an unnamed one is not", () => {
  const twiceTenant = toPayments("/shop.Payments/Charge", { headers: { "x-tenant": ["a", "b"] } });
  assert.equal([twiceTenant.outcome, twiceTenant.status], ["refused", 400]);
  const twiceCanary = explain(sampleIR, { from: "web", to: "catalog", path: "/api/catalog/items", headers: { "x-canary": ["1", "1"] } });
  assert.equal([twiceCanary.outcome, twiceCanary.status], ["refused", 400]);
  const other = toPayments("/shop.Payments/Charge", { headers: { "x-tenant": "a", "x-other": ["1", "2"] } });
  assert.is(other.outcome, "allowed");
});

test("header values are compared trimmed of spaces and tabs", () => {
  const e = explain(sampleIR, { from: "web", to: "catalog", path: "/api/catalog/items", headers: { "X-Canary": " 1\t" } });
  assert.is(e.route?.name, "web-catalog-canary");
});

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");

test("CLI: -H given twice is two copies of the header", () => {
  const r = spawnSync(process.execPath, [join(ROOT, "compiler", "cli", "meshc.js"), "explain", join("examples", "shop", "mesh.config.ts"),
    "--from", "api", "--to", "catalog", "--path", "/api/catalog/items", "-H", "x-canary:1", "-H", "x-canary: 1", "--format", "json"], { cwd: ROOT, encoding: "utf8" });
  assert.is(r.status, 0, r.stderr);
  const e = JSON.parse(r.stdout) as Explanation;
  assert.equal([e.outcome, e.status], ["refused", 400]);
});

test.run();
