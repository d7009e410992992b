// The Gateway API models' validators as the build precompiles them (ajv standalone,
// targets/kubernetes/schema/gateway-api.ts) find exactly the errors the 0.5.1 models' own
// validate() finds (ajv compiling their schemas at run time), on valid objects and on objects
// broken in the ways a schema can break: a type, a bound, a pattern, a format, an enum, a
// missing field, a nullable reference, an undefined member; meshc's additions likewise.
import { test } from "uvu";
import * as assert from "uvu/assert";
import Module from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Ajv, type ValidateFunction } from "ajv";
import { Gateway, GATEWAY_ADDITIONS, HTTPRoute, modelErrors, ROUTE_ADDITIONS, standaloneGatewaySources, type ModelName } from "../../targets/kubernetes/schema/gateway-api.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** A generated module, run as if it sat beside gateway-api.ts (where the build writes it), so its requires resolve as in dist. */
function load(source: string, name: string): Record<string, ValidateFunction> {
  const filename = join(ROOT, "targets", "kubernetes", "schema", name);
  const m = new Module(filename) as Module & { _compile(source: string, filename: string): void; paths: string[] };
  m.filename = filename;
  m.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(dirname(filename));
  m._compile(source, filename);
  return m.exports as Record<string, ValidateFunction>;
}

const sources = standaloneGatewaySources();
const precompiled = load(sources.models, "gateway-api.models.validate.cjs") as Record<ModelName, ValidateFunction>;
const additions = load(sources.additions, "gateway-api.additions.validate.cjs");

const clone = <T>(v: T): T => structuredClone(v);
const set = (o: Record<string, unknown>, path: (string | number)[], value: unknown): Record<string, unknown> => {
  const copy = clone(o);
  let at = copy as Record<string | number, unknown>;
  for (const k of path.slice(0, -1)) at = at[k] as Record<string | number, unknown>;
  if (value === DELETE) delete at[path.at(-1)!];
  else at[path.at(-1)!] = value;
  return copy;
};
const DELETE = Symbol("delete");

const gateway = {
  apiVersion: "gateway.networking.k8s.io/v1", kind: "Gateway", metadata: { name: "edge", namespace: "mesh", labels: { a: "b" } },
  spec: {
    gatewayClassName: "meshc", addresses: [{ type: "IPAddress", value: "10.0.0.1" }],
    listeners: [{ name: "https", port: 443, protocol: "HTTPS", hostname: "shop.example.com", tls: { mode: "Terminate", certificateRefs: [{ name: "edge-tls" }] } }],
  },
};
const httpRoute = {
  apiVersion: "gateway.networking.k8s.io/v1", kind: "HTTPRoute", metadata: { name: "r", namespace: "mesh" },
  spec: {
    parentRefs: [{ name: "edge", sectionName: "https" }], hostnames: ["shop.example.com"],
    rules: [{ name: "checkout", matches: [{ path: { type: "PathPrefix", value: "/checkout" }, headers: [{ name: "x-v", value: "2" }] }], backendRefs: [{ name: "checkout", port: 8080, weight: 90 }], timeouts: { request: "2s" } }],
  },
};
const grpcRoute = {
  apiVersion: "gateway.networking.k8s.io/v1alpha2", kind: "GRPCRoute", metadata: { name: "g" },
  spec: { parentRefs: [{ name: "edge" }], rules: [{ matches: [{ method: { service: "shop.Cart", method: "Add" } }], backendRefs: [{ name: "cart", port: 9090 }] }] },
};
const tcpRoute = {
  apiVersion: "gateway.networking.k8s.io/v1alpha2", kind: "TCPRoute", metadata: { name: "t" },
  spec: { parentRefs: [{ name: "edge", port: 5432 }], rules: [{ backendRefs: [{ name: "db", port: 5432 }] }] },
};

const cases: [ModelName, string, string, Record<string, unknown>][] = [
  ["gateway", "gateway.networking.k8s.io/v1", "Gateway", gateway],
  ["gateway", "gateway.networking.k8s.io/v1", "Gateway", set(gateway, ["spec", "listeners", 0, "port"], "443")],
  ["gateway", "gateway.networking.k8s.io/v1", "Gateway", set(gateway, ["spec", "listeners", 0, "port"], 70000)],
  ["gateway", "gateway.networking.k8s.io/v1", "Gateway", set(gateway, ["spec", "listeners", 0, "name"], "Bad_Name")],
  ["gateway", "gateway.networking.k8s.io/v1", "Gateway", set(gateway, ["spec", "listeners", 0, "protocol"], "")],
  ["gateway", "gateway.networking.k8s.io/v1", "Gateway", set(gateway, ["spec", "addresses", 0, "value"], "999.0.0.1")],
  ["gateway", "gateway.networking.k8s.io/v1", "Gateway", set(gateway, ["spec", "addresses", 0, "value"], "fe80::1")],
  ["gateway", "gateway.networking.k8s.io/v1", "Gateway", set(gateway, ["spec", "listeners"], DELETE)],
  ["gateway", "gateway.networking.k8s.io/v1", "Gateway", set(gateway, ["metadata"], null)],
  ["gateway", "gateway.networking.k8s.io/v1", "Gateway", set(gateway, ["metadata"], 5)],
  ["gateway", "gateway.networking.k8s.io/v1", "Gateway", set(gateway, ["metadata", "generation"], "x")],
  ["gateway", "gateway.networking.k8s.io/v1", "Gateway", set(gateway, ["metadata", "creationTimestamp"], "yesterday")],
  ["gateway", "gateway.networking.k8s.io/v1", "Gateway", set(gateway, ["spec", "listeners", 0, "hostname"], undefined)],
  ["gateway", "gateway.networking.k8s.io/v1", "Gateway", set(gateway, ["status"], { conditions: [{ type: "Ready", status: "Maybe", lastTransitionTime: "now", reason: "", message: "", observedGeneration: 1.5 }] })],
  ["httpRoute", "gateway.networking.k8s.io/v1", "HTTPRoute", httpRoute],
  ["httpRoute", "gateway.networking.k8s.io/v1", "HTTPRoute", set(httpRoute, ["spec", "rules", 0, "backendRefs", 0, "port"], -1)],
  ["httpRoute", "gateway.networking.k8s.io/v1", "HTTPRoute", set(httpRoute, ["spec", "rules", 0, "backendRefs", 0, "weight"], "x")],
  ["httpRoute", "gateway.networking.k8s.io/v1", "HTTPRoute", set(httpRoute, ["spec", "rules", 0, "matches", 0, "path", "type"], "Glob")],
  ["httpRoute", "gateway.networking.k8s.io/v1", "HTTPRoute", set(httpRoute, ["spec", "hostnames", 0], "UPPER.example.com")],
  ["httpRoute", "gateway.networking.k8s.io/v1", "HTTPRoute", set(httpRoute, ["spec", "rules", 0, "timeouts", "request"], "2 seconds")],
  ["httpRoute", "gateway.networking.k8s.io/v1", "HTTPRoute", set(httpRoute, ["spec", "rules", 0, "filters"], [{ type: "RequestMirror" }, { type: "Nope" }])],
  ["httpRoute", "gateway.networking.k8s.io/v1", "HTTPRoute", set(httpRoute, ["apiVersion"], "gateway.networking.k8s.io/v2")],
  ["grpcRoute", "gateway.networking.k8s.io/v1alpha2", "GRPCRoute", grpcRoute],
  ["grpcRoute", "gateway.networking.k8s.io/v1alpha2", "GRPCRoute", set(grpcRoute, ["spec", "rules", 0, "matches", 0, "method", "type"], "Fuzzy")],
  ["tcpRoute", "gateway.networking.k8s.io/v1alpha2", "TCPRoute", tcpRoute],
  ["tcpRoute", "gateway.networking.k8s.io/v1alpha2", "TCPRoute", set(tcpRoute, ["spec", "rules"], [])],
];

test("the precompiled models find the same errors as the models' own validate()", () => {
  let failing = 0;
  for (const [name, apiVersion, kind, data] of cases) {
    const own = modelErrors(name, apiVersion, kind, clone(data), null);
    const standalone = modelErrors(name, apiVersion, kind, clone(data), precompiled);
    assert.equal(JSON.parse(JSON.stringify(standalone)), JSON.parse(JSON.stringify(own)), JSON.stringify(data));
    if (own.length > 0) failing++;
  }
  assert.ok(failing >= 15, `the broken objects fail (${failing} of ${cases.length})`);
});

test("meshc's additions: the precompiled validators find the same errors as ajv compiling them", () => {
  const ajv = new Ajv({ allErrors: true, strict: true });
  const objects: [string, unknown][] = [
    ["route", set(httpRoute, ["spec", "rules", 0, "name"], "Bad Name")],
    ["route", httpRoute],
    ["gateway", set(gateway, ["spec", "tls"], { backend: { clientCertificateRef: { name: "", kind: "1x" } } })],
    ["gateway", set(gateway, ["spec", "tls"], { backend: { clientCertificateRef: { name: "client" } } })],
  ];
  for (const [which, object] of objects) {
    const compiled = ajv.compile(which === "route" ? ROUTE_ADDITIONS : GATEWAY_ADDITIONS);
    assert.is(additions[which]!(object), compiled(object));
    assert.equal(additions[which]!.errors ?? null, compiled.errors ?? null);
  }
  // Through the classes (their additions, precompiled or not): a bad rule name is reported.
  assert.throws(() => new HTTPRoute(set(httpRoute, ["spec", "rules", 0, "name"], "Bad Name") as never).validate());
  assert.not.throws(() => new Gateway(gateway as never).validate());
});

test.run();
