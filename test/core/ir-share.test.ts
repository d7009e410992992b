// Watch mode's structural sharing (compiler/ir/share.ts): sameJson never calls two values
// equal when their JSON differs (that would reuse a stale digest and leave a proxy's files
// stale), and a data-only mesh.config.ts is read by JSON exactly as the child would give it.
import { test } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import { sameJson, shareUnchanged } from "../../compiler/ir/share.ts";
import { dataOnlyValue } from "../../compiler/load/typescript.ts";
import { compile } from "../../compiler/testing.ts";

const json = (v: unknown) => JSON.stringify(v);

test("sameJson is true only when JSON.stringify agrees, and true for JSON copies", () => {
  fc.assert(fc.property(fc.anything(), fc.anything(), (a, b) => !sameJson(a, b) || json(a) === json(b)), { numRuns: 3000 });
  // Near misses: one leaf changed inside a copy.
  fc.assert(fc.property(fc.jsonValue(), fc.jsonValue(), (a, leaf) => {
    const b = JSON.parse(json(a)) as unknown;
    if (!sameJson(a, b)) return false;
    const c = { x: a, y: [a] };
    const d = { x: b, y: [leaf] };
    return !sameJson(c, d) || json(c) === json(d);
  }), { numRuns: 2000 });
  assert.not.ok(sameJson({ a: 1, b: 2 }, { b: 2, a: 1 }), "key order is part of the JSON");
  assert.not.ok(sameJson([1, 2], { 0: 1, 1: 2 }));
});

const service = (ip: string) => ({ ports: { http: { port: 8080, protocol: "http" } }, endpoints: [ip] });
const mesh = (timeout: string) => ({
  name: "s", trustDomain: "s.example.com", namespace: "s",
  services: { web: service("10.0.0.1"), api: service("10.0.0.2"), db: service("10.0.0.3") },
  routes: [{ name: "web-api", from: "web", to: "api", match: { path: { prefix: "/" } }, timeout }],
  authorization: [{ allow: { from: ["web"], to: "api" } }],
});

test("shareUnchanged keeps the last run's object for each unchanged proxy, and only for those", async () => {
  const first = (await compile(mesh("3s"), { targets: ["envoy"] })).ir!;
  const second = (await compile(mesh("4s"), { targets: ["envoy"] })).ir!;
  const shared = shareUnchanged(second, first);
  const byName = (ir: typeof first) => new Map(ir.proxies.map((p) => [p.name, p]));
  const [before, after, now] = [byName(first), byName(second), byName(shared)];
  assert.equal([...now.keys()], [...after.keys()]);
  for (const [name, p] of now) {
    const unchanged = json(before.get(name)) === json(after.get(name));
    assert.is(p === before.get(name), unchanged, `${name}: shared exactly when unchanged`);
    assert.is(json(p), json(after.get(name)), `${name}: the shared IR serializes as the new one`);
  }
  assert.ok(now.get("web") !== before.get("web"), "the caller's proxy changed with its route's timeout");
  assert.ok(now.get("db") === before.get("db"), "an untouched proxy is shared");
  assert.is(json(shared), json(second));
  assert.is(shared.infra, first.infra, "an unchanged infra is shared");
});

test("a data-only mesh.config.ts reads as the evaluated config would", () => {
  const text = (body: string) => `import { defineMesh } from "meshc";\nexport default defineMesh(${body});\n`;
  assert.equal(dataOnlyValue(text('{"a":[1,-0,{"b":"x"}]}'))?.value, { a: [1, 0, { b: "x" }] });
  assert.ok(Object.is((dataOnlyValue(text('{"a":-0}'))!.value as { a: number }).a, 0), "-0 becomes 0 as through the child's JSON");
  // Found after blanks and in every position a number may take (the walk runs only when a `-` can start one).
  for (const body of ['{"a": [ 1,\n\t-0.0e3 ]}', '{"a":\n  -1e-400}', '{"s":"x:-y","a":[-0]}']) {
    const value = JSON.stringify(dataOnlyValue(text(body))?.value, (_k, v: unknown) => (Object.is(v, -0) ? "minus zero" : v));
    assert.not.match(value, /minus zero/, body);
  }
  assert.equal(dataOnlyValue(text('{"a":[1,-2.5],"b":"svc-1"}'))?.value, { a: [1, -2.5], b: "svc-1" });
  // Anything that is code, or a key JSON.parse reads differently, takes the evaluating path.
  for (const body of ["{a:1}", '{"a":1}); process.exit(0', '{"__proto__":{"x":1}}', '{"a":1} /* c */', "mesh"]) assert.is(dataOnlyValue(text(body)), null, body);
  assert.is(dataOnlyValue('import { defineMesh } from "./dsl";\nexport default defineMesh({"a":1});'), null, "only meshc's defineMesh is known to return its argument");
});

test.run();
