// Hostile strings (SECURITY.md's table plus generated ones) in every IR string field that
// reaches HAProxy: each gives a MESH32xx diagnostic (and no file), or a file that
// `haproxy -c -dW` accepts. A sample of bodies and header values then goes through a
// running haproxy and must come back byte for byte.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { haproxy } from "../../targets/haproxy/index.ts";
import { haproxyVerifier } from "../../targets/haproxy/verify.ts";
import type { MeshIR, RouteIR } from "../../compiler/ir/types.ts";
import { sampleIR } from "../fixtures/ir/sample.ts";
import { haproxyE2eIR } from "../fixtures/ir/haproxy-e2e.ts";
import { freePorts } from "../support/ports.ts";
import { makeTempPrefix, startHaproxy } from "../support/procs.ts";
import { send } from "../support/client.ts";

const TABLE = [
  "svc\nlisten 1337;", "a\r\nX-Inj: 1", "x } server { listen 81; }", "x\"; ssl_engine /x/e.so; #", "x' ; deny all; '", "abc\\",
  "$request_uri", "%[req.hdr(cookie)]", "%ENVIRONMENT(SECRET)%", "../../etc/passwd", "Foo_Bar", "a".repeat(64),
  "foo.*.com", "good.com@evil.com", "host:443", "//admin", "/a/../admin", "/admin%2F", "/admin#x", "(a+)+$", "(?=x)", "\\1",
  "yes", "0x10", "!!binary x", "${HOME}", "a\u2028b", "a\u0085b", "a\u202eb", "tab\there", "nul\u0000x", "ünïcödé ✓",
];
const PIECES = ["\"", "\\", "$", "%", "%[path]", "#", " ", "\n", "\r", "\u2028", "'", "{", "}", ";", "${X}", "(", ")", ",", "é", "a", "/", "%%", "\\\"", "\\$"];

/** Deterministic (seeded) combinations of dangerous pieces. */
function generated(count: number): string[] {
  let seed = 0x5eed;
  const next = () => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed; };
  return Array.from({ length: count }, () => Array.from({ length: 1 + (next() % 6) }, () => PIECES[next() % PIECES.length]).join(""));
}
const HOSTILE = [...TABLE, ...generated(24)];

type Mutable<T> = { -readonly [K in keyof T]: Mutable<T[K]> };
type Ir = Mutable<MeshIR>;
const web = (ir: Ir) => ir.proxies[2];
const outboundRoutes = (ir: Ir) => (web(ir).listeners[2] as Mutable<Extract<MeshIR["proxies"][number]["listeners"][number], { kind: "http" }>>).virtualHosts[0].routes as Mutable<RouteIR>[];
const forwardOf = (r: Mutable<RouteIR>) => r.action as Mutable<Extract<RouteIR["action"], { kind: "forward" }>>;

/** Every string field of the web proxy that reaches its HAProxy file. */
const FIELDS: Record<string, (ir: Ir, v: string) => void> = {
  "request header value": (ir, v) => { outboundRoutes(ir)[1].requestHeaders.set[0].value = v; },
  "response header value": (ir, v) => { outboundRoutes(ir)[1].responseHeaders.add[0].value = v; },
  "request header name": (ir, v) => { outboundRoutes(ir)[1].requestHeaders.set[0].name = v; },
  "removed header name": (ir, v) => { outboundRoutes(ir)[1].requestHeaders.remove[0] = v; },
  "direct body": (ir, v) => { (outboundRoutes(ir)[3].action as { body: string }).body = v; },
  "redirect path": (ir, v) => { (outboundRoutes(ir)[2].action as { path: string }).path = v; },
  "header match value": (ir, v) => { outboundRoutes(ir)[0].match.headers[0].value = v; },
  "header match name": (ir, v) => { outboundRoutes(ir)[0].match.headers[0].name = v; },
  "query match value": (ir, v) => { outboundRoutes(ir)[2].match.query[0].value = v; },
  "exact path": (ir, v) => { outboundRoutes(ir)[3].match.path!.value = v; },
  "regex path": (ir, v) => { outboundRoutes(ir)[2].match.path!.value = v; },
  "rewrite prefix": (ir, v) => { forwardOf(outboundRoutes(ir)[1]).rewrite!.prefix = v; },
  "route name": (ir, v) => { outboundRoutes(ir)[0].name = v; },
  domain: (ir, v) => { (web(ir).listeners[2] as { virtualHosts: { domains: string[] }[] }).virtualHosts[0].domains[0] = v; },
  "hash header name": (ir, v) => { web(ir).clusters[4].loadBalancing = { policy: "hash", hashOn: { kind: "header", name: v } }; },
  "upstream SNI": (ir, v) => { web(ir).clusters[0].tls!.sni = v; },
  "endpoint address": (ir, v) => { web(ir).clusters[3].endpoints[0].address = v; },
};

async function pool<T>(items: T[], size: number, run: (item: T) => Promise<void>) {
  let next = 0;
  await Promise.all(Array.from({ length: size }, async () => { while (next < items.length) await run(items[next++]); }));
}

test("hostile strings: a diagnostic, or a config haproxy -c -dW accepts", async () => {
  const cases = Object.entries(FIELDS).flatMap(([field, set]) => HOSTILE.map((value) => ({ field, set, value })));
  const failures: string[] = [];
  let rejected = 0;
  let checked = 0;
  await pool(cases, 8, async ({ field, set, value }) => {
    const ir = structuredClone(sampleIR) as Ir;
    set(ir, value);
    const { files, diagnostics } = haproxy.emit(ir as MeshIR);
    const file = files.find((f) => f.path === "haproxy/web.cfg");
    if (!file) {
      rejected++;
      if (!diagnostics.some((d) => /^MESH32\d\d$/.test(d.code) && d.severity === "error")) failures.push(`${field} ${JSON.stringify(value)}: no file and no MESH32xx`);
      return;
    }
    checked++;
    const found = await haproxyVerifier.verify(files.filter((f) => f === file || f.path === "haproxy/web.lua"), ir as MeshIR);
    if (found.length > 0) failures.push(`${field} ${JSON.stringify(value)}: ${found.map((d) => `${d.code} line ${d.line}: ${d.message}`).join("; ")}`);
  });
  console.log(`    hostile: ${cases.length} cases, ${rejected} rejected with a diagnostic, ${checked} accepted by haproxy -c -dW`);
  assert.equal(failures, [], failures.slice(0, 10).join("\n"));
  assert.ok(rejected > 0 && checked > 0);
});

test("hostile strings: bodies and header values come back byte for byte", async () => {
  const prefix = makeTempPrefix("haproxy-hostile");
  const [outbound, inbound, limited, admin, metrics] = await freePorts(5);
  const ir = structuredClone(haproxyE2eIR(prefix.dir, { outbound, inbound, limited, admin, metrics }, { v1: 1, v2: 1, flaky: 1, slow: 1, local: 1 })) as Ir;
  // Keep only the plain outbound listener; one direct-response route per hostile string.
  const proxy = ir.proxies[0];
  proxy.listeners = [proxy.listeners[0]];
  const values = HOSTILE.filter((v) => haproxy.emit(withBody(structuredClone(ir), [v]) as MeshIR).files.length === 1);
  const headerSafe = (v: string) => /^[\x21-\x7e]([\x20-\x7e]*[\x21-\x7e])?$/.test(v);
  const { files } = haproxy.emit(withBody(ir, values, headerSafe) as MeshIR);
  mkdirSync(join(prefix.dir, "conf"), { recursive: true });
  const configFile = join(prefix.dir, "conf", "edge.cfg");
  writeFileSync(configFile, files[0].content);
  const running = await startHaproxy({ prefix: prefix.dir, configFile, readyPorts: [outbound], timeoutMs: 10_000 });
  try {
    let headers = 0;
    for (const [i, value] of values.entries()) {
      const res = await send({ url: `http://127.0.0.1:${outbound}/h/${i}`, headers: { host: "catalog" } });
      assert.is(res.status, 200);
      assert.is(res.body, value, `body ${JSON.stringify(value)}`);
      if (headerSafe(value)) { headers++; assert.is(res.headers["x-hostile"], value, `header ${JSON.stringify(value)}`); }
    }
    console.log(`    hostile traffic: ${values.length} bodies, ${headers} header values byte-exact`);
    assert.ok(values.length >= 20 && headers >= 10);
  } finally {
    await running.stop();
    prefix.remove();
  }
});

function withBody(ir: Ir, values: string[], headerSafe: (v: string) => boolean = () => false): Ir {
  const listener = ir.proxies[0].listeners[0] as { virtualHosts: { routes: Mutable<RouteIR>[] }[] };
  listener.virtualHosts[0].routes = values.map((value, i) => ({
    name: `h${i}`, origin: `routes[${i}]`, match: { path: { kind: "exact", value: `/h/${i}` }, methods: [], headers: [], query: [] },
    action: { kind: "direct", status: 200, body: value }, requestHeaders: { set: [], add: [], remove: [] },
    responseHeaders: { set: headerSafe(value) ? [{ name: "x-hostile", value }] : [], add: [], remove: [] },
  }));
  return ir;
}

test.run();
