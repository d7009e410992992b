// The duplicate-rule check (MESH2009 "repeats") looks rules up by equivalenceKey instead of
// comparing each rule with every earlier one. The key must say "equal" exactly when the two
// rules cover each other, which this property checks against `covers` itself on small, dense
// random rules (few names and paths, so overlaps, prefixes of prefixes and repeats are common).
import { test } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import { authorizationRules, covers, equivalenceKey } from "../../compiler/analyze/authorization.ts";
import type { NMesh } from "../../compiler/normalize/model.ts";
import type { NRule } from "../../compiler/normalize/model.ts";
import { compile } from "../../compiler/testing.ts";
import { variant } from "./base.ts";

const pathMatch = fc.record({
  kind: fc.constantFrom("exact", "prefix", "string-prefix"),
  value: fc.constantFrom("/", "/a", "/a/", "/a/b", "/ab", "/b"),
});
const header = fc.record({
  name: fc.constantFrom("x-a", "x-b"), kind: fc.constantFrom("exact", "prefix"), value: fc.constantFrom("1", "2"), invert: fc.boolean(),
});
const rule = fc.record({
  action: fc.constantFrom("allow", "deny"),
  from: fc.option(fc.array(fc.constantFrom("web", "api", "cron"), { maxLength: 3 }), { nil: null }),
  methods: fc.array(fc.constantFrom("GET", "POST"), { maxLength: 2 }),
  paths: fc.array(pathMatch, { maxLength: 3 }),
  headers: fc.array(header, { maxLength: 2 }),
}).map((r) => ({ ...r, name: "r", origin: "authorization[0]", to: "svc" }) as unknown as NRule);

test("equal keys exactly when two rules of one action cover each other", () => {
  // Half the pairs differ only in their paths (or in one other field), where the key has work to do.
  const pair = fc.oneof(
    fc.tuple(rule, rule),
    fc.tuple(rule, fc.array(pathMatch, { maxLength: 3 })).map(([a, paths]) => [a, { ...a, paths }] as const),
    fc.tuple(rule, rule).map(([a, c]) => [a, { ...a, from: c.from }] as const),
    fc.tuple(rule, rule).map(([a, c]) => [a, { ...a, methods: c.methods, headers: c.headers }] as const),
  );
  fc.assert(fc.property(pair, ([a, b]) => {
    const mutual = a.action === b.action && covers(a, b) && covers(b, a);
    return mutual === (equivalenceKey(a) === equivalenceKey(b));
  }), { seed: 9, numRuns: 20_000 });
});

test("the check still names the earlier of two rules that repeat each other, written differently", async () => {
  const result = await compile(variant((m) => {
    m.authorization = [
      { name: "first", allow: { from: ["web"], to: "api", methods: ["GET"], paths: ["/a/*", "/a/b"] } },
      { name: "second", allow: { from: ["web", "web"], to: "api", methods: ["GET", "GET"], paths: ["/a/*"] } },
    ];
  }), { targets: ["envoy", "certs"] });
  const repeats = result.diagnostics.filter((d) => d.code === "MESH2009");
  assert.is(repeats.length, 1);
  assert.ok(repeats[0].message.includes("second repeats first"), repeats[0].message);
});

test("the check keys only rules that share action and callers, and finds every repeat a key scan finds", () => {
  // A service's rules in mesh order, two services: the repeats reported are those a scan of
  // every earlier rule of the same service by key reports (the first rule with the same key).
  const named = fc.array(fc.tuple(rule, fc.constantFrom("svc", "other")), { maxLength: 12 }).map((rs) =>
    rs.map(([r, to], i) => ({ ...r, name: `r${i}`, origin: `authorization[${i}]`, to }) as NRule));
  fc.assert(fc.property(named, (rules) => {
    const services = ["svc", "other"].map((name) => ({ name, authorization: "deny", ports: [{ name: "http", port: 80, protocol: "http" }] }));
    const mesh = { services, authorization: rules, routes: [] } as unknown as NMesh;
    const found: string[] = [];
    authorizationRules.run(mesh, (_code, f) => { if (f.message.includes(" repeats ")) found.push(f.message); });
    const expected: string[] = [];
    rules.forEach((r, i) => {
      const first = rules.slice(0, i).find((e) => e.to === r.to && equivalenceKey(e) === equivalenceKey(r));
      if (first) expected.push(`rule ${r.name} repeats ${first.name} (${first.origin})`);
    });
    assert.equal(found, expected);
  }), { seed: 14, numRuns: 3_000 });
});

test.run();
