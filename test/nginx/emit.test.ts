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
import { compareGolden } from "../support/golden.ts";
import { readDirectives } from "./tokens.ts";

const e2eIR = buildNginxE2eIR("/srv/prefix", { webOutbound: 15001, paymentsStrict: 9443, paymentsLimited: 9444, upstreams: { v1: 18001, v2: 18002, flaky: 18003, slow: 18004, local: 18005 } });
const asMap = (files: readonly { path: string; content: string }[]) => new Map(files.map((f) => [f.path.replace(/^nginx\//, ""), f.content]));

test("sample IR emits one config per proxy, matching the golden files", () => {
  const result = nginx.emit(sampleIR);
  assert.equal(result.files.map((f) => f.path), ["nginx/gateway-edge.conf", "nginx/payments.conf", "nginx/web.conf"]);
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

test("capabilities cover every feature; JWT is a security gap, fault delay and health checks are not", () => {
  assert.equal(Object.keys(nginx.capabilities).sort(), [...FEATURES].sort());
  assert.equal(nginx.capabilities["inbound.jwt"], { support: "none", hint: nginx.capabilities["inbound.jwt"].support === "none" ? nginx.capabilities["inbound.jwt"].hint : "", security: true });
  for (const f of ["route.fault.delay", "cluster.health-check", "route.tcp"] as const) {
    const s = nginx.capabilities[f];
    assert.ok(s.support === "none" && !s.security, f);
  }
});

test("first-match dispatch: route maps are ordered as the IR routes", () => {
  const web = nginx.emit(sampleIR).files.find((f) => f.path === "nginx/web.conf")!.content;
  const dispatch = readDirectives(web).filter((d) => d.words[1]?.startsWith("meshc_l2_s0_r") && /^~\^1/.test(d.words[0]));
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

test("the README's capability table is the generated one", () => {
  const readme = readFileSync(new URL("../../targets/nginx/README.md", import.meta.url), "utf8");
  assert.ok(readme.includes(renderCapabilityTable()), "run: node --import tsx targets/nginx/capability-table.ts");
});

test.run();
