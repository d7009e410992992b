// A field typo is an unknown field named with "did you mean", also inside a union (a path
// match, a rule's allow/deny, retries or `false`, a route's `from`), where ajv alone says
// only "must match exactly one schema"; and the missing field a typo explains is not
// reported a second time. Asserted by code, path and suggested name.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { checkSchema } from "../../compiler/schema.ts";
import { variant } from "./base.ts";

const errorsOf = (mesh: unknown) => checkSchema(mesh, "mesh.json").map((d) => [d.code, d.path, /did you mean "([^"]+)"/.exec(d.hint ?? "")?.[1] ?? null]);

test("typos inside unions are unknown fields with the field they meant", () => {
  const cases: [string, (m: any) => void, [string, string, string | null][]][] = [
    ["path match", (m) => (m.routes[0].match.path = { prefx: "/api" }), [["MESH1101", "routes[0].match.path.prefx", "prefix"]]],
    ["rule kind", (m) => (m.authorization[0] = { name: "x", alow: { from: ["web"], to: "api" } }), [["MESH1101", "authorization[0].alow", "allow"]]],
    ["inside allow", (m) => (m.authorization[0].allow = { from: ["web"], to: "api", methdos: ["GET"] }), [["MESH1101", "authorization[0].allow.methdos", "methods"]]],
    ["retries or false", (m) => (m.routes[0].retries = { attempt: 2 }), [["MESH1101", "routes[0].retries.attempt", "attempts"]]],
    ["route from", (m) => (m.routes[0].from = { gatway: "edge" }), [["MESH1101", "routes[0].from.gatway", "gateway"]]],
    ["load balancing name", (m) => (m.services.api.loadBalancing = "least-requst"), [["MESH1104", "services.api.loadBalancing", "least-request"]]],
  ];
  for (const [what, change, expected] of cases) assert.equal(errorsOf(variant(change)), expected, what);
});

test("two typos in two places are both reported", () => {
  const mesh = variant((m) => {
    m.routes[0].match.path = { prefx: "/api" };
    m.authorization[1].allow = { from: ["web"], too: "db" };
  });
  assert.equal(errorsOf(mesh), [
    ["MESH1101", "routes[0].match.path.prefx", "prefix"],
    ["MESH1101", "authorization[1].allow.too", "to"],
  ]);
});

test("a typo of a required field is one error, not also 'needs port'", () => {
  const mesh = variant((m) => (m.services.web.ports.http = { prot: 8080, protocol: "http" }));
  assert.equal(errorsOf(mesh), [["MESH1101", "services.web.ports.http.prot", "port"]]);
});

test("a value that fits two forms at once keeps the union error (MESH1107)", () => {
  assert.equal(errorsOf(variant((m) => (m.routes[0].match.path = { prefix: "/a", exact: "/a" }))), [["MESH1107", "routes[0].match.path", null]]);
  assert.equal(errorsOf(variant((m) => (m.routes[0].retries = true))).map((e) => e[0]), ["MESH1107"]);
});

test.run();
