// Real traffic through a running haproxy on 127.0.0.1, built from test/fixtures/ir/haproxy-e2e.ts.
// One proxy and five upstreams for the whole suite; everything stopped by pid in `after`.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { haproxy } from "../../targets/haproxy/index.ts";
import { E2E_IDENTITIES, E2E_UPSTREAMS, haproxyE2eIR, type E2ePorts, type E2eUpstream } from "../fixtures/ir/haproxy-e2e.ts";
import { freePorts } from "../support/ports.ts";
import { makeTempPrefix, startHaproxy, type RunningProcess } from "../support/procs.ts";
import { startUpstream, closeAll, type Upstream } from "../support/upstreams.ts";
import { writeMeshPki, type MeshPki } from "../support/pki.ts";
import { writeHaproxyBundles } from "../support/haproxy-certs.ts";
import { writeHaproxyProxy } from "../support/haproxy-files.ts";
import { send, sendMany, type ClientRequest } from "../support/client.ts";

interface Ctx { prefix: { dir: string; remove(): void }; proxy: RunningProcess; ups: Map<E2eUpstream, Upstream>; ports: E2ePorts; pki: MeshPki }
const e2e = suite<Ctx>("haproxy end-to-end");

e2e.before(async (ctx) => {
  try { await setUp(ctx); } catch (error) { console.error("set-up failed:", error); throw error; }
});

async function setUp(ctx: Ctx) {
  ctx.prefix = makeTempPrefix("haproxy-e2e");
  ctx.ups = new Map();
  for (const name of E2E_UPSTREAMS) ctx.ups.set(name, await startUpstream({ name }));
  const [outbound, inbound, limited, admin, metrics] = await freePorts(5);
  ctx.ports = { outbound, inbound, limited, admin, metrics };
  const upstreamPorts = Object.fromEntries([...ctx.ups].map(([n, u]) => [n, u.port])) as Record<E2eUpstream, number>;
  const ir = haproxyE2eIR(ctx.prefix.dir, ctx.ports, upstreamPorts);
  const { files, diagnostics } = haproxy.emit(ir);
  assert.equal(diagnostics, []);
  ctx.pki = await writeMeshPki(ir.runtime.certDir, E2E_IDENTITIES);
  writeHaproxyBundles(ctx.pki);
  const configFile = writeHaproxyProxy(join(ctx.prefix.dir, "conf"), files, "edge");
  ctx.proxy = await startHaproxy({ prefix: ctx.prefix.dir, configFile, readyPorts: [outbound, inbound, limited], timeoutMs: 10_000 });
}

e2e.after(async (ctx) => {
  await ctx.proxy?.stop();
  await closeAll(ctx.ups?.values() ?? []);
  ctx.prefix?.remove();
});

e2e.before.each((ctx) => { for (const u of ctx.ups.values()) u.reset(); });

const out = (ctx: Ctx, path: string, extra: Partial<ClientRequest> = {}): ClientRequest =>
  ({ url: `http://127.0.0.1:${ctx.ports.outbound}${path}`, ...extra, headers: { host: "catalog", ...(extra.headers ?? {}) } });

e2e("routes by path and header; unknown paths get 404; direct response is byte-exact", async (ctx) => {
  const canary = await send(out(ctx, "/api/x", { headers: { "x-canary": "1" } }));
  assert.is(canary.body, "v2");
  const missing = await send(out(ctx, "/nope"));
  assert.is(missing.status, 404);
  const direct = await send(out(ctx, "/direct"));
  assert.is(direct.status, 200);
  assert.is(direct.body, "direct \"body\" $HOME %[path] \\");
  assert.is(ctx.ups.get("v1")!.hits() + ctx.ups.get("v2")!.hits(), 1);
});

e2e("90/10 split over 1,000 requests stays within 4 standard deviations", async (ctx) => {
  const answers = await sendMany(1000, () => out(ctx, "/api/list"), 16);
  const v2 = answers.filter((a) => a.body === "v2").length;
  const v1 = answers.filter((a) => a.body === "v1").length;
  assert.is(v1 + v2, 1000);
  // Binomial(1000, 0.1): sd = 9.5.
  assert.ok(v2 >= 62 && v2 <= 138, `v2 got ${v2}`);
  assert.is(answers[0].headers["x-route"], "split 90%");
  console.log(`    split measured: v1=${v1} v2=${v2}`);
});

e2e("a retry turns one 503 into a 200 (two upstream hits)", async (ctx) => {
  const flaky = ctx.ups.get("flaky")!;
  flaky.failNext(1);
  const res = await send(out(ctx, "/retry"));
  assert.is(res.status, 200);
  assert.is(flaky.hits(), 2);
});

e2e("idempotentOnly: a POST is not retried; without it, it is", async (ctx) => {
  const flaky = ctx.ups.get("flaky")!;
  flaky.failNext(1);
  const once = await send(out(ctx, "/retry", { method: "POST", body: "x" }));
  assert.is(once.status, 503);
  assert.is(flaky.hits(), 1);
  flaky.reset();
  flaky.failNext(1);
  const retried = await send(out(ctx, "/retry-post", { method: "POST", body: "x" }));
  assert.is(retried.status, 200);
  assert.is(flaky.hits(), 2);
});

e2e("route timeout: 504 after the timeout; with retries each attempt gets the per-try timeout", async (ctx) => {
  const slow = ctx.ups.get("slow")!;
  slow.delayNext(3000, Infinity);
  const plain = await send(out(ctx, "/slow"));
  assert.is(plain.status, 504);
  assert.ok(plain.elapsedMs >= 450 && plain.elapsedMs < 1500, `took ${plain.elapsedMs}`);
  slow.reset();
  slow.delayNext(3000, Infinity);
  const retried = await send(out(ctx, "/slow-retry"));
  assert.is(retried.status, 504);
  assert.is(slow.hits(), 3);
  // Documented: no whole-route deadline in HAProxy; 3 attempts x 300 ms per try.
  assert.ok(retried.elapsedMs >= 850 && retried.elapsedMs < 2500, `took ${retried.elapsedMs}`);
  console.log(`    timeout measured: ${Math.round(plain.elapsedMs)} ms plain, ${Math.round(retried.elapsedMs)} ms with 2 retries of 300 ms`);
  slow.reset();
});

const inbound = (ctx: Ctx, path: string, who: "web" | "catalog" | "none"): ClientRequest => {
  const base = { url: `https://127.0.0.1:${ctx.ports.inbound}${path}`, ca: ctx.pki.ca.certPem, servername: "edge", timeoutMs: 5000 };
  if (who === "none") return base;
  const pair = ctx.pki.leaves.get(who)!.pair;
  return { ...base, cert: pair.certPem, key: pair.keyPem };
};

e2e("mTLS: a mesh certificate passes; none, or a foreign CA's, is refused in the handshake", async (ctx) => {
  const ok = await send(inbound(ctx, "/allowed", "web"));
  assert.is(ok.status, 200);
  const none = await send(inbound(ctx, "/allowed", "none"));
  assert.is(none.status, 0);
  const foreignLeaf = ctx.pki.foreign.leaves.get("web")!;
  const foreign = await send({ ...inbound(ctx, "/allowed", "none"), cert: readFileSync(foreignLeaf.certFile, "utf8"), key: readFileSync(foreignLeaf.keyFile, "utf8") });
  assert.is(foreign.status, 0);
  assert.is(ctx.ups.get("local")!.hits(), 1);
});

e2e("authorization: right identity and path 200; wrong identity, method or denied path 403", async (ctx) => {
  assert.is((await send(inbound(ctx, "/allowed/x", "web"))).status, 200);
  assert.is((await send(inbound(ctx, "/allowed/x", "catalog"))).status, 403);
  assert.is((await send({ ...inbound(ctx, "/allowed/x", "web"), method: "POST", body: "x" })).status, 403);
  assert.is((await send(inbound(ctx, "/admin", "web"))).status, 403, "deny wins over allow");
  assert.is((await send(inbound(ctx, "/elsewhere", "web"))).status, 403, "default deny");
  assert.is(ctx.ups.get("local")!.hits(), 1);
});

e2e("rate limit: 429 past 5 requests in a second; refused requests never reach the upstream", async (ctx) => {
  const answers = [];
  for (let i = 0; i < 9; i++) answers.push(await send({ url: `http://127.0.0.1:${ctx.ports.limited}/` }));
  const statuses = answers.map((a) => a.status);
  assert.equal(statuses.slice(0, 5), [200, 200, 200, 200, 200]);
  assert.equal(statuses.slice(5), [429, 429, 429, 429]);
  assert.is(ctx.ups.get("local")!.hits(), 5);
});

e2e.run();
