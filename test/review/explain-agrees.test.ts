// `explain` against the real proxies: a small mesh compiled in memory, the `web` sidecar's
// generated nginx and HAProxy configs run unchanged (one at a time) in a temp prefix, and
// for each request we compare what explain says (route, backends, status, body) with what
// actually happened (which upstream answered, the status the caller got, the path the
// upstream saw). The catalog upstreams stand in for catalog's sidecar: HTTPS servers with
// the catalog identity's certificate, asking for (and recording) the caller's certificate,
// since the web sidecar speaks mTLS to catalog (mesh mode).
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { compile, explain, type Explanation } from "../../compiler/testing.ts";
import type { MeshIR } from "../../compiler/ir/types.ts";
import { combinedPemPath } from "../../compiler/ir/paths.ts";
import { send, sendMany, type ClientRequest, type ClientResponse } from "../support/client.ts";
import { writeMeshPki, type MeshPki } from "../support/pki.ts";
import { freePorts } from "../support/ports.ts";
import { makeTempPrefix, startHaproxy, startNginx, type RunningProcess } from "../support/procs.ts";
import { closeAll, startUpstream, type Upstream } from "../support/upstreams.ts";

interface Ports { outbound: number; admin: number; webInbound: number; webApp: number; v1: number; v2: number }

/** The mesh under test: a caller, a versioned service, a canary ahead of a split, a direct response, a redirect. */
function meshConfig(p: Ports) {
  return {
    name: "agree",
    trustDomain: "agree.example.com",
    namespace: "agree",
    defaults: { outboundPort: p.outbound, adminPort: p.admin, authorization: "deny" },
    observability: { metricsPort: false, accessLog: false },
    services: {
      web: { ports: { http: { port: p.webInbound, protocol: "http", targetPort: p.webApp } }, endpoints: ["127.0.0.1"] },
      catalog: {
        ports: { http: { port: 8080, protocol: "http" } },
        versions: { v1: { endpoints: [`127.0.0.1:${p.v1}`] }, v2: { endpoints: [`127.0.0.1:${p.v2}`] } },
      },
    },
    routes: [
      { name: "catalog-canary", from: "web", to: "catalog", match: { path: { prefix: "/api/catalog" }, headers: { "x-canary": "1" } }, split: { v2: 100 } },
      { name: "catalog-split", from: "web", to: "catalog", match: { path: { prefix: "/api/catalog" } }, split: { v1: 90, v2: 10 } },
      { name: "catalog-gone", from: "web", to: "catalog", match: { path: { exact: "/gone" } }, directResponse: { status: 410, body: "catalog is gone" } },
      { name: "catalog-moved", from: "web", to: "catalog", match: { path: { exact: "/old-catalog" } }, redirect: { path: "/api/catalog", status: 301 } },
    ],
    authorization: [
      { name: "web-reads-catalog", allow: { from: ["web"], to: "catalog", methods: ["GET", "HEAD"] } },
    ],
  };
}

interface Ctx {
  prefix: { dir: string; remove(): void };
  ports: Ports;
  ir: MeshIR;
  files: ReadonlyMap<string, string>;
  pki: MeshPki;
  ups: Map<"v1" | "v2", Upstream>;
}

const agree = suite<Ctx>("explain agrees with nginx and HAProxy");

agree.before(async (ctx) => {
  try { await setUp(ctx); } catch (error) { console.error("set-up failed:", error); throw error; }
});

async function setUp(ctx: Ctx) {
  ctx.prefix = makeTempPrefix("explain-agrees");
  ctx.ups = new Map();
  const [outbound, admin, webInbound, webApp, v1, v2] = await freePorts(6);
  ctx.ports = { outbound, admin, webInbound, webApp, v1, v2 };
  const runtime = { certDir: join(ctx.prefix.dir, "certs"), runDir: join(ctx.prefix.dir, "run"), logDir: join(ctx.prefix.dir, "logs") };
  const result = await compile(meshConfig(ctx.ports), { targets: ["nginx", "haproxy"], runtime });
  assert.equal(result.errors, [], JSON.stringify(result.diagnostics, null, 2));
  ctx.ir = result.ir!;
  ctx.files = result.files;
  assert.equal(ctx.ir.runtime, runtime);
  for (const dir of [runtime.runDir, runtime.logDir]) mkdirSync(dir, { recursive: true });

  ctx.pki = await writeMeshPki(runtime.certDir, ctx.ir.infra.identities);
  // HAProxy's `crt` file, named as the IR's certificate path says: cert then key.
  for (const leaf of ctx.pki.leaves.values()) {
    writeFileSync(combinedPemPath(leaf.certFile), leaf.pair.certPem + "\n" + leaf.pair.keyPem, { mode: 0o600 });
  }
  const catalog = ctx.pki.leaves.get("catalog")!.pair;
  for (const [name, port] of [["v1", v1], ["v2", v2]] as const) {
    ctx.ups.set(name, await startUpstream({ name, port, tls: { cert: catalog.certPem, key: catalog.keyPem, ca: ctx.pki.ca.certPem, requestCert: true } }));
  }
}

agree.after(async (ctx) => {
  await closeAll(ctx.ups?.values() ?? []);
  ctx.prefix?.remove();
});

agree.before.each((ctx) => { for (const u of ctx.ups.values()) u.reset(); });

/** Requests compared one by one (the split gets its own, statistical check). */
const CASES: readonly { label: string; path: string; headers?: Record<string, string> }[] = [
  { label: "canary header", path: "/api/catalog/items", headers: { "x-canary": "1" } },
  { label: "canary header, other value", path: "/api/catalog/items", headers: { "x-canary": "10" } },
  { label: "prefix without a segment boundary", path: "/api/catalogue", headers: { "x-canary": "1" } },
  { label: "unmatched path", path: "/nope" },
  { label: "unmatched path with the canary header", path: "/nope", headers: { "x-canary": "1" } },
  { label: "direct response", path: "/gone" },
  { label: "direct response, query ignored by the exact match", path: "/gone?x=1" },
  { label: "redirect", path: "/old-catalog" },
];

const webExplain = (ir: MeshIR, path: string, headers: Record<string, string> = {}): Explanation =>
  explain(ir, { from: "web", to: "catalog", method: "GET", path, headers });

const outbound = (ctx: Ctx, path: string, headers: Record<string, string> = {}): ClientRequest =>
  ({ url: `http://127.0.0.1:${ctx.ports.outbound}${path}`, headers: { host: "catalog", ...headers }, timeoutMs: 5000 });

function forwardOf(e: Explanation) {
  if (e.action?.kind !== "forward") throw new Error(`expected a forward, explain says ${e.outcome}`);
  return e.action;
}

/** One request: explain's word against the proxy's deed. Returns a line for the log. */
function compareOne(ctx: Ctx, proxy: string, label: string, e: Explanation, res: ClientResponse): string {
  const where = `${proxy}: ${label} (explain: ${e.outcome}, route ${e.route?.name ?? "none"})`;
  assert.is(res.error, null, `${where}: ${res.error}`);
  const hits = [...ctx.ups.values()].flatMap((u) => u.requests.map((r) => ({ name: u.name, ...r })));
  if (e.outcome === "allowed") {
    const action = forwardOf(e);
    const subsets = action.backends.filter((b) => b.weight > 0).map((b) => b.subset);
    assert.is(e.status, null, `${where}: explain gives no proxy status for a forward`);
    assert.is(res.status, 200, `${where}: status`);
    assert.is(hits.length, 1, `${where}: exactly one upstream hit, got ${hits.map((h) => h.name)}`);
    assert.ok(subsets.includes(hits[0].name), `${where}: ${hits[0].name} answered, explain allows ${subsets}`);
    assert.is(res.body, hits[0].name, `${where}: body`);
    assert.is(hits[0].url.split("?")[0], action.upstreamPath.split("?")[0], `${where}: path the upstream saw`);
    // The web sidecar presented the web identity's certificate (mTLS, as explain's caller principal says).
    const web = ctx.ir.proxies.find((p) => p.name === "web")!.identity;
    assert.is(e.destinations[0]?.callerPrincipal, web.spiffeId, `${where}: caller principal`);
    assert.match(hits[0].peerSubject ?? "", `CN=${web.subject.commonName}`, `${where}: client certificate`);
    return `${label}: ${e.route?.name} -> ${hits[0].name} (explain: ${action.backends.map((b) => `${b.subset} ${b.weight}`).join(", ")})`;
  }
  assert.is(hits.length, 0, `${where}: the proxy answers itself, yet ${hits.map((h) => h.name)} was hit`);
  assert.is(res.status, e.status, `${where}: status`);
  if (e.action?.kind === "direct") assert.is(res.body, e.action.body ?? "", `${where}: body`);
  if (e.action?.kind === "redirect") assert.is(res.headers.location, e.action.location, `${where}: location`);
  return `${label}: ${e.outcome} ${e.status} (proxy: ${res.status}${e.action?.kind === "redirect" ? `, location ${String(res.headers.location)} vs explain ${e.action.location}` : ""})`;
}

async function compareAll(ctx: Ctx, proxy: string) {
  const lines: string[] = [];
  for (const c of CASES) {
    for (const u of ctx.ups.values()) u.reset();
    const e = webExplain(ctx.ir, c.path, c.headers);
    const res = await send(outbound(ctx, c.path, c.headers));
    lines.push(compareOne(ctx, proxy, c.label, e, res));
  }

  // The split: explain says 90/10 over v1/v2; the proxy must only ever pick those two, mostly v1.
  for (const u of ctx.ups.values()) u.reset();
  const e = webExplain(ctx.ir, "/api/catalog/list");
  assert.is(e.route?.name, "catalog-split");
  const weights = Object.fromEntries(forwardOf(e).backends.map((b) => [b.subset, b.weight]));
  assert.equal(weights, { v1: 90, v2: 10 });
  const N = 200;
  const answers = await sendMany(N, () => outbound(ctx, "/api/catalog/list"), 8);
  const count = (name: string) => answers.filter((a) => a.status === 200 && a.body === name).length;
  const v1 = count("v1"), v2 = count("v2");
  assert.is(v1 + v2, N, `${proxy}: every split request answered by v1 or v2 (${answers.filter((a) => a.body !== "v1" && a.body !== "v2").map((a) => `${a.status} ${a.body} ${a.error}`).slice(0, 3)})`);
  assert.is(ctx.ups.get("v1")!.hits() + ctx.ups.get("v2")!.hits(), N, `${proxy}: one upstream hit per request`);
  assert.ok(v1 > v2 && v2 > 0, `${proxy}: v1=${v1} v2=${v2}`);
  // Binomial(200, 0.1): mean 20, sd 4.2; [4, 45] is far beyond 3 sd on either side.
  assert.ok(v2 >= 4 && v2 <= 45, `${proxy}: v2 got ${v2} of ${N}, explain says ${weights.v2}%`);
  lines.push(`90/10 split over ${N}: v1=${v1} v2=${v2}`);
  console.log(`    ${proxy}:\n      ${lines.join("\n      ")}`);
}

function writeConfig(ctx: Ctx, bundlePath: string): string {
  const content = ctx.files.get(bundlePath);
  if (content === undefined) throw new Error(`no ${bundlePath} in the bundle: ${[...ctx.files.keys()]}`);
  const file = join(ctx.prefix.dir, bundlePath);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, content);
  // An HAProxy config loads its Lua identity converter from beside itself.
  const lua = ctx.files.get(bundlePath.replace(/\.cfg$/, ".lua"));
  if (bundlePath.endsWith(".cfg") && lua !== undefined) writeFileSync(file.replace(/\.cfg$/, ".lua"), lua);
  return file;
}

agree("explain's own answers for the cases (sanity: the cases cover what they claim)", (ctx) => {
  const outcome = (path: string, headers?: Record<string, string>) => webExplain(ctx.ir, path, headers);
  assert.is(outcome("/api/catalog/items", { "x-canary": "1" }).route?.name, "catalog-canary");
  assert.equal(forwardOf(outcome("/api/catalog/items", { "x-canary": "1" })).backends.map((b) => [b.subset, b.weight]), [["v2", 100]]);
  assert.is(outcome("/api/catalog/items", { "x-canary": "10" }).route?.name, "catalog-split");
  assert.is(outcome("/api/catalog/items").destinations[0]?.authorization?.decidedBy?.name, "web-reads-catalog");
  assert.is(outcome("/nope").outcome, "no-route");
  assert.is(outcome("/nope").status, 404);
  assert.is(outcome("/gone").outcome, "direct-response");
  assert.is(outcome("/gone").status, 410);
  assert.is(outcome("/old-catalog").outcome, "redirect");
  assert.is(outcome("/old-catalog").status, 301);
});

agree("nginx: the web sidecar does what explain says", async (ctx) => {
  writeConfig(ctx, "nginx/web.js"); // the njs module (request model) the conf imports from beside itself
  const configFile = writeConfig(ctx, "nginx/web.conf");
  let proxy: RunningProcess | null = null;
  try {
    proxy = await startNginx({ prefix: ctx.prefix.dir, configFile, readyPorts: [ctx.ports.outbound], timeoutMs: 10_000 });
    await compareAll(ctx, "nginx");
  } finally {
    await proxy?.stop();
  }
});

agree("haproxy: the web sidecar does what explain says", async (ctx) => {
  const configFile = writeConfig(ctx, "haproxy/web.cfg");
  let proxy: RunningProcess | null = null;
  try {
    proxy = await startHaproxy({ prefix: ctx.prefix.dir, configFile, readyPorts: [ctx.ports.outbound], timeoutMs: 10_000 });
    await compareAll(ctx, "haproxy");
  } finally {
    await proxy?.stop();
  }
});

agree.run();
