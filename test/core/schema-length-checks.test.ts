// The verdict validator's minLength/maxLength checks ask a string's UTF-16 length first and
// count its code points only when that does not decide (compiler/schema.ts,
// lengthChecksFirst). The answer must be ajv's for every string: astral characters (two
// units, one code point), lone surrogates (one unit, one code point) and lengths on both
// sides of each limit, in either unit.
import { test } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { Ajv2020 } from "ajv/dist/2020.js";
import { LengthCheckForm, lengthChecksFirst, SCHEMA_PATH, verdictValidatorSource } from "../../compiler/schema.ts";

const require = createRequire(import.meta.url);

function load<T>(source: string): T {
  const module = { exports: {} as unknown };
  new Function("module", "exports", "require", source)(module, module.exports, require);
  return (module.exports as { default: T }).default;
}

/** Strings of units that count differently: ASCII, an astral pair, lone high and low surrogates, a BMP letter. */
const unit = fc.constantFrom("a", "\u{1F600}", "\ud800", "\udc00", "\u00e9", "\udbff\udfff");
const text = (max: number) => fc.array(unit, { maxLength: max }).map((xs) => xs.join(""));

// The rewrite itself, on ajv's own forms: every comparison of the counter against limits
// around the string's lengths.
test("a rewritten length comparison answers what ajv's count answers", () => {
  const source = `const func1 = require("ajv/dist/runtime/ucs2length").default;\nmodule.exports.default = (data0, key1) => [func1(data0) > 3, func1(data0) < 3, func1(key1) > 5, func1(key1) < 1, func1(data0) > 0, func1(key1) < 6];`;
  const rewritten = lengthChecksFirst(source);
  assert.is(rewritten.match(/\((data0|key1)\.length [<>] \d+ (&&|\|\|) func1\(/g)?.length, 6, "every comparison asks the length first");
  const slow = load<(a: string, b: string) => boolean[]>(source);
  const fast = load<(a: string, b: string) => boolean[]>(rewritten);
  fc.assert(fc.property(text(8), text(8), (a, b) => {
    assert.equal(fast(a, b), slow(a, b), JSON.stringify([a, b]));
  }), { numRuns: 5000 });
});

test("a use of the counter in another form stops the build", () => {
  const source = `const func2 = require("ajv/dist/runtime/ucs2length").default;\nmodule.exports.default = (data0) => func2(data0) >= 3;`;
  assert.throws(() => lengthChecksFirst(source), (e: unknown) => e instanceof LengthCheckForm);
  assert.is(lengthChecksFirst("module.exports.default = () => true;"), "module.exports.default = () => true;", "no counter: unchanged");
});

// The whole verdict validator against the full one, on meshes whose bounded free-text fields
// (no pattern to fail first) hold such strings at lengths around their limits.
const runtime = new Ajv2020({ allErrors: true, strict: false, verbose: true }).compile(JSON.parse(readFileSync(SCHEMA_PATH, "utf8")) as object);
const verdict = load<(value: unknown) => boolean>(verdictValidatorSource());

/** A string of about `limit` code points (or UTF-16 units), give or take a few, made of the units above. */
const near = (limit: number) => fc.tuple(fc.integer({ min: -3, max: 3 }), fc.array(unit, { minLength: 8, maxLength: 8 }), fc.boolean()).map(([delta, pool, halve]) => {
  const count = Math.max(0, (halve ? Math.ceil(limit / 2) : limit) + delta);
  let s = "";
  for (let i = 0; i < count; i++) s += pool[i % pool.length];
  return s;
});
const field = (limit: number) => fc.oneof(near(limit), text(6), near(1));

function mesh(body: string, header: string, query: string, issuer: string, prefix: string, substitution: string, regex: string): unknown {
  return {
    name: "m", trustDomain: "m.example", namespace: "m",
    services: { web: { ports: { http: { port: 80, protocol: "http" } } }, api: { ports: { http: { port: 80, protocol: "http" } }, jwt: { provider: "p" } } },
    jwtProviders: { p: { issuer, audiences: [issuer], jwksUri: "https://keys.example/jwks" } },
    routes: [
      { from: "web", to: "api", match: { path: { exact: "/healthz" } }, directResponse: { status: 200, body } },
      {
        from: "web", to: "api", match: { path: { prefix: "/a" }, query: { [query]: "x" }, headers: { "x-h": { prefix } } },
        requestHeaders: { set: { "x-v": header } }, rewrite: { regex: { pattern: regex, substitution } },
      },
    ],
  };
}

test("the verdict validator accepts exactly what the full validator accepts, strings of any units near their limits", () => {
  assert.ok(runtime(mesh("ok", "v", "q", "i", "p", "s", "r")), runtime.errors ? JSON.stringify(runtime.errors) : "");
  let accepted = 0, rejected = 0;
  fc.assert(fc.property(field(4096), field(8192), field(256), field(2048), field(1), field(1024), field(1024), (...args) => {
    const m = mesh(...args);
    const ok = runtime(m);
    assert.is(verdict(m), ok, JSON.stringify(args.map((s) => [s.length, [...s].length])));
    if (ok) accepted++; else rejected++;
  }), { numRuns: 400 });
  assert.ok(accepted > 20 && rejected > 20, `${accepted} accepted, ${rejected} rejected`);
});

test.run();
