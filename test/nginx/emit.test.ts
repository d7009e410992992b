// The nginx target from IR fixtures: golden files, determinism, `nginx -t` on every
// generated file (through the verifier), the verifier's line mapping, and capabilities.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync } from "node:fs";
import { FEATURES } from "../../compiler/target.ts";
import { renderCapabilityTable } from "../../targets/nginx/capability-table.ts";
import { nginx } from "../../targets/nginx/index.ts";
import { nginxVerifier, parseNginxOutput, verifyNginxFiles, findNginx } from "../../targets/nginx/verify.ts";
import { sampleIR } from "../fixtures/ir/sample.ts";
import { buildNginxE2eIR } from "../fixtures/ir/nginx-e2e.ts";
import { STREAM_MODULE_PATH } from "../../targets/nginx/view/stream.ts";
import { HTTP_JS_MODULE_PATH, STREAM_JS_MODULE_PATH } from "../../targets/nginx/view/njs.ts";
import { buildTcpIR } from "./tcp-fixture.ts";
import { compareGolden } from "../support/golden.ts";
import { readDirectives } from "./tokens.ts";

const e2eIR = buildNginxE2eIR("/srv/prefix", { webOutbound: 15001, paymentsStrict: 9443, paymentsLimited: 9444, upstreams: { v1: 18001, v2: 18002, flaky: 18003, slow: 18004, local: 18005 } });
const asMap = (files: readonly { path: string; content: string }[]) => new Map(files.map((f) => [f.path.replace(/^nginx\//, ""), f.content]));

test("sample IR emits one config per proxy, matching the golden files", () => {
  const result = nginx.emit(sampleIR);
  // Each conf imports its njs module (the request model) from the file next to it.
  assert.equal(result.files.map((f) => f.path).sort(), ["nginx/gateway-edge.conf", "nginx/gateway-edge.js", "nginx/payments.conf", "nginx/payments.js", "nginx/web.conf", "nginx/web.js"]);
  assert.equal(result.diagnostics.filter((d) => d.severity !== "info"), []);
  const problems = compareGolden("ir-sample/nginx", asMap(result.files));
  assert.equal(problems, [], problems.join("\n"));
});

test("e2e fixture matches its golden files too", () => {
  const problems = compareGolden("ir-nginx-e2e/nginx", asMap(nginx.emit(e2eIR).files));
  assert.equal(problems, [], problems.join("\n"));
});

test("emit is deterministic and does not mutate the IR", () => {
  const before = JSON.stringify(sampleIR);
  const a = nginx.emit(sampleIR);
  const b = nginx.emit(JSON.parse(before));
  assert.equal(a, b);
  assert.is(JSON.stringify(sampleIR), before);
});

test("every generated config passes nginx -t (strict: no [warn])", async () => {
  assert.is(nginxVerifier.missing(), null);
  for (const ir of [sampleIR, e2eIR]) {
    const found = await nginxVerifier.verify(nginx.emit(ir).files, ir);
    assert.equal(found, []);
  }
});

test("the verifier maps nginx errors to the bundle file and line", async () => {
  const files = nginx.emit(sampleIR).files;
  // A config that is not what the IR emits is refused, not silently checked.
  const tampered = files.map((f) => (f.path === "nginx/web.conf" ? { ...f, content: f.content.replace("worker_connections 1024;", "worker_connections 1024; bogus_directive on;") } : f));
  const found = await verifyNginxFiles(tampered, sampleIR, findNginx()!);
  assert.equal(found.map((d) => [d.code, d.file]), [["MESH4203", "nginx/web.conf"]]);
  const parsed = parseNginxOutput("nginx: [emerg] unknown directive \"bogus\" in /tmp/x/nginx/web.conf:42\nnginx: [warn] something in /tmp/x/nginx/web.conf:7\n", "nginx/web.conf");
  assert.equal(parsed.map((d) => [d.code, d.file, d.line]), [["MESH4200", "nginx/web.conf", 42], ["MESH4201", "nginx/web.conf", 7]]);
});

test("capabilities cover every feature; JWT is a security gap, fault delay and health checks are not; TCP is partial", () => {
  assert.equal(Object.keys(nginx.capabilities).sort(), [...FEATURES].sort());
  assert.equal(nginx.capabilities["inbound.jwt"], { support: "none", hint: nginx.capabilities["inbound.jwt"].support === "none" ? nginx.capabilities["inbound.jwt"].hint : "", security: true });
  for (const f of ["route.fault.delay", "cluster.health-check"] as const) {
    const s = nginx.capabilities[f];
    assert.ok(s.support === "none" && !s.security, f);
  }
  assert.is(nginx.capabilities["route.tcp"].support, "partial");
});

test("first-match dispatch: route maps are ordered as the IR routes", () => {
  const web = nginx.emit(sampleIR).files.find((f) => f.path === "nginx/web.conf")!.content;
  const dispatch = readDirectives(web).filter((d) => d.words[1]?.startsWith("meshc_l2_s0_r") && /^~\^\.1/.test(d.words[0]));
  assert.equal(dispatch.map((d) => d.words[1]), ["meshc_l2_s0_r0", "meshc_l2_s0_r1", "meshc_l2_s0_r2", "meshc_l2_s0_r3"]);
});

test("retries: tries = retries + 1, non_idempotent only when idempotentOnly is false, off without a policy", () => {
  const web = readDirectives(nginx.emit(e2eIR).files.find((f) => f.path === "nginx/web.conf")!.content);
  const next = web.filter((d) => d.words[0] === "proxy_next_upstream").map((d) => d.words.slice(1).join(" "));
  const tries = web.filter((d) => d.words[0] === "proxy_next_upstream_tries").map((d) => Number(d.words[1]));
  assert.equal(next, ["off", "off", "error timeout http_500 http_502 http_503 http_504",
    "error timeout http_500 http_502 http_503 http_504 non_idempotent", "error timeout http_500 http_502 http_503 http_504", "off", "off", "off", "off", "off"]);
  assert.equal(tries, [1, 1, 3, 3, 3, 1, 1, 1, 1, 1]);
});

test("TLS origination without a CA file still verifies the peer (system bundle) and passes nginx -t", async () => {
  const ir = structuredClone(e2eIR) as typeof e2eIR;
  const slow = ir.proxies[1].clusters.find((c) => c.name === "slow")! as { tls: unknown };
  slow.tls = { mode: "origination", sni: "api.example.com", minVersion: "1.2", ciphers: [], certFile: null, keyFile: null, caFile: null, peerSpiffeIds: [], peerSubjects: [] };
  const files = nginx.emit(ir).files;
  const web = readDirectives(files.find((f) => f.path === "nginx/web.conf")!.content).map((d) => d.words.join(" "));
  assert.ok(web.includes("proxy_ssl_trusted_certificate /etc/ssl/certs/ca-certificates.crt"));
  assert.ok(web.includes("proxy_ssl_verify on"));
  assert.ok(web.includes("proxy_ssl_name api.example.com"));
  assert.equal(await nginxVerifier.verify(files, ir), []);
});

const tcpIR = buildTcpIR("/srv/prefix", { webSingle: 15432, webSplit: 15433, ledgerInbound: 5432, local: 25432, v1: 25433, v2: 25434 });
const confOf = (files: readonly { path: string; content: string }[], name: string) => files.find((f) => f.path === `nginx/${name}.conf`)!.content;

test("TCP: the stream module and a stream block only in configs with TCP listeners, load_module first", () => {
  const files = nginx.emit(sampleIR).files;
  for (const name of ["gateway-edge", "payments"]) {
    const words = readDirectives(confOf(files, name));
    assert.equal(words.filter((d) => d.words[0] === "load_module").map((d) => d.words[1]), [HTTP_JS_MODULE_PATH], name);
    assert.not.ok(words.some((d) => d.words[0] === "stream"), name);
  }
  const web = readDirectives(confOf(files, "web"));
  assert.equal(web[0].words, ["load_module", HTTP_JS_MODULE_PATH]);
  assert.equal(web[1].words, ["load_module", STREAM_MODULE_PATH]);
  assert.is(web.filter((d) => d.words[0] === "stream").length, 1);
  const stream = web.slice(web.findIndex((d) => d.words[0] === "stream")).map((d) => d.words.join(" "));
  for (const line of ["upstream meshc_ledger", "listen 127.0.0.1:5432", "proxy_connect_timeout 2s", "proxy_timeout 3600s", "proxy_next_upstream off", "proxy_ssl on",
    "proxy_ssl_certificate /etc/meshc/certs/web/cert.pem", "proxy_ssl_verify on", "proxy_ssl_trusted_certificate /etc/meshc/certs/ca.pem",
    "proxy_ssl_name ledger.shop.svc.cluster.local", "proxy_pass meshc_ledger"]) assert.ok(stream.includes(line), line);
});

test("TCP fixture: generated configs pass nginx -t; split, strict mTLS and fail-closed authorization are emitted", async () => {
  const result = nginx.emit(tcpIR);
  assert.equal(result.diagnostics.map((d) => [d.code, d.path]), [["MESH3165", "authorization[0]"], ["MESH3165", "authorization[2]"]]);
  assert.equal(await nginxVerifier.verify(result.files, tcpIR), []);
  const ledger = readDirectives(confOf(result.files, "ledger")).map((d) => d.words.join(" "));
  for (const line of ["listen 127.0.0.1:5432 ssl", "ssl_verify_client on", "ssl_client_certificate /srv/prefix/certs/ca.pem", "proxy_pass $meshc_l0_pass",
    "upstream meshc_deny_all", "server 127.0.0.1:1 down"]) assert.ok(ledger.includes(line), line);
  // Deny rule 0 names payments only (its path condition dropped), rule 1 allows payments and web;
  // catalog's allow rule (with a method) is gone: first match decides, default deny.
  // Principals are the peer's URI SAN, read by the stream js module.
  assert.ok(ledger.includes(`load_module ${STREAM_JS_MODULE_PATH}`) && ledger.includes("js_set $meshc_peer meshc.set_peer"));
  const principals = ledger.filter((l) => l.startsWith("~^(?:spiffe"));
  assert.equal(principals, ["~^(?:spiffe://shop\\.example\\.com/ns/shop/sa/payments)$ 1",
    "~^(?:spiffe://shop\\.example\\.com/ns/shop/sa/payments|spiffe://shop\\.example\\.com/ns/shop/sa/web)$ 1"]);
  const web = readDirectives(confOf(result.files, "web")).map((d) => d.words.join(" "));
  assert.ok(web.includes("split_clients ${remote_addr}:${remote_port}/${connection}/${msec}meshc_l1_split $meshc_l1_split"));
  assert.ok(web.includes("90% meshc_ledger-v1") && web.includes("* meshc_ledger-v2"));
  assert.ok(web.includes("proxy_timeout 5s") && web.includes("proxy_pass $meshc_l1_split"));
});

test("TCP limits are reported, never silently dropped: rate limit (error), permissive, header hash, split across TLS settings", () => {
  const ir = structuredClone(tcpIR) as typeof tcpIR;
  const ledger = ir.proxies[0] as unknown as { listeners: Record<string, unknown>[] };
  ledger.listeners[0].rateLimit = { requests: 10, windowMs: 1000, burst: 0, origin: "services.ledger.rateLimit" };
  ledger.listeners[0].tls = { ...(ledger.listeners[0].tls as object), mode: "permissive" };
  const web = ir.proxies[1] as unknown as { clusters: Record<string, unknown>[] };
  web.clusters[0].loadBalancing = { policy: "hash", hashOn: { kind: "header", name: "x-user" } };
  web.clusters[2].tls = { ...(web.clusters[2].tls as object), sni: "other.shop.svc.cluster.local" };
  const result = nginx.emit(ir);
  const codes = result.diagnostics.map((d) => `${d.code} ${d.severity}`);
  for (const c of ["MESH3164 error", "MESH3167 warning", "MESH3166 warning", "MESH3156 error"]) assert.ok(codes.includes(c), `${c} in ${codes.join(", ")}`);
  assert.equal(result.files, []);
});

test("the README's capability table is the generated one", () => {
  const readme = readFileSync(new URL("../../targets/nginx/README.md", import.meta.url), "utf8");
  assert.ok(readme.includes(renderCapabilityTable()), "run: node --import tsx targets/nginx/capability-table.ts");
});

test.run();
