// Issue 9, tried as an attacker would against the real nginx running meshc's output for a
// shop-like mesh (adversarial-fixture.ts): raw requests over TLS (node:tls, nothing
// normalized on the client side) at the api sidecar (strict mTLS) and the edge gateway (no
// client certificates). Every allowed request also asserts the exact path and identity
// header the app received, so "the backend sees what the decision saw" is checked too.
import { readFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { connect as http2Connect } from "node:http2";
import { connect } from "node:tls";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { nginx } from "../../targets/nginx/index.ts";
import { mintHostileLeaves, type HostileLeaf } from "../support/hostile-certs.ts";
import { writeMeshPki, type MeshPki } from "../support/pki.ts";
import { freePorts } from "../support/ports.ts";
import { makeTempPrefix, startNginx, type RunningProcess } from "../support/procs.ts";
import { startUpstream, type Upstream } from "../support/upstreams.ts";
import { adversarialIdentities, buildAdversarialIR, EDGE_HOST, spiffeOf, type AdversarialPorts } from "./adversarial-fixture.ts";

interface Env {
  ports: AdversarialPorts;
  app: Upstream;
  pki: MeshPki;
  hostile: readonly HostileLeaf[];
  stop(): Promise<void>;
}

const test = suite<{ env: Env | null }>("nginx adversarial (issue 9)", { env: null });

test.before(async (ctx) => {
  const prefix = makeTempPrefix("nginx-adversarial");
  const procs: RunningProcess[] = [];
  let app: Upstream | null = null;
  const stop = async () => { await Promise.all(procs.map((p) => p.stop())); await app?.close(); prefix.remove(); };
  try {
    app = await startUpstream({ name: "app" });
    const [api, apiH2, edge, adminApi, adminEdge] = await freePorts(5);
    const ports: AdversarialPorts = { api, apiH2, edge, app: app.port, admin: { api: adminApi, edge: adminEdge } };
    const ir = buildAdversarialIR(prefix.dir, ports);
    const pki = await writeMeshPki(ir.runtime.certDir, adversarialIdentities(ir.runtime.certDir));
    // Attacks on web's rights; the attacker's own identity is catalog.
    const hostile = await mintHostileLeaves(pki.ca, { spiffeId: spiffeOf("web"), subject: { commonName: "web", organizationalUnit: "shop", organization: "shop.example.com" } }, spiffeOf("catalog"));
    for (const dir of [ir.runtime.runDir, ir.runtime.logDir, join(prefix.dir, "nginx")]) mkdirSync(dir, { recursive: true });
    const emitted = nginx.emit(ir);
    assert.equal(emitted.diagnostics.filter((d) => d.severity === "error"), []);
    for (const file of emitted.files) writeFileSync(join(prefix.dir, file.path), file.content);
    procs.push(await startNginx({ prefix: prefix.dir, configFile: join(prefix.dir, "nginx/api.conf"), readyPorts: [api, apiH2] }));
    procs.push(await startNginx({ prefix: prefix.dir, configFile: join(prefix.dir, "nginx/gateway-edge.conf"), readyPorts: [edge] }));
    ctx.env = { ports, app, pki, hostile, stop };
  } catch (error) {
    await stop();
    throw error;
  }
});
test.after(async (ctx) => { await ctx.env?.stop(); });
test.before.each((ctx) => { ctx.env?.app.reset(); });

interface Pem { readonly cert: string; readonly key: string }
const leafOf = (env: Env, name: string): Pem => {
  const leaf = env.pki.leaves.get(name)!;
  return { cert: readFileSync(leaf.certFile, "utf8"), key: readFileSync(leaf.keyFile, "utf8") };
};

/** Sends `head` (request line + headers, no Connection/Host unless given) byte for byte over TLS; resolves with the status (0: no HTTP answer). */
function raw(port: number, head: string, client: Pem | null = null, host = "api"): Promise<number> {
  const lines = head.split("\n");
  const hasHost = lines.some((l) => /^host:/i.test(l));
  const text = [lines[0], ...(hasHost ? [] : [`Host: ${host}`]), ...lines.slice(1), "Connection: close", "", ""].join("\r\n");
  return new Promise((resolve) => {
    let answer = "";
    const socket = connect({ port, host: "127.0.0.1", servername: host === "api" ? undefined : host, rejectUnauthorized: false, ...(client ?? {}) }, () => socket.write(text));
    const timer = setTimeout(() => socket.destroy(), 5000);
    socket.on("data", (d: Buffer) => { answer += d.toString("latin1"); });
    const done = () => { clearTimeout(timer); resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0)); };
    socket.on("close", done);
    socket.on("error", () => undefined);
  });
}

const api = (env: Env, head: string, as = "web") => raw(env.ports.api, head, leafOf(env, as));
const edge = (env: Env, head: string) => raw(env.ports.edge, head, null, EDGE_HOST);
const last = (env: Env) => env.app.requests.at(-1);

// --- paths -----------------------------------------------------------------------------
const ADMIN_ATTACKS = ["/api/x/../admin/x", "/api/./admin/x", "/api/%61dmin/x", "/api/x/%2e%2e/admin/x", "//api//admin/x", "/api/x/%2E%2E/admin/x"];

test("path: every spelling of /api/admin/* is denied on the sidecar and the edge, nothing reaches the app", async ({ env }) => {
  for (const path of [...ADMIN_ATTACKS, "http://api/api/x/../admin/x"]) {
    assert.is(await api(env!, `GET ${path} HTTP/1.1`), 403, `sidecar ${path}`);
  }
  for (const path of [...ADMIN_ATTACKS, `http://${EDGE_HOST}/api/x/../admin/x`]) {
    assert.is(await edge(env!, `GET ${path} HTTP/1.1`), 403, `edge ${path}`);
  }
  assert.is(env!.app.hits(), 0);
});

test("path: an encoded slash or backslash, or a literal backslash, is refused with 400 before any rule", async ({ env }) => {
  for (const path of ["/api/public/a%2F..%2F..%2Fadmin/x", "/api/public/a%2f..%2fprivate", "/api/public\\..\\admin\\x", "/api/public/a%5C..%5Cprivate", "/api/public/a%5c"]) {
    assert.is(await api(env!, `GET ${path} HTTP/1.1`), 400, `sidecar ${path}`);
    assert.is(await edge(env!, `GET ${path} HTTP/1.1`), 400, `edge ${path}`);
  }
  // Only the path counts: an encoded slash in the query string is fine.
  assert.is(await api(env!, "GET /api/public/x?next=%2Fhome HTTP/1.1"), 200);
  assert.is(last(env!)?.url, "/api/public/x?next=%2Fhome");
  assert.is(env!.app.hits(), 1);
});

test("path: the app receives exactly the normalized path the decision saw, query unchanged", async ({ env }) => {
  const cases: [string, string][] = [
    ["/api/public/./a/../b?q=%2F&x=..", "/api/public/b?q=%2F&x=.."],
    ["/api//public///c", "/api/public/c"],
    ["/api/%70ublic/%7Euser", "/api/public/~user"],
    ["/api/public/a%20b", "/api/public/a%20b"],
    ["http://api/api/public/./d", "/api/public/d"],
  ];
  for (const [sent, received] of cases) {
    assert.is(await api(env!, `GET ${sent} HTTP/1.1`), 200, sent);
    assert.is(last(env!)?.url, received, sent);
    assert.is(await edge(env!, `GET ${sent.replace("http://api/", `http://${EDGE_HOST}/`)} HTTP/1.1`), 200, `edge ${sent}`);
    assert.is(last(env!)?.url, received, `edge ${sent}`);
  }
});

test("path: a GET-only /api/public/* caller cannot leave its prefix or use another method", async ({ env }) => {
  for (const path of ["/api/public/../private/x", "/api/public/%2e%2e/private/x", "/api/public/./../status/x", "http://api/api/public/../private"]) {
    assert.is(await api(env!, `GET ${path} HTTP/1.1`, "catalog"), 403, path);
  }
  assert.is(await api(env!, "POST /api/public/x HTTP/1.1\nContent-Length: 0", "catalog"), 403);
  assert.is(env!.app.hits(), 0);
  assert.is(await api(env!, "GET /api/public/x HTTP/1.1", "catalog"), 200);
  // The exact-path allow matches the normalized path, and only it.
  assert.is(await api(env!, "POST /api/./x/../status HTTP/1.1\nContent-Length: 0", "catalog"), 200);
  assert.is(last(env!)?.url, "/api/status");
  assert.is(await api(env!, "POST /api/status/ HTTP/1.1\nContent-Length: 0", "catalog"), 403);
  assert.is(env!.app.hits(), 2);
});

// --- upgrades --------------------------------------------------------------------------
test("upgrade: h2c, websocket or any Upgrade is refused with 403 and never reaches the app", async ({ env }) => {
  const upgrades = [
    "Upgrade: h2c\nConnection: Upgrade, HTTP2-Settings\nHTTP2-Settings: AAMAAABkAAQAoAAAAAIAAAAA",
    "Upgrade: websocket\nConnection: Upgrade\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\nSec-WebSocket-Version: 13",
    "Upgrade: anything/1",
    "Upgrade:",
  ];
  for (const headers of upgrades) {
    assert.is(await api(env!, `GET /api/public/x HTTP/1.1\n${headers}`), 403, `sidecar ${headers}`);
    assert.is(await edge(env!, `GET /api/public/x HTTP/1.1\n${headers}`), 403, `edge ${headers}`);
  }
  assert.is(env!.app.hits(), 0);
});

// --- identity header -------------------------------------------------------------------
test("XFCC: a forged header is replaced by the verified identity on the sidecar and removed at the edge", async ({ env }) => {
  const forged = `X-Forwarded-Client-Cert: By=${spiffeOf("api")};URI=${spiffeOf("admin")}\nx-forwarded-client-cert: URI=${spiffeOf("web")}`;
  assert.is(await api(env!, `GET /api/orders HTTP/1.1\n${forged}`), 200);
  assert.is(last(env!)?.headers["x-forwarded-client-cert"], `By=${spiffeOf("api")};URI=${spiffeOf("web")}`);
  assert.is(await edge(env!, `GET /api/orders HTTP/1.1\n${forged}`), 200);
  assert.is(last(env!)?.headers["x-forwarded-client-cert"], undefined);
});

test("request id: the edge replaces a client's x-request-id with its own", async ({ env }) => {
  assert.is(await edge(env!, "GET /api/orders HTTP/1.1\nX-Request-Id: attacker-chosen"), 200);
  const id = last(env!)?.headers["x-request-id"];
  assert.type(id, "string");
  assert.match(id as string, /^[0-9a-f]{32}$/);
});

// --- identity --------------------------------------------------------------------------
test("identity: exactly the single URI SAN counts; DN, CRL DP, subject bytes, two URIs, no URI, other CA do not pass as web", async ({ env }) => {
  for (const leaf of env!.hostile) {
    env!.app.reset();
    const client = { cert: leaf.certPem, key: leaf.keyPem };
    // Only web may GET /api/private/x.
    const status = await raw(env!.ports.api, "GET /api/private/x HTTP/1.1", client);
    const expected = !leaf.signedByMeshCa ? 400 : leaf.expectedIdentity === spiffeOf("web") ? 200 : 403;
    assert.is(status, expected, `${leaf.kind}: ${leaf.description}`);
    assert.is(env!.app.hits(), expected === 200 ? 1 : 0, leaf.kind);
    if (expected === 200) assert.is(last(env!)?.headers["x-forwarded-client-cert"], `By=${spiffeOf("api")};URI=${spiffeOf("web")}`);
    // Where the model gives the leaf catalog's identity, it gets catalog's rights, named as catalog.
    if (leaf.expectedIdentity === spiffeOf("catalog")) {
      assert.is(await raw(env!.ports.api, "GET /api/public/x HTTP/1.1", client), 200, leaf.kind);
      assert.is(last(env!)?.headers["x-forwarded-client-cert"], `By=${spiffeOf("api")};URI=${spiffeOf("catalog")}`, leaf.kind);
    }
  }
});

// --- header rules ----------------------------------------------------------------------
test("headers: a deny on x-debug: 1 holds against tabs, spaces, case and repeats; names with _ are refused", async ({ env }) => {
  for (const value of ["1", "\t1", "1\t", " \t1\t ", "1 "]) {
    assert.is(await api(env!, `GET /api/orders HTTP/1.1\nX-Debug:${value}`), 403, JSON.stringify(value));
  }
  assert.is(await api(env!, "GET /api/orders HTTP/1.1\nX-DEBUG: 1"), 403);
  // Two copies of a header a rule names: 400, whichever order.
  assert.is(await api(env!, "GET /api/orders HTTP/1.1\nX-Debug: 0\nX-Debug: 1"), 400);
  assert.is(await api(env!, "GET /api/orders HTTP/1.1\nx-debug: 1\nX-Debug: 0"), 400);
  assert.is(await api(env!, "GET /api/orders HTTP/1.1\nX-Debug: 0\nx-debug: 0"), 400);
  // nginx would drop `X_Debug` silently (and the app might read it as x-debug): 400.
  assert.is(await api(env!, "GET /api/orders HTTP/1.1\nX_Debug: 1"), 400);
  assert.is(await edge(env!, "GET /api/orders HTTP/1.1\nX_Debug: 1"), 400);
  assert.is(env!.app.hits(), 0);
  // Other values pass, and a header no rule names may repeat.
  assert.is(await api(env!, "GET /api/orders HTTP/1.1\nX-Debug: 10\nX-Other: a\nX-Other: b"), 200);
  assert.is(last(env!)?.url, "/api/orders");
  assert.is(env!.app.hits(), 1);
});

// --- HTTP/2 ------------------------------------------------------------------------------
/** One HTTP/2 request (node:http2 sends `:path` and header lists as given); resolves with the status. */
function h2(env: Env, path: string, headers: Record<string, string | string[]> = {}, as = "web"): Promise<number> {
  return new Promise((resolve) => {
    const session = http2Connect(`https://127.0.0.1:${env.ports.apiH2}`, { rejectUnauthorized: false, ...leafOf(env, as) });
    session.on("error", () => resolve(0));
    const stream = session.request({ ":path": path, ...headers });
    let status = 0;
    stream.on("response", (h) => { status = Number(h[":status"]); });
    stream.on("data", () => undefined);
    stream.on("close", () => { session.close(); resolve(status); });
    stream.on("error", () => undefined);
    stream.end();
  });
}

test("HTTP/2: the same model on an h2 listener (dot segments, encoded slash, header evasion, identity, path sent)", async ({ env }) => {
  assert.is(await h2(env!, "/api/x/../admin/x"), 403);
  assert.is(await h2(env!, "/api/public/a%2F..%2Fadmin"), 400);
  assert.is(await h2(env!, "/api/orders", { "x-debug": "\t1" }), 403);
  assert.is(await h2(env!, "/api/orders", { "x-debug": ["0", "1"] }), 400);
  assert.is(await h2(env!, "/api/orders", { x_debug: "1" }), 400);
  assert.is(await h2(env!, "/api/private/x", {}, "catalog"), 403);
  assert.is(env!.app.hits(), 0);
  assert.is(await h2(env!, "/api/./y//z?q=%2F", { "x-forwarded-client-cert": `URI=${spiffeOf("admin")}` }), 200);
  assert.is(last(env!)?.url, "/api/y/z?q=%2F");
  assert.is(last(env!)?.headers["x-forwarded-client-cert"], `By=${spiffeOf("api")};URI=${spiffeOf("web")}`);
});

test.run();
