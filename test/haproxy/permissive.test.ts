// Permissive mTLS through a running haproxy on 127.0.0.1: TLS (client certificate
// optional) and plain text on the same port, one set of routing, authorization and
// rate-limit rules for both. Built from test/fixtures/ir/haproxy-e2e.ts with the listeners
// replaced; everything stopped by pid in `after`.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { Duplex } from "node:stream";
import { connect as tlsConnect } from "node:tls";
import { join } from "node:path";
import { haproxy } from "../../targets/haproxy/index.ts";
import { haproxyVerifier } from "../../targets/haproxy/verify.ts";
import type { AuthzRuleIR, HttpListenerIR, ListenerIR, MeshIR, TcpListenerIR } from "../../compiler/ir/types.ts";
import { E2E_IDENTITIES, E2E_UPSTREAMS, haproxyE2eIR, spiffeOf, type E2eUpstream } from "../fixtures/ir/haproxy-e2e.ts";
import { sampleIR } from "../fixtures/ir/sample.ts";
import { freePorts } from "../support/ports.ts";
import { makeTempPrefix, startHaproxy, type RunningProcess } from "../support/procs.ts";
import { startUpstream, closeAll, type Upstream } from "../support/upstreams.ts";
import { writeMeshPki, type MeshPki } from "../support/pki.ts";
import { writeHaproxyBundles } from "../support/haproxy-certs.ts";
import { writeHaproxyProxy } from "../support/haproxy-files.ts";
import { send, type ClientRequest } from "../support/client.ts";

type Mutable<T> = { -readonly [K in keyof T]: Mutable<T[K]> };
interface Ports { strict: number; mixed: number; limited: number; tcp: number; direct: number }
interface Ctx { prefix: { dir: string; remove(): void }; proxy: RunningProcess; ups: Map<E2eUpstream, Upstream>; ports: Ports; pki: MeshPki; ir: MeshIR }

const principal = (name: string) => ({ name, spiffeId: spiffeOf(name), subject: { commonName: name, organizationalUnit: "e2e", organization: "e2e.example.com" } });
const rule = (name: string, action: "allow" | "deny", principals: string[] | null, paths: string[]): Mutable<AuthzRuleIR> => ({
  name, origin: `authorization.${name}`, action, principals: principals?.map(principal) ?? null, methods: [],
  paths: paths.map((value) => ({ kind: "prefix" as const, value })), headers: [],
});

/** The fixture's edge proxy with its strict listener kept and permissive HTTP and TCP listeners added. */
function permissiveIR(prefix: string, ports: Ports, admin: number, metrics: number, upstreams: Record<E2eUpstream, number>): MeshIR {
  const ir = haproxyE2eIR(prefix, { outbound: ports.direct, inbound: ports.strict, limited: ports.limited, admin, metrics }, upstreams) as Mutable<MeshIR>;
  const edge = ir.proxies[0];
  const strict = edge.listeners.find((l) => l.name === "inbound") as Mutable<HttpListenerIR>;
  const tls = { ...strict.tls!, mode: "permissive" as const };
  const vhost = (route: string) => [{ name: "any", domains: ["*"], routes: [{ ...strict.virtualHosts[0].routes[0], name: route, origin: `routes.${route}` }] }];
  const http = (name: string, port: number, extra: Partial<Mutable<HttpListenerIR>>): Mutable<HttpListenerIR> =>
    ({ ...strict, name, port, tls, authorization: null, rateLimit: null, origin: `services.edge.ports.${name}`, virtualHosts: vhost(`${name}-local`), ...extra });
  const tcp: Mutable<TcpListenerIR> = {
    kind: "tcp", name: "mixed-tcp", direction: "inbound", address: "127.0.0.1", port: ports.tcp, tls: { ...tls, ciphers: [...tls.ciphers] },
    authorization: { defaultAction: "deny", rules: [rule("no-catalog", "deny", ["catalog"], []), rule("anyone", "allow", null, [])] },
    rateLimit: null, origin: "services.edge.ports.tcp", backends: [{ cluster: "local", weight: 100 }], idleTimeoutMs: 5000, connectTimeoutMs: 1000,
  };
  edge.listeners = [
    strict,
    // Deny first: /admin for everyone, /open for catalog; /secure for web only; /open and /admin for any peer.
    http("mixed", ports.mixed, { authorization: { defaultAction: "deny", rules: [
      rule("no-admin", "deny", null, ["/admin"]), rule("no-catalog-open", "deny", ["catalog"], ["/open"]),
      rule("web-secure", "allow", ["web"], ["/secure"]), rule("anyone-open", "allow", null, ["/open", "/admin"]),
    ] } }),
    http("mixed-limited", ports.limited, { rateLimit: { requests: 5, windowMs: 1000, burst: 0, origin: "services.edge.rateLimit" } }),
    tcp,
    // The same routes in plain text without the dispatcher, to measure what the relay costs.
    http("direct", ports.direct, { tls: null }),
  ] as Mutable<ListenerIR>[];
  return ir as MeshIR;
}

const e2e = suite<Ctx>("haproxy permissive mTLS end-to-end");

e2e.before(async (ctx) => {
  try { await setUp(ctx); } catch (error) { console.error("set-up failed:", error); throw error; }
});

async function setUp(ctx: Ctx) {
  ctx.prefix = makeTempPrefix("haproxy-permissive");
  ctx.ups = new Map();
  for (const name of E2E_UPSTREAMS) ctx.ups.set(name, await startUpstream({ name }));
  const [strict, mixed, limited, tcp, direct, admin, metrics] = await freePorts(7);
  ctx.ports = { strict, mixed, limited, tcp, direct };
  const upstreamPorts = Object.fromEntries([...ctx.ups].map(([n, u]) => [n, u.port])) as Record<E2eUpstream, number>;
  ctx.ir = permissiveIR(ctx.prefix.dir, ctx.ports, admin, metrics, upstreamPorts);
  const { files, diagnostics } = haproxy.emit(ctx.ir);
  assert.equal(diagnostics, []);
  ctx.pki = await writeMeshPki(ctx.ir.runtime.certDir, E2E_IDENTITIES);
  writeHaproxyBundles(ctx.pki);
  const configFile = writeHaproxyProxy(join(ctx.prefix.dir, "conf"), files, "edge");
  ctx.proxy = await startHaproxy({ prefix: ctx.prefix.dir, configFile, readyPorts: [strict, mixed, limited, tcp, direct], timeoutMs: 10_000 });
}

e2e.after(async (ctx) => {
  await ctx.proxy?.stop();
  await closeAll(ctx.ups?.values() ?? []);
  ctx.prefix?.remove();
});

e2e.before.each((ctx) => { for (const u of ctx.ups.values()) u.reset(); });

type Peer = "plain" | "none" | "web" | "catalog" | "foreign";
/** plain: HTTP; none: TLS without a certificate; web/catalog: mesh certificates; foreign: web's name from an untrusted CA. */
function req(ctx: Ctx, port: number, path: string, peer: Peer): ClientRequest {
  if (peer === "plain") return { url: `http://127.0.0.1:${port}${path}`, timeoutMs: 5000 };
  const base = { url: `https://127.0.0.1:${port}${path}`, ca: ctx.pki.ca.certPem, servername: "edge", timeoutMs: 5000 };
  if (peer === "none") return base;
  if (peer === "foreign") {
    const leaf = ctx.pki.foreign.leaves.get("web")!;
    return { ...base, cert: readFileSync(leaf.certFile, "utf8"), key: readFileSync(leaf.keyFile, "utf8") };
  }
  const pair = ctx.pki.leaves.get(peer)!.pair;
  return { ...base, cert: pair.certPem, key: pair.keyPem };
}
const status = async (ctx: Ctx, port: number, path: string, peer: Peer) => (await send(req(ctx, port, path, peer))).status;

e2e("the generated file passes haproxy -c -dW", async (ctx) => {
  assert.equal(await haproxyVerifier.verify(haproxy.emit(ctx.ir).files, ctx.ir), []);
});

e2e("plain HTTP is answered: 200 where any peer is allowed, 403 where a principal is required", async (ctx) => {
  const open = await send(req(ctx, ctx.ports.mixed, "/open", "plain"));
  assert.is(open.status, 200);
  assert.is(open.body, "local");
  assert.is(await status(ctx, ctx.ports.mixed, "/secure", "plain"), 403);
  assert.is(await status(ctx, ctx.ports.mixed, "/admin", "plain"), 403, "deny for any peer wins over allow");
  assert.is(await status(ctx, ctx.ports.mixed, "/elsewhere", "plain"), 403, "default deny");
  assert.is(ctx.ups.get("local")!.hits(), 1);
});

e2e("TLS with the mesh certificate passes an identity rule; deny by principal still wins", async (ctx) => {
  assert.is(await status(ctx, ctx.ports.mixed, "/secure", "web"), 200);
  assert.is(await status(ctx, ctx.ports.mixed, "/open", "web"), 200);
  assert.is(await status(ctx, ctx.ports.mixed, "/secure", "catalog"), 403, "other identity");
  assert.is(await status(ctx, ctx.ports.mixed, "/open", "catalog"), 403, "deny by principal before allow for any peer");
  assert.is(await status(ctx, ctx.ports.mixed, "/admin", "web"), 403);
  assert.is(ctx.ups.get("local")!.hits(), 2);
});

e2e("TLS without a certificate is treated like plain text; a foreign CA's certificate is refused", async (ctx) => {
  assert.is(await status(ctx, ctx.ports.mixed, "/open", "none"), 200);
  assert.is(await status(ctx, ctx.ports.mixed, "/secure", "none"), 403);
  assert.is(await status(ctx, ctx.ports.mixed, "/admin", "none"), 403);
  const foreign = await send(req(ctx, ctx.ports.mixed, "/open", "foreign"));
  assert.is(foreign.status, 0, `foreign certificate got ${foreign.status}`);
  assert.is(ctx.ups.get("local")!.hits(), 1);
});

e2e("a partial first byte waits: plain text and a TLS ClientHello split across writes both get through", async (ctx) => {
  const raw = await new Promise<string>((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port: ctx.ports.mixed });
    let answer = "";
    socket.setTimeout(5000, () => { socket.destroy(); reject(new Error("timeout")); });
    socket.on("data", (d) => { answer += d; });
    socket.on("end", () => resolve(answer));
    socket.on("error", reject);
    socket.write("G");
    setTimeout(() => socket.write("ET /open HTTP/1.0\r\nhost: edge\r\n\r\n"), 300);
  });
  assert.match(raw, /^HTTP\/1\.[01] 200/);
  assert.ok(raw.endsWith("local"));
  // The ClientHello's first byte alone, the rest 300 ms later, with web's certificate.
  const pair = ctx.pki.leaves.get("web")!.pair;
  const tlsAnswer = await new Promise<string>((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port: ctx.ports.mixed });
    let first = true;
    const split = new Duplex({
      read() { /* pushed from the socket */ },
      write(chunk: Buffer, _enc, done) {
        if (!first) { socket.write(chunk, done); return; }
        first = false;
        socket.write(chunk.subarray(0, 1));
        setTimeout(() => socket.write(chunk.subarray(1), done), 300);
      },
      final(done) { socket.end(); done(); },
    });
    socket.on("data", (d) => split.push(d));
    socket.on("end", () => split.push(null));
    socket.on("error", reject);
    const secure = tlsConnect({ socket: split, ca: ctx.pki.ca.certPem, servername: "edge", cert: pair.certPem, key: pair.keyPem });
    let answer = "";
    secure.setTimeout(5000, () => { secure.destroy(); reject(new Error("timeout")); });
    secure.on("secureConnect", () => secure.write("GET /secure HTTP/1.0\r\nhost: edge\r\n\r\n"));
    secure.on("data", (d) => { answer += d; });
    secure.on("end", () => resolve(answer));
    secure.on("error", reject);
  });
  assert.match(tlsAnswer, /^HTTP\/1\.[01] 200/);
  assert.ok(tlsAnswer.endsWith("local"));
  assert.is(ctx.ups.get("local")!.hits(), 2);
});

e2e("strict listeners are unchanged: plain text and TLS without a certificate are refused", async (ctx) => {
  assert.is(await status(ctx, ctx.ports.strict, "/allowed", "plain"), 0);
  assert.is(await status(ctx, ctx.ports.strict, "/allowed", "none"), 0);
  assert.is(await status(ctx, ctx.ports.strict, "/allowed", "web"), 200);
  assert.is(ctx.ups.get("local")!.hits(), 1);
});

e2e("rate limit counts a client once whichever path it took: 5 per second over plain and TLS together", async (ctx) => {
  const peers: Peer[] = ["plain", "none", "web", "plain", "none", "web", "plain", "none", "web"];
  const statuses: number[] = [];
  for (const peer of peers) statuses.push(await status(ctx, ctx.ports.limited, "/", peer));
  assert.equal(statuses, [200, 200, 200, 200, 200, 429, 429, 429, 429]);
  assert.is(ctx.ups.get("local")!.hits(), 5);
});

e2e("TCP listener: plain and TLS both reach the upstream; a denied principal and a foreign CA are refused", async (ctx) => {
  const plain = await send(req(ctx, ctx.ports.tcp, "/", "plain"));
  assert.is(plain.status, 200);
  assert.is(plain.body, "local");
  assert.is(await status(ctx, ctx.ports.tcp, "/", "none"), 200);
  assert.is(await status(ctx, ctx.ports.tcp, "/", "web"), 200);
  assert.is(await status(ctx, ctx.ports.tcp, "/", "catalog"), 0);
  assert.is(await status(ctx, ctx.ports.tcp, "/", "foreign"), 0);
  assert.is(ctx.ups.get("local")!.hits(), 3);
});

e2e("measured: what the dispatcher hop costs per plain-text request", async (ctx) => {
  const median = async (port: number, peer: Peer) => {
    const times: number[] = [];
    for (let i = 0; i < 200; i++) {
      const res = await send(req(ctx, port, "/open", peer));
      assert.is(res.status, 200);
      times.push(res.elapsedMs);
    }
    return times.sort((a, b) => a - b)[100];
  };
  const direct = await median(ctx.ports.direct, "plain");
  const relayed = await median(ctx.ports.mixed, "plain");
  const tls = await median(ctx.ports.mixed, "web");
  console.log(`    median of 200 requests: direct plain ${direct.toFixed(2)} ms, permissive plain ${relayed.toFixed(2)} ms, permissive mTLS ${tls.toFixed(2)} ms`);
  assert.ok(relayed < direct + 20, `relay added ${relayed - direct} ms`);
});

e2e.run();

// Emit-only: permissive gRPC and TCP listeners of the sample pass `haproxy -c -dW`.
const emitOnly = suite("haproxy permissive emit");

emitOnly("permissive TCP and gRPC listeners: a dispatcher each, no public TLS bind, and haproxy -c -dW accepts them", async () => {
  const ir = structuredClone(sampleIR) as Mutable<MeshIR>;
  const web = ir.proxies.find((p) => p.name === "web")!;
  const inbound = web.listeners.find((l) => l.tls?.mode === "permissive")!;
  const tcp = web.listeners.find((l) => l.kind === "tcp") as Mutable<TcpListenerIR>;
  tcp.tls = structuredClone(inbound.tls);
  (inbound as Mutable<HttpListenerIR>).protocol = "grpc";
  const { files, diagnostics } = haproxy.emit(ir as MeshIR);
  assert.equal(diagnostics.filter((d) => d.severity === "error"), []);
  const text = files.find((f) => f.path === "haproxy/web.cfg")!.content;
  assert.ok(text.includes(`frontend permissive.${tcp.name}\n`));
  assert.ok(text.includes(`frontend permissive.${inbound.name}\n`));
  assert.ok(text.includes("bind abns@meshc.15000.0.tls accept-proxy ssl"));
  assert.ok(text.includes("bind abns@meshc.15000.1.plain accept-proxy proto h2\n"), "gRPC in plain text is HTTP/2");
  assert.not.match(text, /bind [0-9.:]+ ssl .*verify optional/);
  assert.equal(await haproxyVerifier.verify(files, ir as MeshIR), []);
});

emitOnly.run();
