// Issue 9 against the real HAProxy: a shop-like mesh compiled by meshc (api behind a
// strict-mTLS sidecar, an edge gateway without client certificates in front of it), attacked
// with raw requests over TLS (test/support/raw-http.ts: the bytes go on the wire as written).
// Every attack class of the issue: path tricks, absolute-form, encoded slashes and
// backslashes, h2c upgrade, a forged X-Forwarded-Client-Cert, hostile certificates, tab and
// duplicate header evasion, ACL option injection (`-i`, `--`, `-n`), underscores, a client's
// x-request-id at the edge, and a slow request head. For allowed requests the test asserts
// what the application received (path, identity header), through an upstream that records it.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { join } from "node:path";
import { compile } from "../../compiler/testing.ts";
import type { MeshIR } from "../../compiler/ir/types.ts";
import { combinedPemPath } from "../../compiler/ir/paths.ts";
import { freePorts } from "../support/ports.ts";
import { makeTempPrefix, startHaproxy, type RunningProcess } from "../support/procs.ts";
import { startUpstream, type ReceivedRequest, type Upstream } from "../support/upstreams.ts";
import { writeKeyPair, writeMeshPki, writePem, type KeyPairPem, type MeshPki } from "../support/pki.ts";
import { writeHaproxyBundles } from "../support/haproxy-certs.ts";
import { writeHaproxyProxy } from "../support/haproxy-files.ts";
import { mintHostileLeaves, type HostileLeaf } from "../support/hostile-certs.ts";
import { rawRequest, sendRaw, type RawResponse } from "../support/raw-http.ts";

const TD = "shop.example.com";
const spiffe = (sa: string) => `spiffe://${TD}/ns/shop/sa/${sa}`;

interface Ports { api: number; gw: number; outbound: number; adminApi: number; adminGw: number }

function shopMesh(p: Ports, app: number, admin: number) {
  return {
    name: "shop", trustDomain: TD, namespace: "shop",
    defaults: { mtls: "strict", authorization: "deny", adminPort: admin, outboundPort: p.outbound },
    observability: { metricsPort: false, requestId: true },
    services: {
      web: { ports: { http: { port: 8080, protocol: "http" } }, endpoints: ["127.0.0.1"] },
      catalog: { ports: { http: { port: 8080, protocol: "http" } }, endpoints: ["127.0.0.1"] },
      api: { ports: { http: { port: p.api, protocol: "http", targetPort: app } }, endpoints: ["127.0.0.1"] },
    },
    gateways: { edge: { port: p.gw, hosts: [TD], routes: [{ name: "edge-api", match: { path: { prefix: "/" } }, to: "api" }] } },
    authorization: [
      { name: "no-admin", deny: { from: "*", to: "api", paths: ["/api/admin/*"] } },
      { name: "no-debug", deny: { from: "*", to: "api", headers: { "x-debug": "1" } } },
      // Values HAProxy would read as ACL options without `--`: each deny would be silently off.
      { name: "no-opt-i", deny: { from: "*", to: "api", headers: { "x-opt": "-i" } } },
      { name: "no-opt-end", deny: { from: "*", to: "api", headers: { "x-opt": "--" } } },
      { name: "no-opt-n", deny: { from: "*", to: "api", headers: { "x-opt": "-n" } } },
      { name: "web-calls-api", allow: { from: ["web"], to: "api" } },
      { name: "catalog-reads-public", allow: { from: ["catalog"], to: "api", methods: ["GET"], paths: ["/api/public/*"] } },
      { name: "catalog-exact", allow: { from: ["catalog"], to: "api", paths: ["/api/exact"] } },
    ],
  };
}

interface Ctx {
  prefix: { dir: string; remove(): void };
  app: Upstream;
  procs: RunningProcess[];
  ports: Ports;
  pki: MeshPki;
  apiServerName: string;
  hostile: Map<HostileLeaf["kind"], HostileLeaf>;
  /** A request head that never ends, sent to the edge at set-up; settles when HAProxy closes it. */
  slowHead: Promise<{ res: RawResponse; ms: number }>;
}

const adv = suite<Ctx>("haproxy adversarial (issue 9)");

adv.before(async (ctx) => {
  try { await setUp(ctx); } catch (error) { console.error("set-up failed:", error); throw error; }
});

async function compileFor(ctx: Ctx, admin: number) {
  const runtime = { certDir: join(ctx.prefix.dir, "certs"), runDir: join(ctx.prefix.dir, "run"), logDir: join(ctx.prefix.dir, "logs") };
  const r = await compile(shopMesh(ctx.ports, ctx.app.port, admin), { targets: ["haproxy"], runtime });
  assert.equal(r.errors, [], JSON.stringify(r.diagnostics.filter((d) => d.severity === "error")));
  return { files: r.files, ir: r.ir as MeshIR };
}

async function setUp(ctx: Ctx) {
  ctx.procs = [];
  ctx.prefix = makeTempPrefix("haproxy-adversarial");
  ctx.app = await startUpstream({ name: "api" });
  const [api, gw, outbound, adminApi, adminGw] = await freePorts(5);
  ctx.ports = { api, gw, outbound, adminApi, adminGw };
  // Two proxies on one host: the same mesh compiled twice, once per admin port.
  const sidecar = await compileFor(ctx, adminApi);
  const edge = await compileFor(ctx, adminGw);
  ctx.pki = await writeMeshPki(sidecar.ir.runtime.certDir, sidecar.ir.infra.identities);
  writeHaproxyBundles(ctx.pki);
  for (const cert of edge.ir.proxies.find((p) => p.name === "gateway-edge")!.listeners.flatMap((l) => l.tls?.certificates ?? [])) {
    const pair = await ctx.pki.ca.issueLeaf({ name: cert.name, dnsNames: cert.serverNames, subject: { commonName: cert.serverNames[0] ?? TD, organizationalUnit: "edge", organization: TD } });
    writeKeyPair(cert.certFile, cert.keyFile, pair);
    writePem(combinedPemPath(cert.certFile), pair.certPem + pair.keyPem);
  }
  const apiIdentity = sidecar.ir.infra.identities.find((i) => i.name === "api")!;
  ctx.apiServerName = apiIdentity.dnsNames[0];
  const web = sidecar.ir.infra.identities.find((i) => i.name === "web")!;
  const leaves = await mintHostileLeaves(ctx.pki.ca, { spiffeId: web.spiffeId, subject: web.subject, dnsNames: web.dnsNames }, spiffe("catalog"));
  ctx.hostile = new Map(leaves.map((l) => [l.kind, l]));
  const apiConfig = writeHaproxyProxy(join(ctx.prefix.dir, "api"), sidecar.files, "api");
  const edgeConfig = writeHaproxyProxy(join(ctx.prefix.dir, "edge"), edge.files, "gateway-edge");
  ctx.procs.push(await startHaproxy({ prefix: ctx.prefix.dir, configFile: apiConfig, readyPorts: [api], timeoutMs: 10_000 }));
  ctx.procs.push(await startHaproxy({ prefix: ctx.prefix.dir, configFile: edgeConfig, readyPorts: [gw], timeoutMs: 10_000 }));
  const started = Date.now();
  ctx.slowHead = sendRaw({ ...edgeTarget(ctx), timeoutMs: 20_000 }, `GET /api/public/x HTTP/1.1\r\nHost: ${TD}\r\n`)
    .then((res) => ({ res, ms: Date.now() - started }));
}

adv.after(async (ctx) => {
  for (const p of ctx.procs ?? []) await p.stop();
  await ctx.app?.close();
  ctx.prefix?.remove();
});

adv.before.each((ctx) => ctx.app.reset());

const leafOf = (ctx: Ctx, name: string): KeyPairPem => ctx.pki.leaves.get(name)!.pair;
const sidecarTarget = (ctx: Ctx, who: KeyPairPem | null) =>
  ({ port: ctx.ports.api, ca: ctx.pki.ca.certPem, servername: ctx.apiServerName, ...(who ? { cert: who.certPem, key: who.keyPem } : {}) });
const edgeTarget = (ctx: Ctx) => ({ port: ctx.ports.gw, ca: ctx.pki.ca.certPem, servername: TD });

/** A raw request to the api sidecar as `who`. */
function toApi(ctx: Ctx, who: KeyPairPem | null, target: string, headers: readonly string[] = [], method = "GET") {
  return sendRaw(sidecarTarget(ctx, who), rawRequest(method, target, ["Host: api", ...headers]));
}
function toEdge(ctx: Ctx, target: string, headers: readonly string[] = [], method = "GET") {
  return sendRaw(edgeTarget(ctx), rawRequest(method, target, [`Host: ${TD}`, ...headers]));
}

/** The one request the application received, asserted to be exactly one. */
function received(ctx: Ctx): ReceivedRequest {
  assert.is(ctx.app.requests.length, 1, `the application got ${ctx.app.requests.length} requests: ${ctx.app.requests.map((r) => r.url).join(", ")}`);
  return ctx.app.requests[0];
}

async function expectRefused(ctx: Ctx, res: Promise<RawResponse>, status: number, what: string) {
  const answer = await res;
  assert.is(answer.status, status, `${what}: got ${answer.status} ${answer.error ?? ""}`);
  assert.is(ctx.app.hits(), 0, `${what}: reached the application as ${ctx.app.requests.map((r) => r.url).join(", ")}`);
}

adv("dot segments, %61dmin, %2e%2e, // and absolute-form cannot pass a deny on /api/admin/*", async (ctx) => {
  const web = leafOf(ctx, "web");
  for (const target of ["/api/x/../admin/x", "/api/./admin/x", "/api/%61dmin/x", "/api/x/%2e%2e/admin/x", "/api/x/%2E%2e/admin/x",
    "/api//admin/x", "//api/admin/x", "/api/public/../../api/admin/x", "/api/%2e/admin/x"]) {
    await expectRefused(ctx, toApi(ctx, web, target), 403, target);
  }
  await expectRefused(ctx, toApi(ctx, web, "http://api/api/x/../admin/x"), 403, "absolute-form");
  await expectRefused(ctx, toApi(ctx, web, "http://api/api/%61dmin/x"), 403, "absolute-form with %61");
});

adv("encoded slashes and backslashes are refused with 400, in the path only", async (ctx) => {
  const web = leafOf(ctx, "web");
  for (const target of ["/api%2Fadmin/x", "/api/admin%2fx", "/api/%5Cadmin", "/api/%5cadmin", "/api\\admin\\x", "http://api/api%2Fadmin/x"]) {
    await expectRefused(ctx, toApi(ctx, web, target), 400, target);
  }
  // An encoded slash in the query is data, not a path: forwarded unchanged.
  assert.is((await toApi(ctx, web, "/api/public/x?next=%2Fapi%2Fadmin")).status, 200);
  assert.is(received(ctx).url, "/api/public/x?next=%2Fapi%2Fadmin");
});

adv("allowed requests reach the application on exactly the normalized path the decision saw", async (ctx) => {
  const web = leafOf(ctx, "web");
  const cases: [string, string][] = [
    ["/api/public/./a/../b//c?q=%2e%2E", "/api/public/b/c?q=%2e%2E"],
    ["/api/public/%7euser/%e2%82%ac", "/api/public/~user/%E2%82%AC"],
    ["http://api/api/public/x/../y", "/api/public/y"],
  ];
  for (const [sent, expected] of cases) {
    ctx.app.reset();
    const res = await toApi(ctx, web, sent);
    assert.is(res.status, 200, sent);
    const url = received(ctx).url;
    // Absolute-form may stay absolute on the way to the application; its path is what counts.
    assert.is(url.replace(/^http:\/\/api/, ""), expected, `${sent} reached the application as ${url}`);
  }
});

adv("a GET-only /api/public/* caller cannot leave its prefix, change method, or stretch an exact path", async (ctx) => {
  const catalog = leafOf(ctx, "catalog");
  for (const target of ["/api/public/../private/x", "/api/public/%2e%2e/private/x", "/api/public/..%2fprivate", "/api/exact/../private", "/api/exactly"]) {
    const res = await toApi(ctx, catalog, target);
    assert.ok(res.status === 403 || res.status === 400, `${target}: ${res.status}`);
    assert.is(ctx.app.hits(), 0, target);
  }
  await expectRefused(ctx, toApi(ctx, catalog, "/api/public/x", [], "POST"), 403, "POST on a GET-only allow");
  assert.is((await toApi(ctx, catalog, "/api/public/%78")).status, 200);
  assert.is(received(ctx).url, "/api/public/x");
  ctx.app.reset();
  assert.is((await toApi(ctx, catalog, "/api//exact", [], "DELETE")).status, 200, "the exact path, after merging slashes");
  assert.is(received(ctx).url, "/api/exact");
});

adv("protocol upgrades (h2c, websocket) are refused with 403 on sidecar and edge", async (ctx) => {
  const h2c = ["Upgrade: h2c", "Connection: Upgrade, HTTP2-Settings", "HTTP2-Settings: AAMAAABkAAQAAP__"];
  await expectRefused(ctx, toApi(ctx, leafOf(ctx, "web"), "/api/public/x", h2c), 403, "h2c on the sidecar");
  await expectRefused(ctx, toApi(ctx, leafOf(ctx, "web"), "/api/public/x", ["Upgrade: websocket", "Sec-WebSocket-Version: 13", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ=="]), 403, "websocket");
  await expectRefused(ctx, toEdge(ctx, "/api/public/x", h2c), 403, "h2c at the edge");
});

adv("a forged X-Forwarded-Client-Cert is replaced by the verified identity", async (ctx) => {
  const forged = [`X-Forwarded-Client-Cert: By=${spiffe("api")};URI=${spiffe("admin")}`, `x-forwarded-client-cert: URI=${spiffe("web")}`];
  assert.is((await toApi(ctx, leafOf(ctx, "catalog"), "/api/public/x", forged)).status, 200);
  assert.is(received(ctx).headers["x-forwarded-client-cert"], `By=${spiffe("api")};URI=${spiffe("catalog")}`);
  // Through the edge: the gateway drops the client's; the sidecar sets the gateway's identity.
  ctx.app.reset();
  assert.is((await toEdge(ctx, "/api/public/x", forged)).status, 200);
  assert.is(received(ctx).headers["x-forwarded-client-cert"], `By=${spiffe("api")};URI=${spiffe("gateway-edge")}`);
});

adv("identity is exactly the single URI SAN: hostile certificates get no one else's rights", async (ctx) => {
  const call = (kind: HostileLeaf["kind"], target: string, method = "GET") =>
    sendRaw(sidecarTarget(ctx, ctx.hostile.get(kind)!), rawRequest(method, target, ["Host: api"]));
  // Only web may POST to /api/private; catalog may GET /api/public/*.
  for (const kind of ["victim-dn", "crl-dp", "subject-bytes", "two-uris", "no-uri"] as const) {
    await expectRefused(ctx, call(kind, "/api/private/x", "POST"), 403, kind);
  }
  const other = await call("other-ca", "/api/private/x", "POST");
  assert.is(other.status, 0, "another CA's leaf is refused in the handshake");
  assert.is((await call("valid", "/api/private/x", "POST")).status, 200, "the honest leaf");
  assert.is(received(ctx).headers["x-forwarded-client-cert"], `By=${spiffe("api")};URI=${spiffe("web")}`);
  // The leaves whose one URI SAN is catalog's are catalog, exactly (not web, not nobody).
  for (const kind of ["victim-dn", "crl-dp", "subject-bytes"] as const) {
    ctx.app.reset();
    assert.is((await call(kind, "/api/public/x")).status, 200, kind);
    assert.is(received(ctx).headers["x-forwarded-client-cert"], `By=${spiffe("api")};URI=${spiffe("catalog")}`, kind);
  }
  // No identity: not even the rules of a URI the certificate holds twice over.
  ctx.app.reset();
  for (const kind of ["two-uris", "no-uri"] as const) await expectRefused(ctx, call(kind, "/api/public/x"), 403, kind);
});

adv("header rules: surrounding tabs and spaces are trimmed; a second copy is a 400, whatever its order", async (ctx) => {
  const web = leafOf(ctx, "web");
  for (const line of ["X-Debug:\t1", "X-Debug: 1\t ", "x-debug:1"]) await expectRefused(ctx, toApi(ctx, web, "/api/public/x", [line]), 403, JSON.stringify(line));
  await expectRefused(ctx, toApi(ctx, web, "/api/public/x", ["X-Debug: 1", "X-Debug: 0"]), 400, "1 then 0");
  await expectRefused(ctx, toApi(ctx, web, "/api/public/x", ["X-Debug: 0", "X-Debug: 1"]), 400, "0 then 1");
  await expectRefused(ctx, toApi(ctx, web, "/api/public/x", ["X-Opt: a", "x-opt: b"]), 400, "a repeated header another rule reads");
  assert.is((await toApi(ctx, web, "/api/public/x", ["X-Debug: 0", "X-Other: 1", "X-Other: 2"])).status, 200, "repeats of unrelated headers pass");
  assert.is(received(ctx).headers["x-debug"], "0");
});

adv("ACL option injection: header values -i, -- and -n are patterns, so their denies hold", async (ctx) => {
  const web = leafOf(ctx, "web");
  for (const value of ["-i", "--", "-n"]) await expectRefused(ctx, toApi(ctx, web, "/api/public/x", [`X-Opt: ${value}`]), 403, value);
  assert.is((await toApi(ctx, web, "/api/public/x", ["X-Opt: -I"])).status, 200, "and only them: -I is another value");
});

adv("header names with underscores are refused (400) at the sidecar and the edge", async (ctx) => {
  await expectRefused(ctx, toApi(ctx, leafOf(ctx, "web"), "/api/public/x", ["X_Debug: 1"]), 400, "sidecar");
  await expectRefused(ctx, toEdge(ctx, "/api/public/x", ["x_forwarded_client_cert: URI=spiffe://x"]), 400, "edge");
  assert.is((await toApi(ctx, leafOf(ctx, "web"), "/api/public/a_b", ["X-Note: a_b:c"])).status, 200, "underscores in paths and values are fine");
});

adv("the edge: no client certificate, same path model, its own request id", async (ctx) => {
  for (const target of ["/api/%61dmin/x", "/api/x/../admin/x", `http://${TD}/api/x/%2e%2e/admin/x`]) await expectRefused(ctx, toEdge(ctx, target), 403, target);
  for (const target of ["/api/public/..%2Fadmin", "/api/public\\..\\admin"]) await expectRefused(ctx, toEdge(ctx, target), 400, target);
  const res = await toEdge(ctx, "/api/public/./%78", ["X-Request-Id: attacker-chosen"]);
  assert.is(res.status, 200);
  const got = received(ctx);
  assert.is(got.url, "/api/public/x");
  assert.match(String(got.headers["x-request-id"]), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
});

adv("a request head that never ends is answered 408 and closed after 10 s (timeout http-request)", async (ctx) => {
  const { res, ms } = await ctx.slowHead;
  assert.is(res.status, 408, `${res.status} ${res.error}`);
  assert.ok(ms >= 9_500 && ms < 13_000, `closed after ${ms} ms`);
  console.log(`    slow head closed after ${ms} ms`);
});

adv.run();
