// Watch mode's schema check of only the parts a save changed (compiler/schema-partial.ts):
// after a valid config, a save gives exactly the whole check's diagnostics, whatever part it
// breaks (a route, a rule, a service, a service's name, or anything else), and the shortcut
// refuses a schema whose root no longer checks those parts one by one.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync } from "node:fs";
import { changedParts, checkSchemaWatched, createSchemaMemo, schemaAllowsParts } from "../../compiler/schema-partial.ts";
import { checkSchema, SCHEMA_PATH } from "../../compiler/schema.ts";

const service = (ip: number) => ({ ports: { http: { port: 8080, protocol: "http" } }, endpoints: [`10.0.0.${ip}`] });
const base = () => ({
  name: "p", trustDomain: "p.example.com", namespace: "p",
  services: { web: service(1), api: service(2) } as Record<string, unknown>,
  routes: [
    { name: "r1", from: "web", to: "api", match: { path: { prefix: "/a" } }, timeout: "3s" },
    { name: "r2", from: "api", to: "web", match: { path: { prefix: "/b" } }, timeout: "2s" },
  ] as Record<string, unknown>[],
  authorization: [{ allow: { from: ["web"], to: "api" } }] as Record<string, unknown>[],
});
type Mesh = ReturnType<typeof base>;

/** Each save from the valid base: the watched check after the base must equal the whole check. */
const saves: Record<string, (m: Mesh) => void> = {
  "a route's timeout": (m) => { m.routes[0]!.timeout = "4s"; },
  "a route's bad timeout": (m) => { m.routes[1]!.timeout = "soon"; },
  "a route's misspelt field": (m) => { m.routes[0]!.timout = "4s"; },
  "a route's path match in no form of the union": (m) => { m.routes[0]!.match = { path: { prefx: "/a" } }; },
  "a route added, broken": (m) => { m.routes.push({ name: "r3", from: "web", to: "api", match: { path: { prefix: "/c" } }, timeout: 5 }); },
  "a route removed": (m) => { m.routes.shift(); },
  "a route left undefined (present, not removed)": (m) => { m.routes.push(undefined as never); },
  "a rule changed, broken": (m) => { m.authorization[0] = { allow: { from: "web", to: "api" } }; },
  "a rule added": (m) => { m.authorization.push({ allow: { from: ["api"], to: "web" } }); },
  "a service changed, broken": (m) => { m.services.api = { ...service(2), endpoints: "10.0.0.2" }; },
  "a service added": (m) => { m.services.db = service(3); },
  "a service added under a bad name": (m) => { m.services.Bad_Name = service(3); },
  "a service removed": (m) => { delete m.services.web; },
  "the mesh name, broken": (m) => { m.name = "Not A Label"; },
  "a top-level field added, unknown": (m) => { (m as Record<string, unknown>).defualts = {}; },
  "the routes made an object": (m) => { (m as Record<string, unknown>).routes = { r1: m.routes[0] }; },
};

for (const [what, edit] of Object.entries(saves)) {
  test(`after a valid config, a save (${what}) gets the whole check's diagnostics`, () => {
    const memo = createSchemaMemo();
    assert.equal(checkSchemaWatched(base(), "m.ts", memo), [], "the base is valid");
    const m = base();
    edit(m);
    const whole = checkSchema(m, "m.ts");
    assert.equal(checkSchemaWatched(m, "m.ts", memo), whole);
    // And back: the save after a broken one is checked whole, and valid again.
    assert.equal(checkSchemaWatched(base(), "m.ts", memo), []);
  });
}

test("after a config with an error, a save that changes only a route still reports the error it left", () => {
  const memo = createSchemaMemo();
  const broken = { ...base(), name: "Not A Label" };
  const whole = checkSchema(broken, "m.ts");
  assert.ok(whole.length > 0);
  assert.equal(checkSchemaWatched(broken, "m.ts", memo), whole);
  const next = { ...base(), name: "Not A Label" };
  next.routes[0]!.timeout = "7s";
  assert.equal(checkSchemaWatched(next, "m.ts", memo), checkSchema(next, "m.ts"));
});

test("the shortcut is taken for a changed route, rule or service of a valid config, and for nothing else", () => {
  const m = base();
  m.routes[0]!.timeout = "9s";
  m.authorization.push({ allow: { from: ["api"], to: "web" } });
  m.services.db = service(3);
  assert.equal(changedParts(m, base())?.map(([v]) => v), ["name", "service", "route", "rule"]);
  const renamed = { ...base(), name: "q" };
  assert.is(changedParts(renamed, base()), null);
  assert.is(changedParts({ ...base(), targets: ["envoy"] }, base()), null, "a key added");
});

test("a schema whose root checks routes, rules or services other than one by one turns the shortcut off", () => {
  const schema = JSON.parse(readFileSync(SCHEMA_PATH, "utf8")) as Record<string, Record<string, Record<string, unknown>>>;
  assert.ok(schemaAllowsParts(schema), "the shipped schema");
  const variants: [string, (s: typeof schema) => void][] = [
    ["routes with a count", (s) => { s.properties!.routes!.minItems = 1; }],
    ["unique rules", (s) => { s.properties!.authorization!.uniqueItems = true; }],
    ["a bound on the services", (s) => { s.properties!.services!.maxProperties = 10; }],
    ["a root keyword that may read them", (s) => { (s as Record<string, unknown>).dependentRequired = { routes: ["services"] }; }],
    ["a root condition on routes", (s) => { (s as Record<string, unknown>).if = { properties: { routes: { minItems: 1 } } }; }],
  ];
  for (const [what, change] of variants) {
    const s = JSON.parse(JSON.stringify(schema)) as typeof schema;
    change(s);
    assert.not.ok(schemaAllowsParts(s), what);
  }
});

test.run();
