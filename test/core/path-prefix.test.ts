// Gateway API's path semantics as meshc implements them once (compiler/ir/path-prefix.ts),
// and the analysis checks that must reason with them: element-wise prefixes, the
// ReplacePrefixMatch table of the Gateway API spec (HTTPPathModifier), hostnames.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { compile } from "../../compiler/testing.ts";
import { hostnamesIntersect, matchesHostnames, matchesPathPrefix, replacePathPrefix } from "../../compiler/ir/path-prefix.ts";
import { variant } from "./base.ts";

test("a prefix matches whole path elements; a trailing slash is ignored", () => {
  for (const [prefix, path, ok] of [
    ["/v2", "/v2", true], ["/v2", "/v2/", true], ["/v2", "/v2/x", true], ["/v2", "/v2example", false],
    ["/v2/", "/v2", true], ["/v2/", "/v2/x", true], ["/v2/", "/v2x", false], ["/", "/anything", true], ["/abc", "/ab", false],
  ] as const) assert.is(matchesPathPrefix(prefix, path), ok, `${prefix} on ${path}`);
});

test("ReplacePrefixMatch follows the Gateway API spec's table", () => {
  for (const [path, prefix, replacement, out] of [
    ["/foo/bar", "/foo", "/xyz", "/xyz/bar"], ["/foo/bar", "/foo", "/xyz/", "/xyz/bar"], ["/foo/bar", "/foo/", "/xyz", "/xyz/bar"],
    ["/foo/bar", "/foo/", "/xyz/", "/xyz/bar"], ["/foo", "/foo", "/xyz", "/xyz"], ["/foo/", "/foo", "/xyz", "/xyz/"],
    ["/foo/bar", "/foo", "", "/bar"], ["/foo/", "/foo", "", "/"], ["/foo", "/foo", "", "/"], ["/foo/", "/foo", "/", "/"],
    ["/foo", "/foo", "/", "/"], ["/strip-prefix/three", "/strip-prefix", "/", "/three"], ["/foo/bar", "/", "/xyz", "/xyz/foo/bar"],
  ] as const) assert.is(replacePathPrefix(prefix, replacement, path), out, `${path} ${prefix} -> ${replacement}`);
});

test("hostnames: a wildcard is one or more labels; the port and case do not count", () => {
  assert.ok(matchesHostnames(["*.bar.com"], "foo.bar.com"));
  assert.ok(matchesHostnames(["*.bar.com"], "a.b.bar.com:8080"));
  assert.not.ok(matchesHostnames(["*.bar.com"], "bar.com"));
  assert.ok(matchesHostnames(["Bar.com".toLowerCase()], "BAR.com"));
  assert.ok(hostnamesIntersect(["*.example.com"], ["a.example.com"]));
  assert.not.ok(hostnamesIntersect(["a.example.com"], ["b.example.com"]));
});

const codes = async (mesh: unknown) => (await compile(mesh, { targets: ["envoy"] })).diagnostics.map((d) => `${d.code} ${d.path}`);

test("MESH2008 uses element-wise prefixes: /api does not shadow /apix, a string prefix /api does", async () => {
  const later = { name: "later", from: "web", to: "api", match: { path: { prefix: "/apix" } } };
  assert.not.ok((await codes(variant((m) => m.routes.push(later)))).some((c) => c.startsWith("MESH2008")));
  const stringPrefix = variant((m) => { m.routes[0].match.path = { stringPrefix: "/api" }; m.routes.push(later); });
  assert.ok((await codes(stringPrefix)).includes("MESH2008 routes[2]"));
  const inside = variant((m) => m.routes.push({ ...later, match: { path: { prefix: "/api/v2" } } }));
  assert.ok((await codes(inside)).includes("MESH2008 routes[2]"));
});

test("MESH2022 uses element-wise prefixes: a route on /api never delivers /apiv2", async () => {
  const rule = (path: string) => variant((m) => m.authorization.push({ name: "deny-x", deny: { from: ["web"], to: "api", paths: [path] } }));
  assert.ok((await codes(rule("/apiv2*"))).some((c) => c.startsWith("MESH2022")));
  assert.not.ok((await codes(rule("/api/v2*"))).some((c) => c.startsWith("MESH2022")));
  assert.not.ok((await codes(rule("/api"))).some((c) => c.startsWith("MESH2022")));
});

test.run();
