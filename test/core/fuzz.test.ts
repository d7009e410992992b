// A structural fuzzer: random JSON shapes (fast-check, fixed seed, bounded runs) replace
// random nodes of a valid mesh, and random keys are added. Whatever the shape, the compiler
// answers with diagnostics: never a thrown error, never MESH9001.
import { test } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import { compile } from "../../compiler/testing.ts";

const BASE = {
  name: "f", trustDomain: "f.example.com", namespace: "f",
  defaults: { timeout: "5s", retries: { attempts: 2, perTryTimeout: "1s", on: ["5xx"] } },
  services: {
    web: { ports: { http: { port: 8080, protocol: "http" } }, endpoints: ["10.0.0.1"] },
    api: { ports: { http: { port: 8080, protocol: "http" }, grpc: { port: 9090, protocol: "grpc" } }, endpoints: ["10.0.0.2:8080"], versions: { v1: { endpoints: ["10.0.0.3"] } } },
    db: { ports: { tcp: { port: 5432, protocol: "tcp" } }, endpoints: ["10.0.0.4"] },
  },
  routes: [
    { from: "web", to: "api", port: "http", match: { path: { prefix: "/a" }, headers: { "x-a": "1" } }, split: { v1: 100 }, timeout: "5s", requestHeaders: { set: { "x-b": "2" } } },
    { from: "web", to: "api", port: "http", match: { path: { exact: "/r" } }, redirect: { path: "/b" } },
  ],
  authorization: [{ allow: { from: ["web"], to: "api", methods: ["GET"], paths: ["/a"] } }],
  gateways: { edge: { port: 8443, hosts: ["f.example.com"], routes: [{ match: { path: { prefix: "/" } }, to: "web" }] } },
};

/** Every path to a node of `value` (objects and arrays included). */
function paths(value: unknown, at: (string | number)[] = []): (string | number)[][] {
  const out = [at];
  if (Array.isArray(value)) value.forEach((v, i) => out.push(...paths(v, [...at, i])));
  else if (value && typeof value === "object") for (const [k, v] of Object.entries(value)) out.push(...paths(v, [...at, k]));
  return out;
}
const ALL_PATHS = paths(BASE).filter((p) => p.length > 0);

function replaced(path: readonly (string | number)[], replacement: unknown, extraKey: string | null): unknown {
  const copy = structuredClone(BASE) as Record<string | number, unknown>;
  let node = copy as Record<string | number, unknown>;
  for (const seg of path.slice(0, -1)) node = node[seg] as Record<string | number, unknown>;
  node[path[path.length - 1]!] = replacement;
  if (extraKey !== null && typeof node === "object" && !Array.isArray(node)) node[extraKey] = replacement;
  return copy;
}

const shapes = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }),
  fc.constantFrom(null, 0, -1, 1.5, 65536, 1e308, "", " ", "0", "yes", "..", "/", "%", [], {}, [[]], { "": "" }, { __proto__: 1 }, { constructor: {} }, { toString: 1 }),
  fc.string({ maxLength: 40 }),
);

test("random shapes at random places: diagnostics, never a throw or MESH9001", async () => {
  await fc.assert(
    fc.asyncProperty(fc.integer({ min: 0, max: ALL_PATHS.length - 1 }), shapes, fc.option(fc.string({ maxLength: 12 }), { nil: null }), async (i, shape, extra) => {
      const mesh = replaced(ALL_PATHS[i]!, shape, extra);
      const r = await compile(mesh, { typecheck: false });
      const internal = r.diagnostics.filter((d) => d.code === "MESH9001");
      if (internal.length > 0) throw new Error(`MESH9001 at ${ALL_PATHS[i]!.join(".")} = ${JSON.stringify(shape)}: ${internal[0]!.message}`);
    }),
    { seed: 0x10f, numRuns: 150, endOnFailure: true },
  );
});

test("the base mesh compiles clean (the fuzzer mutates a valid mesh)", async () => {
  const r = await compile(BASE, { typecheck: false });
  assert.equal(r.errors, []);
});

test.run();
