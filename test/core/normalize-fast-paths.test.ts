// normalize's short ways (compiler/normalize/index.ts): a route's single caller, a service's
// default selector and labels, its declared targetPorts, its endpoints parsed in one loop and
// sorted only when out of order, and parseEndpoint's memo (values.ts). Each must give what the
// general expressions give, keys in the same order (the JSON is the bundle's input), on
// generated services and routes, hostile names and endpoints included.
import { test } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import { normalize } from "../../compiler/normalize/index.ts";
import { parseEndpoint, parseEndpointText } from "../../compiler/normalize/values.ts";

const byKey = ([a]: [string, unknown], [b]: [string, unknown]) => (a < b ? -1 : a > b ? 1 : 0);
const sortedRecord = (rec: Record<string, unknown>) => Object.fromEntries(Object.entries(rec).sort(byKey));
const generalEndpoints = (list: readonly string[] | undefined) => (list ?? []).map(parseEndpointText).filter((e) => e !== null)
  .sort((a, b) => (a!.address < b!.address ? -1 : a!.address > b!.address ? 1 : (a!.port ?? 0) - (b!.port ?? 0)));

const name = fc.constantFrom("a", "b", "web", "api", "z9", "0", "8080", "svc-10", "svc-2", "x-y");
const endpoint = fc.oneof(
  fc.constantFrom("10.0.0.1", "10.0.0.2", "10.0.0.1:80", "10.0.0.1:8080", "[fd00::1]:8080", "[fd00::1]", "fd00::2", "db.example.com", "db.example.com:5432", "a.b", "A.example", "10.0.0.1:0", "10.0.0.1:70000", "[x]:1", "", ":80", "999.1.1.1"),
  fc.string({ maxLength: 12 }),
);
const labels = fc.option(fc.dictionary(name, name, { maxKeys: 4 }), { nil: undefined });
const service = fc.record({
  ports: fc.dictionary(name, fc.record({ port: fc.integer({ min: 1, max: 65535 }), protocol: fc.constantFrom("http", "tcp"), targetPort: fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }) }), { minKeys: 1, maxKeys: 4 }),
  endpoints: fc.option(fc.array(endpoint, { maxLength: 5 }), { nil: undefined }),
  selector: labels,
  versions: fc.option(fc.dictionary(name, fc.record({ endpoints: fc.option(fc.array(endpoint, { maxLength: 3 }), { nil: undefined }), labels }), { maxKeys: 3 }), { nil: undefined }),
  kubernetes: fc.option(fc.record({ workloadLabels: labels }), { nil: undefined }),
});
const from = fc.oneof(name, fc.array(name, { minLength: 1, maxLength: 4 }));

/** Drops the `undefined` fields fast-check leaves in: a parsed config has none. */
const plain = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

test("normalize's short ways give what the general expressions give", () => {
  fc.assert(fc.property(fc.dictionary(name, service, { minKeys: 1, maxKeys: 4 }), fc.array(fc.record({ from, to: name }), { maxLength: 5 }), (rawServices, rawRoutes) => {
    const raw = plain({ name: "m", trustDomain: "m.example", namespace: "m", services: rawServices, routes: rawRoutes });
    const mesh = normalize(raw as Parameters<typeof normalize>[0]);
    for (const s of mesh.services) {
      const r = (raw.services as Record<string, typeof rawServices[string]>)[s.name]!;
      const ports = Object.entries(r.ports).sort(byKey);
      assert.is(JSON.stringify(s.selector), JSON.stringify(sortedRecord(r.selector ?? { app: s.name })), "selector");
      assert.is(JSON.stringify(s.kubernetes.workloadLabels), JSON.stringify(sortedRecord(r.kubernetes?.workloadLabels ?? r.selector ?? { app: s.name })), "workloadLabels");
      assert.is(JSON.stringify(s.kubernetes.declaredTargetPorts), JSON.stringify(Object.fromEntries(ports.flatMap(([n, p]) => (p.targetPort === undefined ? [] : [[n, p.targetPort]])))), "declaredTargetPorts");
      assert.is(JSON.stringify(s.endpoints), JSON.stringify(generalEndpoints(r.endpoints)), "endpoints");
      const versions = Object.entries(r.versions ?? {}).sort(byKey);
      assert.is(JSON.stringify(s.versions.map((v) => [v.name, v.labels, v.endpoints])),
        JSON.stringify(versions.map(([v, spec]) => [v, sortedRecord(spec.labels ?? { version: v }), generalEndpoints(spec.endpoints)])), "versions");
    }
    mesh.routes.forEach((route, i) => {
      const f = rawRoutes[i]!.from;
      assert.is(JSON.stringify(route.sources), JSON.stringify([...new Set(Array.isArray(f) ? f : [f])].sort().map((n) => ({ kind: "service", name: n }))), "sources");
    });
  }), { numRuns: 1500 });
});

test("parseEndpoint's memo answers what a fresh parse answers, the first time and again", () => {
  fc.assert(fc.property(endpoint, (text) => {
    const fresh = parseEndpointText(text);
    assert.equal(parseEndpoint(text), fresh, text);
    assert.equal(parseEndpoint(text), fresh, text);
  }), { numRuns: 3000 });
});

test.run();
