// Watch mode's limits walk of only the parts a save changed (compiler/analyze/limits-watched.ts):
// after each save it must say what the whole walk says (within the limits or not, the same
// diagnostic), keep the whole walk's count of values, and never miss a character or raw value
// the whole walk would have the later checks look at.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { checkLimitsWatched, createLimitsMemo } from "../../compiler/analyze/limits-watched.ts";
import { checkLimits, LIMITS, walkLimits, type RawScan } from "../../compiler/analyze/limits.ts";
import type { Report } from "../../compiler/analyze/context.ts";

const service = (ip: number) => ({ ports: { http: { port: 8080, protocol: "http" } }, endpoints: [`10.0.0.${ip}`] });
const base = () => ({
  name: "l", trustDomain: "l.example.com", namespace: "l",
  services: { web: service(1), api: service(2) } as Record<string, unknown>,
  routes: [
    { name: "r1", from: "web", to: "api", match: { path: { prefix: "/a" } }, timeout: "3s" },
    { name: "r2", from: "api", to: "web", match: { path: { prefix: "/b" } }, timeout: "2s" },
  ] as unknown[],
  authorization: [{ allow: { from: ["web"], to: "api" } }] as unknown[],
} as Record<string, unknown> & { services: Record<string, unknown>; routes: unknown[]; authorization: unknown[] });
type Mesh = ReturnType<typeof base>;

const nested = (depth: number): unknown => (depth === 0 ? "x" : { n: nested(depth - 1) });

const saves: Record<string, (m: Mesh) => void> = {
  "a route's timeout": (m) => { (m.routes[0] as { timeout: string }).timeout = "9s"; },
  "a route removed": (m) => { m.routes.shift(); },
  "a rule added": (m) => { m.authorization.push({ allow: { from: ["api"], to: "web" } }); },
  "a service added": (m) => { m.services.db = service(3); },
  "a service removed": (m) => { delete m.services.web; },
  "a top-level field added": (m) => { m.targets = ["envoy"]; },
  "a top-level field removed": (m) => { delete (m as Record<string, unknown>).authorization; },
  "the name changed": (m) => { m.name = "other"; },
  "a route with a string past the limit": (m) => { m.routes.push({ name: "x".repeat(LIMITS.stringLength + 1) }); },
  "a route nested too deep (just at the limit of its place)": (m) => { m.routes[1] = { name: "deep", extra: nested(LIMITS.depth - 3) }; },
  "a route nested one level too deep": (m) => { m.routes[1] = { name: "deep", extra: nested(LIMITS.depth - 2) }; },
  "a top-level field nested too deep": (m) => { m.observability = nested(LIMITS.depth - 1); },
  "a service under a name past the limit": (m) => { m.services["s".repeat(LIMITS.stringLength + 1)] = service(4); },
  "a service under a name with a control character": (m) => { m.services["bad\u0001"] = service(4); },
  "a route with a control character": (m) => { (m.routes[0] as { name: string }).name = "r\u0007"; },
  "a route with a zero timeout": (m) => { (m.routes[0] as { timeout: string }).timeout = "0s"; },
  "a service with a bad endpoint": (m) => { m.services.api = { ...service(2), endpoints: ["not an address!"] }; },
  "a service named as a duration key, as a string": (m) => { m.services.timeout = "0s"; },
  "too many values in all": (m) => { m.routes.push(...Array.from({ length: 11 }, () => ({ list: new Array(190_000).fill(1) }))); },
  "too many routes": (m) => { m.routes = new Array(LIMITS.collectionSize + 1).fill(0); },
};

function whole(value: unknown): { ok: boolean; said: unknown[]; seen: RawScan; total: number } {
  const said: unknown[] = [];
  const seen: RawScan = { characters: false, rawValues: false };
  const ok = checkLimits(value, ((code, f) => said.push([code.code, f.message, f.path])) as Report, seen);
  return { ok, said, seen, total: ok ? walkLimits(value, null, { characters: true, rawValues: true }) : -1 };
}

for (const [what, edit] of Object.entries(saves)) {
  test(`after a config within the limits, a save (${what}) gets the whole walk's answer`, () => {
    const memo = createLimitsMemo();
    const first: RawScan = { characters: false, rawValues: false };
    assert.ok(checkLimitsWatched(base(), () => {}, first, memo), "the base is within the limits");
    const m = base();
    edit(m);
    const expected = whole(m);
    const said: unknown[] = [];
    const seen: RawScan = { characters: false, rawValues: false };
    const ok = checkLimitsWatched(m, ((code, f) => said.push([code.code, f.message, f.path])) as Report, seen, memo);
    assert.is(ok, expected.ok);
    assert.equal(said, expected.said);
    if (expected.seen.characters) assert.ok(seen.characters, "the character check still runs");
    if (expected.seen.rawValues) assert.ok(seen.rawValues, "the raw-value check still runs");
    assert.is(memo.last?.total ?? -1, expected.total, "the count of values kept for the next save");
  });
}

test("what an unchanged part makes the later checks look at stays flagged after a save elsewhere", () => {
  const memo = createLimitsMemo();
  const flagged = () => { const m = base(); (m.routes[1] as { timeout: string }).timeout = "0s"; m.services["odd\u0002"] = service(5); return m; };
  checkLimitsWatched(flagged(), () => {}, { characters: false, rawValues: false }, memo);
  const m = flagged();
  (m.routes[0] as { timeout: string }).timeout = "8s";
  const seen: RawScan = { characters: false, rawValues: false };
  assert.ok(checkLimitsWatched(m, () => {}, seen, memo));
  assert.equal(whole(m).seen, { characters: true, rawValues: true });
  assert.equal(seen, { characters: true, rawValues: true });
});

test("a chain of saves keeps the whole walk's count, and a clean save after a flagged one may keep the flag but never drops a needed one", () => {
  const memo = createLimitsMemo();
  const m = base();
  const steps: ((m: Mesh) => void)[] = [saves["a route's timeout"]!, saves["a service added"]!, saves["a route with a zero timeout"]!, saves["a rule added"]!, saves["a route removed"]!, saves["a service with a bad endpoint"]!];
  checkLimitsWatched(structuredClone(m), () => {}, { characters: false, rawValues: false }, memo);
  for (const step of steps) {
    step(m);
    // Each save's config is a new value, as the loader gives it.
    const v = structuredClone(m);
    const seen: RawScan = { characters: false, rawValues: false };
    assert.ok(checkLimitsWatched(v, () => {}, seen, memo));
    const w = whole(v);
    assert.is(memo.last!.total, w.total);
    if (w.seen.rawValues) assert.ok(seen.rawValues);
    if (w.seen.characters) assert.ok(seen.characters);
  }
});

test.run();
