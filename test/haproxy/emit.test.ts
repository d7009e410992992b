// Golden files, `haproxy -c -dW` on every generated config, determinism and emit-time limits.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { haproxy } from "../../targets/haproxy/index.ts";
import { haproxyVerifier } from "../../targets/haproxy/verify.ts";
import { FEATURES } from "../../compiler/target.ts";
import type { MeshIR } from "../../compiler/ir/types.ts";
import { compareGolden } from "../support/golden.ts";
import { sampleIR } from "../fixtures/ir/sample.ts";
import { haproxyFeaturesIR } from "../fixtures/ir/haproxy-features.ts";

const cases: [string, MeshIR][] = [["ir-sample/haproxy", sampleIR], ["ir-haproxy-features/haproxy", haproxyFeaturesIR]];
const asGolden = (ir: MeshIR) => Object.fromEntries(haproxy.emit(ir).files.map((f) => [f.path.replace(/^haproxy\//, ""), f.content]));

for (const [folder, ir] of cases) {
  test(`${folder}: matches the golden files`, () => {
    const problems = compareGolden(folder, asGolden(ir));
    assert.equal(problems, [], problems.join("\n"));
  });

  test(`${folder}: one config per proxy, its Lua identity converter beside it when it verifies clients, no diagnostics`, () => {
    const { files, diagnostics } = haproxy.emit(ir);
    const verifies = (p: MeshIR["proxies"][number]) => p.listeners.some((l) => l.tls !== null && l.tls.mode !== "server-only" && l.tls.clientCaFile !== null);
    assert.equal(files.map((f) => f.path), ir.proxies.flatMap((p) => [`haproxy/${p.name}.cfg`, ...(verifies(p) ? [`haproxy/${p.name}.lua`] : [])]));
    assert.ok(files.some((f) => f.path.endsWith(".lua")), "the fixture has an mTLS listener");
    assert.equal(diagnostics.filter((d) => d.severity === "error"), []);
  });

  test(`${folder}: haproxy -c -dW accepts every file`, async () => {
    assert.is(haproxyVerifier.missing(), null);
    const { files } = haproxy.emit(ir);
    assert.equal(await haproxyVerifier.verify(files, ir), []);
  });

  test(`${folder}: emitting twice gives the same bytes`, () => {
    assert.equal(haproxy.emit(structuredClone(ir)), haproxy.emit(ir));
  });
}

test("verifier: a broken line is reported on the bundle file and line", async () => {
  const { files } = haproxy.emit(sampleIR);
  const web = files.find((f) => f.path === "haproxy/web.cfg")!;
  const lines = web.content.split("\n");
  const at = lines.findIndex((l) => l.startsWith("    balance leastconn"));
  lines[at] = "    balance no-such-algorithm";
  const found = await haproxyVerifier.verify(files.map((f) => f === web ? { path: web.path, content: lines.join("\n") } : f), sampleIR);
  assert.ok(found.length > 0);
  assert.is(found[0].code, "MESH4300");
  assert.is(found[0].file, "haproxy/web.cfg");
  assert.is(found[0].line, at + 1);
});

test("verifier: a warning fails the check (-dW)", async () => {
  const { files } = haproxy.emit(sampleIR);
  const web = files.find((f) => f.path === "haproxy/web.cfg")!;
  const content = web.content.replace("    http-request return status 404 unless meshc_route_chosen\n", "    use_backend route.inbound-8080.local-8080\n    http-request return status 404 unless meshc_route_chosen\n");
  const found = await haproxyVerifier.verify(files.map((f) => f === web ? { path: web.path, content } : f), sampleIR);
  assert.ok(found.some((d) => d.code === "MESH4301" && d.line > 0), JSON.stringify(found));
});

test("verifier: a config whose Lua file is missing from the bundle is refused", async () => {
  const { files } = haproxy.emit(sampleIR);
  const found = await haproxyVerifier.verify(files.filter((f) => f.path === "haproxy/web.cfg"), sampleIR);
  assert.ok(found.some((d) => d.code === "MESH4300" && /web\.lua/.test(d.message)), JSON.stringify(found));
});

test("a line over 2048 bytes is a MESH3201 and the file is not emitted", () => {
  const ir = structuredClone(sampleIR) as { proxies: { listeners: { virtualHosts?: { routes: { action: { kind: string; body?: string } }[] }[] }[] }[] } & MeshIR;
  const gone = ir.proxies[2].listeners[2].virtualHosts![0].routes[3];
  gone.action.body = "x".repeat(3000);
  const { files, diagnostics } = haproxy.emit(ir);
  assert.ok(diagnostics.some((d) => d.code === "MESH3201" && d.file === "haproxy/web.cfg" && d.line > 0));
  assert.not.ok(files.some((f) => f.path === "haproxy/web.cfg"));
  assert.ok(files.some((f) => f.path === "haproxy/payments.cfg"), "other proxies are still emitted");
});

test("capabilities: every feature is declared, with a hint or note where not full", () => {
  for (const feature of FEATURES) {
    const support = haproxy.capabilities[feature];
    assert.ok(support, feature);
    if (support.support === "none") assert.ok(support.hint.length > 20, feature);
    if (support.support === "partial") assert.ok(support.note.length > 20, feature);
  }
  assert.is(haproxy.capabilities["inbound.jwt"].support, "none");
  assert.is((haproxy.capabilities["inbound.jwt"] as { security: boolean }).security, true);
});

test("retry conditions HAProxy cannot express are reported, not dropped silently", () => {
  const ir = structuredClone(sampleIR) as MeshIR & { proxies: { listeners: { virtualHosts?: { routes: { action: { retries?: { on: string[]; statusCodes: number[] } } }[] }[] }[] }[] };
  const retries = ir.proxies[2].listeners[2].virtualHosts![0].routes[1].action.retries!;
  retries.on = ["retriable-4xx", "5xx"];
  retries.statusCodes = [429, 503];
  const { diagnostics } = haproxy.emit(ir);
  assert.is(diagnostics.filter((d) => d.code === "MESH3203").length, 2);
});

test.run();
