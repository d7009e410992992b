// Property: for hostile strings in every free-text or name field of a route, either meshc's
// own checks refuse the config (without --verify), or the real `nginx -t` and `haproxy -c`
// accept what it emits. A value that only the real tool refuses is the bug this catches: a
// CI that runs `meshc compile --check` without --verify would ship it. fast-check generates
// the values from hostile payload classes (seeded, bounded runs); only configs that meshc
// accepts go through the real parsers, so most runs cost one in-memory compile.
import { test } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import { compile } from "../../compiler/testing.ts";

const VERIFIER_CODES = new Set(["MESH4200", "MESH4201", "MESH4203", "MESH4300", "MESH4301", "MESH4302"]);

const base = () => ({
  name: "p", trustDomain: "p.example.com", namespace: "p",
  services: {
    web: { ports: { http: { port: 8080, protocol: "http" } }, endpoints: ["10.0.0.1"] },
    api: { ports: { http: { port: 8080, protocol: "http" } }, endpoints: ["10.0.0.2"] },
  },
  routes: [] as Record<string, unknown>[],
});

type Field = (v: string) => Record<string, unknown>;
const route = (extra: Record<string, unknown>) => ({ from: "web", to: "api", match: { path: { prefix: "/" } }, ...extra });
const FIELDS: Record<string, Field> = {
  "request header value": (v) => route({ requestHeaders: { set: { "x-a": v } } }),
  "request header name": (v) => route({ requestHeaders: { set: { [v]: "1" } } }),
  "response header value": (v) => route({ responseHeaders: { add: { "x-a": v } } }),
  "response header name": (v) => route({ responseHeaders: { set: { [v]: "1" } } }),
  "removed response header": (v) => route({ responseHeaders: { remove: [v] } }),
  "direct response body": (v) => route({ directResponse: { status: 200, body: v } }),
  "redirect path": (v) => route({ redirect: { path: v } }),
  "path prefix": (v) => route({ match: { path: { prefix: v } } }),
  "exact path": (v) => route({ match: { path: { exact: v } } }),
  "regex path": (v) => route({ match: { path: { regex: v } } }),
  "header match value": (v) => route({ match: { path: { prefix: "/" }, headers: { "x-m": v } } }),
  "header match name": (v) => route({ match: { path: { prefix: "/" }, headers: { [v]: "1" } } }),
  "query match value": (v) => route({ match: { path: { prefix: "/" }, query: { q: v } } }),
};

const PIECES = ["\"", "\\", "$", "%", "%[path]", "#", " ", "\t", "'", "{", "}", ";", "${X}", "(", ")", ",", "a", "/", "%%", "\\\"", "-", "--", "*", "?", "[", "]", "|", "^", "$1", "@", ":", "=", "&", "~", "!"];
const payloads = fc.oneof(
  fc.constantFrom("", " ", "-", "--", "-f /etc/passwd", "x } server { listen 81; }", "x\"; ssl_engine /x/e.so; #", "abc\\", "$request_uri", "%[req.hdr(cookie)]",
    "%ENVIRONMENT(SECRET)%", "(a+)+$", "a{1,50}b", "[[:alpha:]]", "\\Q*\\E", "yes", "0x10", "!!binary x", "/a b", "/%41", "/ü"),
  fc.array(fc.constantFrom(...PIECES), { minLength: 1, maxLength: 8 }).map((a) => a.join("")),
  fc.string({ unit: "binary-ascii", maxLength: 30 }),
  fc.integer({ min: 55, max: 70 }).map((n) => `x-${"a".repeat(n - 2)}`),
  fc.integer({ min: 1000, max: 5000 }).map((n) => `/${"a".repeat(n)}`),
);

test("a hostile value is refused by meshc's own checks, or accepted by nginx -t and haproxy -c", async () => {
  let verified = 0;
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...Object.keys(FIELDS)), payloads, async (field, value) => {
      const mesh = base();
      mesh.routes.push(FIELDS[field]!(value));
      const own = await compile(mesh, { typecheck: false, targets: ["nginx", "haproxy"], verify: "none" });
      if (own.errors.length > 0) return;
      verified++;
      const real = await compile(mesh, { typecheck: false, targets: ["nginx", "haproxy"], verify: "all" });
      const refused = real.diagnostics.filter((d) => VERIFIER_CODES.has(d.code));
      if (refused.length > 0) throw new Error(`${field} = ${JSON.stringify(value)}: meshc accepts it, ${refused[0]!.code} ${refused[0]!.message.slice(0, 300)}`);
    }),
    { seed: 0x10, numRuns: 120, endOnFailure: true },
  );
  assert.ok(verified > 5, `only ${verified} accepted values reached the real tools`);
});

test.run();
