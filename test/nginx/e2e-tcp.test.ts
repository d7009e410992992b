// TCP listeners through running nginx (stream module) built from the generated configs:
// web's outbound TCP forward reaches a plain echo behind the ledger sidecar over mesh mTLS
// (bytes in = bytes out), a 90/10 split reaches both TLS backends per connection, and the
// ledger sidecar's strict mTLS + authorization by identity closes refused connections.
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { nginx } from "../../targets/nginx/index.ts";
import { STREAM_MODULE_PATH } from "../../targets/nginx/view/stream.ts";
import { writeMeshPki, type MeshPki } from "../support/pki.ts";
import { freePorts } from "../support/ports.ts";
import { makeTempPrefix, startNginx, type RunningProcess } from "../support/procs.ts";
import { exchange, startEcho, type EchoServer } from "./tcp-echo.ts";
import { buildTcpIR, tcpIdentities, type TcpPorts } from "./tcp-fixture.ts";

interface Env {
  readonly ports: TcpPorts;
  readonly pki: MeshPki;
  readonly logDir: string;
  readonly echo: { local: EchoServer; v1: EchoServer; v2: EchoServer };
  stop(): Promise<void>;
}

async function startTcpE2e(): Promise<Env> {
  const prefix = makeTempPrefix("nginx-tcp");
  const echoes: EchoServer[] = [];
  const proxies: RunningProcess[] = [];
  const stop = async () => {
    await Promise.all(proxies.map((p) => p.stop()));
    await Promise.all(echoes.map((e) => e.close()));
    prefix.remove();
  };
  try {
    const [webSingle, webSplit, ledgerInbound, local, v1, v2, webAdmin, ledgerAdmin] = await freePorts(8);
    const ports: TcpPorts = { webSingle, webSplit, ledgerInbound, local, v1, v2, admin: { web: webAdmin, ledger: ledgerAdmin } };
    const ir = buildTcpIR(prefix.dir, ports);
    const pki = await writeMeshPki(ir.runtime.certDir, tcpIdentities(ir.runtime.certDir));
    for (const dir of [ir.runtime.runDir, ir.runtime.logDir, join(prefix.dir, "nginx")]) mkdirSync(dir, { recursive: true });
    const emitted = nginx.emit(ir);
    const errors = emitted.diagnostics.filter((d) => d.severity === "error");
    if (errors.length > 0) throw new Error(JSON.stringify(errors));
    for (const file of emitted.files) writeFileSync(join(prefix.dir, file.path), file.content);
    const ledger = pki.leaves.get("ledger")!.pair;
    const tls = { cert: ledger.certPem, key: ledger.keyPem, ca: pki.ca.certPem };
    echoes.push(await startEcho({ name: "local", port: local }), await startEcho({ name: "v1", port: v1, tls }), await startEcho({ name: "v2", port: v2, tls }));
    proxies.push(await startNginx({ prefix: prefix.dir, configFile: join(prefix.dir, "nginx/ledger.conf"), readyPorts: [ledgerInbound] }));
    proxies.push(await startNginx({ prefix: prefix.dir, configFile: join(prefix.dir, "nginx/web.conf"), readyPorts: [webSingle, webSplit] }));
    // The readiness probes on web's ports are real connections that nginx forwards on its
    // own schedule: let them land, then start counting from zero.
    await new Promise((r) => setTimeout(r, 300));
    for (const e of echoes) e.reset();
    const [l, a, b] = echoes;
    return { ports, pki, logDir: ir.runtime.logDir, echo: { local: l, v1: a, v2: b }, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

const test = suite<{ env: Env | null }>("nginx e2e tcp", { env: null });
test.before(async (ctx) => {
  assert.ok(existsSync(STREAM_MODULE_PATH), `${STREAM_MODULE_PATH} missing: apt-get install -y libnginx-mod-stream`);
  ctx.env = await startTcpE2e();
});
test.after(async (ctx) => { await ctx.env?.stop(); });
test.before.each((ctx) => { for (const e of Object.values(ctx.env!.echo)) e.reset(); });

/** A TLS client straight to the ledger sidecar's inbound port, as `identity` (null: no certificate). */
function asIdentity(env: Env, identity: string | null, foreign = false) {
  const base = { ca: env.pki.ca.certPem, servername: "ledger.shop.svc.cluster.local" };
  if (identity === null) return base;
  const leaf = (foreign ? env.pki.foreign.leaves : env.pki.leaves).get(identity)!;
  return { ...base, cert: readFileSync(leaf.certFile, "utf8"), key: readFileSync(leaf.keyFile, "utf8") };
}

test("TCP forward: 256 KiB of random bytes come back unchanged through web -> ledger sidecar (mesh mTLS) -> echo", async ({ env }) => {
  const payload = randomBytes(256 * 1024);
  const result = await exchange({ port: env!.ports.webSingle, send: payload, timeoutMs: 5000 });
  assert.is(result.error, null);
  assert.ok(result.received.equals(payload), `received ${result.received.length} bytes`);
  assert.is(env!.echo.local.connections(), 1);
});

test("TCP split 90/10: each connection draws anew, both backends are reached, each sees web's certificate", async ({ env }) => {
  const total = 1000;
  const results: boolean[] = [];
  let next = 0;
  const worker = async () => {
    while (next < total) {
      next++;
      const r = await exchange({ port: env!.ports.webSplit, send: Buffer.from("ping\n"), timeoutMs: 5000 });
      results.push(r.received.toString() === "ping\n");
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: 20 }, worker));
  const elapsed = performance.now() - started;
  const v1 = env!.echo.v1.connections();
  const v2 = env!.echo.v2.connections();
  console.log(`  tcp split 90/10 over ${total} connections: v1=${v1} v2=${v2} in ${elapsed.toFixed(0)} ms`);
  assert.is(results.filter(Boolean).length, total);
  assert.is(v1 + v2, total);
  // Binomial(1000, 0.1): mean 100, sd 9.5; 60..140 is beyond 4 sd.
  assert.ok(v2 >= 60 && v2 <= 140, `v2=${v2}`);
  assert.equal(new Set([...env!.echo.v1.peers(), ...env!.echo.v2.peers()]), new Set(["web"]));
});

test("inbound strict mTLS + authorization: web passes; payments (deny rule), catalog (allow with a method) and no/foreign certificate are closed unproxied", async ({ env }) => {
  const port = env!.ports.ledgerInbound;
  const bytes = Buffer.from("hello ledger\n");
  const web = await exchange({ port, send: bytes, tls: asIdentity(env!, "web") });
  assert.is(web.received.toString(), bytes.toString());
  assert.is(env!.echo.local.connections(), 1);
  for (const [who, foreign] of [["payments", false], ["catalog", false], [null, false], ["web", true]] as const) {
    const r = await exchange({ port, send: bytes, tls: asIdentity(env!, who, foreign), timeoutMs: 3000 });
    assert.is(r.received.length, 0, `${who}${foreign ? " (foreign CA)" : ""} got bytes back`);
    assert.ok(r.closed, `${who}${foreign ? " (foreign CA)" : ""}: connection not closed (${r.error})`);
  }
  assert.is(env!.echo.local.connections(), 1);
});

test("stream access log: one JSON line per connection with connection fields only", async ({ env }) => {
  await exchange({ port: env!.ports.webSingle, send: Buffer.from("log me\n") });
  // nginx writes the stream log line when the session ends; give it a moment, bounded.
  const file = join(env!.logDir, "nginx-web.access.log");
  let lines: Record<string, string>[] = [];
  for (let i = 0; i < 40 && lines.length === 0; i++) {
    await new Promise((r) => setTimeout(r, 50));
    if (existsSync(file)) lines = readFileSync(file, "utf8").trim().split("\n").filter(Boolean).map((l) => JSON.parse(l));
  }
  assert.ok(lines.length > 0, "no access log lines");
  const last = lines[lines.length - 1];
  assert.equal(Object.keys(last), ["start_time", "duration_ms", "bytes_received", "bytes_sent", "upstream"]);
  assert.match(last.duration_ms, /^[0-9]+$/);
  assert.match(last.upstream, /^127\.0\.0\.1:[0-9]+$/);
});

test.run();
