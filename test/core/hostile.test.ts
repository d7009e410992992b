// SECURITY.md's hostile inputs through the whole compiler, every target selected: each is
// rejected with a coded diagnostic (and no bundle) or compiled; never a crash (MESH9001).
// The targets' own hostile tests prove accepted values survive each dialect intact.
import { test } from "uvu";
import * as assert from "uvu/assert";
import YAML from "yaml";
import { compile } from "../../compiler/testing.ts";
import { variant } from "./base.ts";

type Place = (m: any, v: any) => void;
const places: Record<string, Place> = {
  "service name": (m, v) => { m.services[v] = m.services.web; },
  "header value": (m, v) => { m.routes[0].requestHeaders = { set: { "x-v": v } }; },
  "response header value": (m, v) => { m.routes[0].responseHeaders = { add: { "x-v": v } }; },
  "path": (m, v) => { m.routes[0].match.path = { prefix: v }; },
  "hostname": (m, v) => { m.gateways = { edge: { port: 8443, hosts: [v], routes: [{ to: "web" }] } }; },
  "regex": (m, v) => { m.routes[0].match.path = { regex: v }; },
  "duration": (m, v) => { m.routes[0].timeout = v; },
  "weight": (m, v) => { m.routes[0].split = { v1: v, v2: 10 }; },
  "direct body": (m, v) => { m.routes.push({ name: "gone", from: "web", to: "api", match: { path: { exact: "/gone" } }, directResponse: { status: 410, body: v } }); },
};

// [place, value, expected]
const cases: [string, unknown, "reject" | "accept"][] = [
  ["service name", "svc\nlisten 1337;", "reject"],
  ["header value", "a\r\nX-Inj: 1", "reject"],
  ["service name", "x } server { listen 81; }", "reject"],
  ["header value", "x } server { listen 81; }", "accept"],
  ["header value", "x\"; ssl_engine /x/e.so; #", "accept"],
  ["header value", "x' ; deny all; '", "accept"],
  ["header value", "abc\\", "accept"],
  ["response header value", "%ENVIRONMENT(SECRET)%", "accept"],
  ["service name", "../../etc/passwd", "reject"],
  ["service name", "Foo_Bar", "reject"],
  ["service name", "a".repeat(64), "reject"],
  ["hostname", "foo.*.com", "reject"],
  ["hostname", "good.com@evil.com", "reject"],
  ["hostname", "host:443", "reject"],
  ["path", "//admin", "reject"],
  ["path", "/a/../admin", "reject"],
  ["path", "/admin%2F", "reject"],
  ["path", "/admin#x", "reject"],
  ["regex", "/(a+)+$", "accept"],
  ["regex", "(?=x)", "reject"],
  ["regex", "\\1", "reject"],
  ["duration", "-5s", "reject"],
  ["duration", "5 s", "reject"],
  ["duration", "10d", "reject"],
  ["duration", "1e3s", "reject"],
  ["weight", -1, "reject"],
  ["weight", 1.5, "reject"],
  ["weight", "NaN", "reject"],
  ["header value", "bidi\u202Eoverride", "reject"],
  ["header value", "line\u2028separator", "reject"],
  ["direct body", "nul\u0000byte", "reject"],
  ["direct body", "yes", "accept"],
  ["direct body", "!!binary x", "accept"],
];

for (const [place, value, expected] of cases) {
  test(`${place} ${JSON.stringify(value)} -> ${expected}`, async () => {
    const mesh = variant((m) => places[place]!(m, value));
    const r = await compile(mesh, { targets: ["envoy", "kubernetes", "certs"] });
    assert.not.ok(r.errors.includes("MESH9001"), JSON.stringify(r.diagnostics));
    if (expected === "reject") {
      assert.ok(r.errors.length > 0, `accepted: ${JSON.stringify(value)}`);
      assert.is(r.files.size, 0);
      assert.ok(r.diagnostics.every((d) => /^MESH\d{4}$/.test(d.code)));
    } else {
      assert.equal(r.errors, [], JSON.stringify(r.diagnostics.filter((d) => d.severity === "error")));
      if (typeof value === "string" && place === "direct body") {
        // YAML-ambiguous values are quoted by the serializer: they parse back as strings.
        const web = YAML.parse(r.files.get("envoy/web.yaml")!);
        assert.ok(JSON.stringify(web).includes(JSON.stringify(value)), "value survives the YAML round trip");
      }
    }
  });
}

test("a control character is reported with its code point", async () => {
  const r = await compile(variant((m) => places["header value"]!(m, "a\u0007b")), { targets: ["envoy"] });
  const d = r.diagnostics.find((x) => x.code === "MESH2012")!;
  assert.match(d.message, /U\+0007/);
});

test.run();
