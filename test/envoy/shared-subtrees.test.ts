// Subtrees shared by identity across bootstraps (targets/envoy/shared.ts): the bytes are the
// ones every builder makes afresh, a shared subtree cannot be changed, and the verifier still
// reports a defect in a shared subtree wherever it sits, however often it already walked it.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { existsSync, readdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { compileFile } from "../../compiler/compile.ts";
import type { MeshIR } from "../../compiler/ir/types.ts";
import { CONFIG_NAMES } from "../../compiler/load/index.ts";
import { isSharedSubtree, shareSubtree } from "../../compiler/serialize.ts";
import { bootstrapOf, buildEnvoyBootstraps, emitEnvoy, emitEnvoyUnshared } from "../../targets/envoy/index.ts";
import { ENVOY_CODES } from "../../targets/envoy/codes.ts";
import { SharedSubtrees } from "../../targets/envoy/shared.ts";
import { collectBootstrapFindings } from "../../targets/envoy/verify.ts";
import { envoyFeaturesIR } from "../fixtures/ir/envoy-features.ts";
import { richIR } from "../fixtures/ir/kubernetes-rich.ts";
import { policyMatrixIR, policyMatrixSecurityIR } from "../fixtures/ir/policy-matrix.ts";
import { sampleIR } from "../fixtures/ir/sample.ts";
import { buildEnvoyScaleIR } from "../fixtures/ir/envoy-scale.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const FIXTURES: Record<string, MeshIR> = {
  sample: sampleIR, features: envoyFeaturesIR, rich: richIR, matrix: policyMatrixIR, security: policyMatrixSecurityIR, scale: buildEnvoyScaleIR(20),
};

const contents = (ir: MeshIR, emit: (ir: MeshIR) => { files: readonly { path: string; content: string }[] }) =>
  new Map(emit(ir).files.map((f) => [f.path, f.content]));

/**
 * The proxies of every fixture in one IR (names prefixed): one emit then meets every variant
 * of every shared subtree (access-log fields, rule headers, TLS parameters, retry policies,
 * protocols...), so a key that leaves out something its subtree depends on hands one
 * proxy another's subtree, and the bytes differ from the unshared emit.
 */
function mergedIR(irs: Record<string, MeshIR>): MeshIR {
  const base = Object.values(irs)[0]!;
  return { ...base, proxies: Object.entries(irs).flatMap(([prefix, ir]) => ir.proxies.map((p) => ({ ...p, name: `${prefix}-${p.name}` }))) };
}

test("every IR fixture, and all of them in one emit: the same bytes as builders sharing nothing", () => {
  for (const [name, ir] of Object.entries(FIXTURES)) assert.equal(contents(ir, emitEnvoy), contents(ir, emitEnvoyUnshared), name);
  const merged = mergedIR(FIXTURES);
  const shared = contents(merged, emitEnvoy);
  assert.is(shared.size, merged.proxies.length);
  assert.equal(shared, contents(merged, emitEnvoyUnshared));
});

type Change = (o: Record<string, any>) => void;
/** The retry policy an IR object holds (a forward action), not the count inside it. */
const retryOf = (o: Record<string, any>): Record<string, any> | null => (o.retries !== null && typeof o.retries === "object" ? o.retries : null);
const OUTLIER = { consecutive5xx: 5, intervalMs: 1000, baseEjectionMs: 30000, maxEjectionPercent: 50 };
/** One change per input of a shared subtree's key, each applied to a copy of the features IR. */
const CHANGES: Record<string, Change> = {
  idempotent: (o) => { const r = retryOf(o); if (r) r.idempotentOnly = !r.idempotentOnly; },
  perTry: (o) => { const r = retryOf(o); if (r) r.perTryTimeoutMs = r.perTryTimeoutMs === null ? 777 : null; },
  statusCodes: (o) => { const r = retryOf(o); if (r) r.statusCodes = [503]; },
  retryOn: (o) => { const r = retryOf(o); if (r) r.on = ["5xx"]; },
  retryCount: (o) => { const r = retryOf(o); if (r) r.retries += 1; },
  outlier: (o) => { if ("outlierDetection" in o) o.outlierDetection = OUTLIER; },
  ...Object.fromEntries(Object.keys(OUTLIER).map((k) => [`outlier-${k}`, (o: Record<string, any>) => { if ("outlierDetection" in o) o.outlierDetection = { ...OUTLIER, [k]: 7 }; }])),
  minVersion: (o) => { if ("minVersion" in o) o.minVersion = o.minVersion === "1.2" ? "1.3" : "1.2"; },
  ciphers: (o) => { if (Array.isArray(o.ciphers)) o.ciphers = o.ciphers.length > 0 ? [] : ["ECDHE-RSA-AES128-GCM-SHA256"]; },
  clientCa: (o) => { if (typeof o.clientCaFile === "string") o.clientCaFile += ".other"; },
  accessLog: (o) => { if (o.accessLog?.fields) o.accessLog.fields = o.accessLog.fields.slice(1); },
  admin: (o) => { if (o.admin) { o.admin.port += 1; o.admin.address = "127.0.0.2"; } },
  metrics: (o) => { if (typeof o.metricsPort === "number") o.metricsPort += 1; },
  principals: (o) => { if (Array.isArray(o.principals)) o.principals = o.principals.map((p: Record<string, any>) => ({ ...p, spiffeId: `${p.spiffeId}-x` })); },
  principalsAny: (o) => { if (Array.isArray(o.principals)) o.principals = null; },
  methods: (o) => { if ("principals" in o && Array.isArray(o.methods)) o.methods = o.methods.length > 0 ? ["DELETE"] : ["GET"]; },
  peers: (o) => { if (Array.isArray(o.peerSpiffeIds)) o.peerSpiffeIds = [...o.peerSpiffeIds, "spiffe://other.example/ns/x/sa/y"]; },
  upstreamCa: (o) => { if (Array.isArray(o.peerSpiffeIds) && "caFile" in o) o.caFile = o.caFile === null ? "/other/ca.pem" : null; },
  upstreamCaPath: (o) => { if (Array.isArray(o.peerSpiffeIds) && typeof o.caFile === "string") o.caFile += ".other"; },
  sni: (o) => { if (Array.isArray(o.peerSpiffeIds) && typeof o.sni === "string") o.sni = `other.${o.sni}`; },
  certFile: (o) => { if (typeof o.certFile === "string") o.certFile += ".other"; },
  keyFile: (o) => { if (typeof o.keyFile === "string") o.keyFile += ".other"; },
  port: (o) => { if (typeof o.port === "number" && typeof o.address === "string") o.port += 1; },
  address: (o) => { if (typeof o.port === "number" && typeof o.address === "string") o.address = "10.9.9.9"; },
  protocol: (o) => { if (o.protocol === "http") o.protocol = "http2"; else if (o.protocol === "http2") o.protocol = "http"; },
};

function changed(ir: MeshIR, change: Change): MeshIR {
  const copy = JSON.parse(JSON.stringify(ir)) as MeshIR;
  const visit = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(visit);
    else if (v !== null && typeof v === "object") { change(v as Record<string, any>); Object.values(v).forEach(visit); }
  };
  visit(copy.proxies);
  return copy;
}

test("variants of every input a shared subtree's key names, in one emit: the same bytes as sharing nothing", () => {
  const bases: Record<string, MeshIR> = { features: envoyFeaturesIR, sample: sampleIR, matrix: policyMatrixIR };
  const variants: Record<string, MeshIR> = { ...bases };
  for (const [name, change] of Object.entries(CHANGES)) {
    let changes = 0;
    for (const [base, ir] of Object.entries(bases)) {
      const variant = changed(ir, change);
      variants[`${name}-${base}`] = variant;
      if (!equalMaps(contents(variant, emitEnvoyUnshared), contents(ir, emitEnvoyUnshared))) changes++;
    }
    assert.ok(changes > 0, `${name} changes the output of some base`);
  }
  const merged = mergedIR(variants);
  assert.equal(contents(merged, emitEnvoy), contents(merged, emitEnvoyUnshared));
});

const equalMaps = (a: ReadonlyMap<string, string>, b: ReadonlyMap<string, string>) => a.size === b.size && [...a].every(([k, v]) => b.get(k) === v);

test("every example: the same bytes as builders sharing nothing", async () => {
  const examples = readdirSync(join(ROOT, "examples")).sort().filter((n) => n !== "platform");
  const irs: Record<string, MeshIR> = {};
  for (const name of examples) {
    const config = CONFIG_NAMES.map((c) => join(ROOT, "examples", name, c)).find(existsSync);
    if (config === undefined) continue;
    const r = await compileFile(config, { cwd: ROOT, verify: "none", typecheck: false, targets: ["envoy"] });
    assert.ok(r.ir !== null, name);
    irs[name] = r.ir!;
    assert.equal(contents(r.ir!, emitEnvoy), contents(r.ir!, emitEnvoyUnshared), name);
  }
  assert.ok(Object.keys(irs).length >= 3);
  const merged = mergedIR(irs);
  assert.equal(contents(merged, emitEnvoy), contents(merged, emitEnvoyUnshared));
});

test("a shared subtree is one frozen object in every bootstrap that holds it, and cannot be changed", () => {
  const [a, b] = emitEnvoy(sampleIR).files.map((f) => bootstrapOf(f) as Record<string, any>);
  assert.ok(a !== undefined && b !== undefined);
  assert.ok(a.overload_manager === b.overload_manager, "the overload manager is shared");
  assert.ok(isSharedSubtree(a.overload_manager));
  const monitor = a.overload_manager.resource_monitors[0];
  assert.throws(() => { a.overload_manager.refresh_interval = "1s"; }, TypeError);
  assert.throws(() => { monitor.typed_config.max_heap_size_bytes = 1; }, TypeError);
  assert.throws(() => { a.overload_manager.actions.push({}); }, TypeError);
  // The bootstrap itself is the proxy's own: not frozen.
  assert.not.ok(Object.isFrozen(a));
});

test("the verifier reports a defect in a shared subtree in every bootstrap holding it", () => {
  const { bootstraps } = buildEnvoyBootstraps(sampleIR);
  const broken = shareSubtree({ refresh_interval: "soon", resource_monitors: [] });
  const docs = bootstraps.map((b) => ({ ...(b.bootstrap as Record<string, unknown>), overload_manager: broken }));
  assert.ok(docs.length >= 2);
  const expected = [
    [ENVOY_CODES.invalidDuration.code, "overload_manager.refresh_interval"],
    [ENVOY_CODES.validateRule.code, "overload_manager.resource_monitors"],
  ];
  // Every bootstrap, and the first one again: a walk that found something is never remembered as clean.
  for (const doc of [...docs, docs[0]]) {
    assert.equal(collectBootstrapFindings(doc).map((f) => [f.info.code, f.path.join(".")]), expected);
  }
});

test("a shared subtree walked clean as one message is still checked where it sits as another", () => {
  const { bootstraps } = buildEnvoyBootstraps(sampleIR);
  const doc = bootstraps[0]!.bootstrap as Record<string, any>;
  assert.equal(collectBootstrapFindings(doc), []);
  // The admin object (shared, walked clean as envoy.config.bootstrap.v3.Admin) as an overload manager.
  assert.ok(isSharedSubtree(doc.admin));
  const findings = collectBootstrapFindings({ ...doc, overload_manager: doc.admin });
  assert.ok(findings.some((f) => f.info.code === ENVOY_CODES.unknownField.code && f.path.join(".") === "overload_manager.address"));
});

test("the set of shared subtrees is bounded, and a subtree built again after the bound is still its key's", () => {
  const shared = new SharedSubtrees(true, 2);
  let builds = 0;
  const of = (kind: string, key: string) => shared.of(kind, key, () => { builds++; return { kind, key }; });
  const first = of("a", "1");
  assert.ok(of("a", "1") === first && builds === 1, "kept");
  assert.equal(of("b", "1"), { kind: "b", key: "1" }, "a kind is part of the key");
  assert.equal(of("a", "2"), { kind: "a", key: "2" });
  assert.is(builds, 3);
  const again = of("a", "1");
  assert.equal(again, { kind: "a", key: "1" });
  assert.ok(Object.isFrozen(again));
  const unshared = new SharedSubtrees(false);
  assert.ok(unshared.of("a", "1", () => ({ x: 1 })) !== unshared.of("a", "1", () => ({ x: 1 })), "reuse off builds every time");
});

test.run();
