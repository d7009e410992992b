// Composition from team modules (compiler/load/modules.ts): the flat mesh a modules config
// merges into, where each part came from, and diagnostics placed in the module that wrote it.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { flattenModules, originalPath } from "../../compiler/load/modules.ts";
import { compile } from "../../compiler/testing.ts";
import { baseMesh } from "./base.ts";

const FAST = { targets: ["envoy", "certs"] };

/** baseMesh() split in two team modules, plus a root route. */
function composed(): any {
  const m = baseMesh();
  return {
    name: m.name, trustDomain: m.trustDomain, namespace: m.namespace,
    routes: [m.routes[1]],
    modules: [
      { name: "storefront", owner: "web-team", services: { web: m.services.web }, routes: [m.routes[0]], authorization: [m.authorization[0]] },
      { name: "data", owner: "data-team", services: { api: m.services.api, db: { ...m.services.db, owner: "dba" } }, authorization: [m.authorization[1]] },
    ],
  };
}

test("modules merge into the flat mesh: names by name, routes and rules in module order after the root's, owners as defaults", () => {
  const input = composed();
  const before = JSON.stringify(input);
  const c = flattenModules(input);
  const flat = c.value as any;
  assert.equal(c.diagnostics, []);
  assert.not.ok("modules" in flat);
  assert.equal(Object.keys(flat.services), ["web", "api", "db"]);
  assert.equal(flat.services.web.owner, "web-team");
  assert.equal(flat.services.api.owner, "data-team");
  assert.equal(flat.services.db.owner, "dba", "a service's own owner wins over its module's");
  assert.equal(flat.routes.map((r: any) => r.name), ["web-db", "web-api"]);
  assert.equal(flat.authorization.map((r: any) => r.name), ["web-api", "web-db"]);
  assert.equal(JSON.stringify(input), before, "the input is not modified");
  assert.equal(originalPath(c.origins, ["routes", 1, "timeout"]), ["modules", 0, "routes", 0, "timeout"]);
  assert.equal(originalPath(c.origins, ["routes", 0, "to"]), ["routes", 0, "to"], "the root's own parts keep their path");
  assert.equal(originalPath(c.origins, ["services", "db", "ports"]), ["modules", 1, "services", "db", "ports"]);
  assert.equal(originalPath(c.origins, ["authorization", 1]), ["modules", 1, "authorization", 0]);
});

test("a composed mesh compiles to the same bundle as the single object it splits", async () => {
  const flat = baseMesh();
  const c = flattenModules(composed()).value as any;
  // Same parts, same order of routes and rules: only the owners (which diff reads) differ.
  flat.routes = [flat.routes[1], flat.routes[0]];
  for (const [name, owner] of [["web", "web-team"], ["api", "data-team"], ["db", "dba"]]) flat.services[name].owner = owner;
  const [a, b] = [await compile(composed(), FAST), await compile(flat, FAST)];
  assert.equal(a.errors, [], JSON.stringify(a.diagnostics));
  assert.equal([...a.files.entries()], [...b.files.entries()]);
  assert.equal(c.services.db.owner, "dba");
});

test("MESH1110: a name two modules declare is an error naming both, placed at the second declaration", async () => {
  const m = composed();
  m.modules[1].services.web = m.modules[0].services.web;
  const r = await compile(m, FAST);
  const d = r.diagnostics.find((x) => x.code === "MESH1110");
  assert.ok(d, JSON.stringify(r.diagnostics));
  assert.is(d!.path, "modules[1].services.web");
  assert.match(d!.message, /"storefront" \(modules\[0\]\)/);
  assert.match(d!.message, /"data" \(modules\[1\]\)/);
  assert.ok(d!.line > 0);
  assert.is(r.files.size, 0);
});

test("MESH1110: a module may not redeclare a service of the root config", () => {
  const m = composed();
  m.services = { web: m.modules[0].services.web };
  const c = flattenModules(m);
  assert.equal(c.diagnostics.map((d) => [d.code, d.path]), [["MESH1110", "modules[0].services.web"]]);
  assert.match(c.diagnostics[0]!.message, /the root config/);
});

test("a mistake inside a module is reported at the module's path and line", async () => {
  const a = composed();
  a.modules[0].routes[0].to = "apj";
  const unknown = (await compile(a, FAST)).diagnostics.find((d) => d.code === "MESH2001");
  assert.is(unknown?.path, "modules[0].routes[0].to");
  const b = composed();
  b.modules[1].services.db.endpoint = ["10.0.0.1"];
  const field = (await compile(b, FAST)).diagnostics.find((d) => d.code === "MESH1101");
  assert.is(field?.path, "modules[1].services.db.endpoint");
  // The JSON text the testing API places against: the line of the module's key.
  assert.match(JSON.stringify(b, null, 2).split("\n")[field!.line - 1]!, /"endpoint"/);
  assert.match(JSON.stringify(a, null, 2).split("\n")[unknown!.line - 1]!, /"to": "apj"/);
});

test("malformed modules: unknown fields (with did-you-mean) and wrong types are errors", () => {
  const bad = flattenModules({ name: "m", trustDomain: "m.example", namespace: "m", modules: [{ ownr: "x", routes: {} }, 3] });
  assert.equal(bad.diagnostics.map((d) => [d.code, d.path]), [["MESH1101", "modules[0].ownr"], ["MESH1102", "modules[0].routes"], ["MESH1102", "modules[1]"]]);
  assert.match(bad.diagnostics[0]!.hint ?? "", /"owner"/);
  assert.equal(flattenModules({ name: "m", modules: {} }).diagnostics.map((d) => d.code), ["MESH1102"]);
});

test("MESH1005 stays for a huge single object only: the same mesh as modules is type-checked in full", async () => {
  const { isTooLargeToTypecheck } = await import("../../compiler/compile.ts");
  const { generateMesh } = await import("../../bench/generate.ts");
  const { configFromValue } = await import("../../compiler/testing.ts");
  const flat = generateMesh(1000) as any;
  const names = Object.keys(flat.services);
  const modules = Array.from({ length: 20 }, (_, t) => {
    const own = new Set(names.slice(t * 50, t * 50 + 50));
    return {
      owner: `team-${t}`,
      services: Object.fromEntries([...own].map((n) => [n, flat.services[n]])),
      routes: flat.routes.filter((r: any) => own.has(r.from)),
      authorization: flat.authorization.filter((r: any) => own.has(r.allow.from[0])),
    };
  });
  const config = configFromValue({ name: flat.name, trustDomain: flat.trustDomain, namespace: flat.namespace, modules });
  assert.ok(isTooLargeToTypecheck(config.value), "the flat mesh is as large as the single object");
  assert.not.ok(isTooLargeToTypecheck(config.composition!.written));
  assert.ok(isTooLargeToTypecheck(flat));
});

test("a module's service named __proto__ stays a name the schema refuses, never a prototype", async () => {
  const m = JSON.parse(`{"name":"m","trustDomain":"m.example","namespace":"m","modules":[{"services":{"__proto__":{"ports":{"http":{"port":80,"protocol":"http"}}}}}]}`);
  const flat = flattenModules(m).value as any;
  assert.ok(Object.prototype.hasOwnProperty.call(flat.services, "__proto__"));
  const r = await compile(m, FAST);
  assert.ok(r.errors.length > 0, JSON.stringify(r.diagnostics));
});

test("a config without modules is left as it is", () => {
  const m = baseMesh();
  assert.is(flattenModules(m).value, m);
});

test.run();
