// Watch mode's memo of the model checks (compiler/analyze/memo.ts): a save reuses what a
// check found for the routes, rules and services it did not change. For every memoized
// check, a save that edits something the check reads must show the new finding, and the
// save that undoes it must drop it: each save's diagnostics equal a cold compile's. The
// saves run through one memo, as `--watch` keeps it, with MESHC_CHECK_INCREMENTAL_IR off,
// so a stale memo shows here as a missing or extra finding, not as the verifier's error.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { compileLoaded } from "../../compiler/compile.ts";
import { createEmitMemo, type EmitMemo } from "../../compiler/emit-stream.ts";
import { configFromValue } from "../../compiler/testing.ts";
import { runModelCheck, type CheckMemo } from "../../compiler/analyze/memo.ts";
import { hostnames } from "../../compiler/analyze/hostnames.ts";
import { kubernetesAdoption } from "../../compiler/analyze/kubernetes-adoption.ts";
import { normalize } from "../../compiler/normalize/index.ts";
import { baseMesh } from "./base.ts";

const OPTIONS = { cwd: ".", targets: ["envoy"], verify: "none" } as const;
const shown = (ds: readonly { code: string; message: string; path: string; severity: string }[]) =>
  ds.filter((d) => d.severity !== "info").map((d) => `${d.code} ${d.path} ${d.message}`);

async function save(memo: EmitMemo, mesh: unknown): Promise<string[]> {
  const watched = shown((await compileLoaded(configFromValue(structuredClone(mesh)), { ...OPTIONS, memo })).diagnostics);
  const cold = shown((await compileLoaded(configFromValue(structuredClone(mesh)), OPTIONS)).diagnostics);
  assert.equal(watched, cold, "a save through the memo reports what a cold compile reports");
  return watched;
}

/** A richer base than base.ts's: a gateway, a route with header changes and a header match, a rule with a header. */
function mesh(): any {
  const m = baseMesh();
  m.routes[0].match.headers = { "x-user": "a" };
  m.routes[0].responseHeaders = { set: { "x-served-by": "api" } };
  m.routes.push({ name: "web-api-exact", from: "web", to: "api", match: { path: { exact: "/api-status" } } });
  m.authorization[0].allow.headers = { "x-role": "admin" };
  m.authorization[0].allow.paths = ["/api/*"];
  m.gateways = { edge: { port: 8443, tls: false, hosts: ["shop.example.com"], routes: [{ name: "edge-web", to: "web", hostnames: ["shop.example.com"] }] } };
  return m;
}

type Edit = [check: string, code: string, path: string, edit: (m: any) => void];
const edits: Edit[] = [
  ["paths", "MESH2013", "routes[0].match.path.prefix", (m) => (m.routes[0].match.path = { prefix: "/api/../admin" })],
  ["paths (rule)", "MESH2013", "authorization[0].allow.paths[0]", (m) => (m.authorization[0].allow.paths = ["/a/../b"])],
  ["references", "MESH2001", "routes[2].to", (m) => (m.routes[2].to = "apii")],
  ["references (rule)", "MESH2001", "authorization[1].allow.from[0]", (m) => (m.authorization[1].allow.from = ["wbe"])],
  ["duplicates (route names, projected)", "MESH2005", "routes[2]", (m) => (m.routes[2].name = "web-api")],
  // The rule is unchanged; the routes that deliver its paths (read through a projection) no longer do.
  ["unreachable-authorization (routes, projected)", "MESH2022", "authorization[0].allow.paths[0]", (m) => { m.routes[0].match.path = { prefix: "/other" }; m.routes[2].match.path = { exact: "/other-status" }; }],
  ["headers", "MESH2014", `routes[0].responseHeaders.set.x-${"a".repeat(60)}`, (m) => (m.routes[0].responseHeaders = { set: { [`x-${"a".repeat(60)}`]: "1" } })],
  ["headers (value)", "MESH2014", "routes[0].responseHeaders.set.x-served-by", (m) => (m.routes[0].responseHeaders.set["x-served-by"] = "two  spaces")],
  ["header-rule-values", "MESH2030", "routes[0].match.headers.x-user", (m) => (m.routes[0].match.headers["x-user"] = "a,b")],
  ["header-rule-values (rule)", "MESH2030", "authorization[0].allow.headers.x-role", (m) => (m.authorization[0].allow.headers["x-role"] = "admin ")],
  ["regexes", "MESH2011", "routes[2].match.path.regex", (m) => (m.routes[2].match.path = { regex: "/(?=admin)" })],
  ["weights", "MESH2007", "routes[0].split", (m) => (m.routes[0].split = { v1: 0, v2: 0 })],
  ["route-actions", "MESH2017", "routes[2].rewrite.prefix", (m) => (m.routes[2].rewrite = { prefix: "/v2" })],
  ["route-actions (service)", "MESH2017", "routes[1].match", (m) => { m.routes[1].match = { path: { prefix: "/" } }; }],
  ["hostnames", "MESH2015", "routes[2].rewrite.host", (m) => (m.routes[2].rewrite = { host: "203.0.113.9" })],
  // The route is unchanged; the gateway it belongs to (the check's context) no longer serves its hostname.
  ["hostnames (context)", "MESH2040", "gateways.edge.routes[0].hostnames[0]", (m) => (m.gateways.edge.hosts = ["other.example.com"])],
  ["kubernetes-adoption", "MESH2050", "services.api.identity", (m) => (m.services.api.identity = "api-id", m.services.api.kubernetes = { serviceAccount: "api-sa" })],
  // IR checks: their parts are proxies, kept by identity when unchanged (ir/share.ts).
  ["shadowing", "MESH2008", "routes[3]", (m) => m.routes.push({ name: "late", from: "web", to: "api", match: { path: { prefix: "/api/v2" }, headers: { "x-user": "a" } } })],
  ["timeouts (retries)", "MESH2010", "routes[0].retries", (m) => (m.routes[0].retries = { attempts: 3, perTryTimeout: "2s" })],
  ["timeouts (per try)", "MESH2020", "routes[2].retries.perTryTimeout", (m) => (m.routes[2].retries = { attempts: 1, perTryTimeout: "20s" })],
  ["port-clash", "MESH2006", "services.api.ports.http.targetPort", (m) => (m.services.api.ports.http.targetPort = 15000)],
  // The service is unchanged; capture (the check's context) makes its targetPort contradict it.
  ["kubernetes-adoption (context)", "MESH2051", "services.web.ports.http.targetPort", (m) => (m.defaults = { capture: true })],
];

test("every memoized check: an edit it reads shows its finding on that save, and undoing it drops it", async () => {
  const before = process.env.MESHC_CHECK_INCREMENTAL_IR;
  delete process.env.MESHC_CHECK_INCREMENTAL_IR;
  try {
    const memo = createEmitMemo();
    const base = mesh();
    base.services.web.ports.http.targetPort = 9090; // contradicts capture only once capture is on
    assert.equal((await save(memo, base)).filter((d) => d.startsWith("MESH2")), [], "the base mesh has no model finding");
    for (const [check, code, path, edit] of edits) {
      const edited = structuredClone(base);
      edit(edited);
      const found = await save(memo, edited);
      assert.ok(found.some((d) => d.startsWith(`${code} ${path} `)), `${check}: the save shows ${code} at ${path}; got ${JSON.stringify(found)}`);
      const undone = await save(memo, base);
      assert.not.ok(undone.some((d) => d.startsWith(`${code} ${path} `)), `${check}: undoing the edit drops ${code} at ${path}`);
    }
  } finally {
    if (before === undefined) delete process.env.MESHC_CHECK_INCREMENTAL_IR;
    else process.env.MESHC_CHECK_INCREMENTAL_IR = before;
  }
});

test("with MESHC_CHECK_INCREMENTAL_IR=1 every reuse is recomputed and agrees", async () => {
  const before = process.env.MESHC_CHECK_INCREMENTAL_IR;
  process.env.MESHC_CHECK_INCREMENTAL_IR = "1";
  try {
    const memo = createEmitMemo();
    const base = mesh();
    await save(memo, base);
    for (const [, , , edit] of edits) {
      const edited = structuredClone(base);
      edit(edited);
      const found = await save(memo, edited);
      assert.not.ok(found.some((d) => d.startsWith("MESH9001")), found.join("\n"));
      await save(memo, base);
    }
  } finally {
    if (before === undefined) delete process.env.MESHC_CHECK_INCREMENTAL_IR;
    else process.env.MESHC_CHECK_INCREMENTAL_IR = before;
  }
});

test("a part kept by identity is checked again when the check's context changes", () => {
  // normalize renews a route when its gateway changes, so a compile cannot show this; the memo must not rely on it.
  const first = normalize(mesh());
  const codes = (check: typeof hostnames, m: typeof first, memo: CheckMemo) => {
    const found: string[] = [];
    runModelCheck(check, m, (code, f) => found.push(`${code.code} ${f.path}`), memo);
    return found;
  };
  const memo: CheckMemo = new Map();
  assert.equal(codes(hostnames, first, memo), []);
  const moved = { ...first, gateways: first.gateways.map((g) => ({ ...g, hosts: ["other.example.com"] })) };
  assert.equal(codes(hostnames, moved, memo), ["MESH2040 gateways.edge.routes[0].hostnames[0]"]);
  const raw = mesh();
  raw.services.web.ports.http.targetPort = 9090;
  const plain = normalize(raw);
  assert.equal(codes(kubernetesAdoption, plain, memo), []);
  const captured = { ...plain, defaults: { ...plain.defaults, capture: { proxyUid: 1337, inboundPort: 15006 } } };
  assert.equal(codes(kubernetesAdoption, captured, memo), ["MESH2051 services.web.ports.http.targetPort"]);
});

test.run();
