// The precompiled plan table (`envoy-plans.json`, written by the build) and the plans read
// from the .proto files through protobufjs must check the same things: each malformed
// bootstrap below is rejected with the same findings through both, and the table alone
// (protos unreachable) is enough for everything the emitter writes.
import { test } from "uvu";
import * as assert from "uvu/assert";
import YAML from "yaml";
import { emitEnvoy } from "../../targets/envoy/index.ts";
import { collectBootstrapFindings } from "../../targets/envoy/verify.ts";
import { loadEnvoyProtos } from "../../targets/envoy/verify/protos.ts";
import { collectPlanTable, PlanSet, type TypeData } from "../../targets/envoy/verify/type-plans.ts";
import { checkScalarRules, compileScalarRules, itemRules } from "../../targets/envoy/verify/validate-rules.ts";
import { envoyFeaturesIR } from "../fixtures/ir/envoy-features.ts";
import { sampleIR } from "../fixtures/ir/sample.ts";
import { type Obj } from "./helpers.ts";

const fromProtos = new PlanSet(null);
const files = [sampleIR, envoyFeaturesIR].flatMap((ir) => emitEnvoy(ir).files);
const bootstraps = files.map((f) => YAML.parse(f.content) as Obj);
// Walking every bootstrap first loads each package an @type reaches, as the build's loads do.
for (const b of bootstraps) collectBootstrapFindings(b, fromProtos);
const tableText = JSON.stringify(collectPlanTable(loadEnvoyProtos().root));
const fromTable = () => new PlanSet(JSON.parse(tableText) as Record<string, TypeData>, () => { throw new Error("the table must not need the protos"); });
const web = () => structuredClone(bootstraps[files.findIndex((f) => f.path === "envoy/web.yaml")]);
const outbound = (b: Obj): Obj => b.static_resources.listeners[2].filter_chains[0].filters[0].typed_config;
const catalogRoute = (b: Obj): Obj => outbound(b).route_config.virtual_hosts[0].routes[1];
const show = (fs: ReturnType<typeof collectBootstrapFindings>) => fs.map((f) => `${f.info.code} ${f.path.join(".")} ${f.message} ${f.hint ?? ""}`);

test("the table is JSON of plain data and lists the bootstrap and the typed configs", () => {
  const table = JSON.parse(tableText) as Record<string, TypeData>;
  for (const name of ["envoy.config.bootstrap.v3.Bootstrap", "envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager", "google.protobuf.Duration"]) {
    assert.ok(table[name]?.fields.length > 0, name);
  }
});

test("every emitted bootstrap is clean through the table alone", () => {
  const plans = fromTable();
  for (const b of bootstraps) assert.equal(show(collectBootstrapFindings(b, plans)), []);
});

const broken: [string, (b: Obj) => void][] = [
  ["MESH4101", (b) => { b.static_resources.clusters[0].conect_timeout = "1s"; }],
  ["MESH4101", (b) => { b.static_resources.clusters[0].transport_socket.typed_config.sny = "x"; }],
  ["MESH4102", (b) => { b.static_resources.clusters[0].load_assignment.cluster_name = 42; }],
  ["MESH4103", (b) => { b.static_resources.clusters[1].circuit_breakers = { thresholds: [{ max_connections: 2 ** 32 }] }; }],
  ["MESH4104", (b) => { b.static_resources.clusters[0].lb_policy = "LEAST_REQUESTS"; }],
  ["MESH4105", (b) => { catalogRoute(b).route.retry_policy.per_try_timeout = "250ms"; }],
  ["MESH4106", (b) => { catalogRoute(b).route.cluster = "catalog-v1"; }],
  ["MESH4107", (b) => { b.static_resources.clusters[0].transport_socket.typed_config["@type"] = "type.googleapis.com/envoy.NoSuch"; }],
  ["MESH4108", (b) => { b.static_resources.clusters[0].outlier_detection.max_ejection_percent = 150; }],
  ["MESH4108", (b) => { outbound(b).route_config.virtual_hosts[0].domains = []; }],
  ["MESH4108", (b) => { b.static_resources.clusters[0].name = ""; }],
  ["MESH4108", (b) => { outbound(b).stat_prefix = ""; }],
  ["MESH4109", (b) => { delete b.static_resources.clusters[0].health_checks[0].timeout; }],
  ["MESH4109", (b) => { delete catalogRoute(b).route.weighted_clusters; }],
  ["MESH4110", (b) => { b.static_resources.clusters[0].http2_protocol_options = {}; }],
  // Cross-references (not the protos): each place a route names a cluster.
  ["MESH4111", (b) => { catalogRoute(b).route.weighted_clusters.clusters[1].name = "catalog-v3"; }],
  ["MESH4111", (b) => { delete catalogRoute(b).route.weighted_clusters; catalogRoute(b).route.cluster = "nowhere"; }],
  ["MESH4111", (b) => { catalogRoute(b).route.request_mirror_policies = [{ cluster: "nowhere" }]; }],
];

test("each malformed bootstrap is rejected with the same findings through the table and through the protos", () => {
  for (const [code, change] of broken) {
    const b = web();
    change(b);
    const viaTable = show(collectBootstrapFindings(b, code === "MESH4107" ? new PlanSet(JSON.parse(tableText)) : fromTable()));
    const viaProtos = show(collectBootstrapFindings(b, fromProtos));
    assert.equal(viaTable, viaProtos, code);
    assert.ok(viaTable.some((f) => f.startsWith(`${code} `)), `${code}: ${viaTable.join("; ")}`);
  }
});

test("a name the table lacks falls back to the protos (a relative @type name resolves as before)", () => {
  let asked = 0;
  const plans = new PlanSet(JSON.parse(tableText), () => { asked++; return loadEnvoyProtos(); });
  assert.is(plans.type("envoy.NoSuch"), null);
  assert.is(asked, 1);
  assert.is(plans.type("envoy.config.bootstrap.v3.Bootstrap")?.fullName, "envoy.config.bootstrap.v3.Bootstrap");
  assert.is(asked, 1);
});

test("the compiled scalar checks give checkScalarRules' answer for every rule in the table", () => {
  const values = ["", "a", "ab", " ", "\u00e9t\u00e9", "\ud83d\ude00", "\ud83d", ":path", "x-y", "a\nb", "a\rb", "\u0000", "127.0.0.1", "::1",
    "x".repeat(300), "\ud83d\ude00".repeat(2), "\ud83d\ude00a", "\ud83d\ude00".repeat(150), "\ud83d\ude00".repeat(300), "type.googleapis.com/x", 0, 1, -1, 100, 101, 65535, 65536, 2 ** 32, 0.5, true, false];
  let checked = 0;
  for (const type of Object.values(JSON.parse(tableText) as Record<string, TypeData>)) {
    for (const field of type.fields) {
      if (field.rules === null || field.kind === "enum") continue;
      const single = field.repeated || field.map ? itemRules(field.rules) : field.rules;
      if (single === null) continue;
      const check = compileScalarRules(single);
      for (const v of values) assert.is(check(v), checkScalarRules(v, single), `${field.name} ${JSON.stringify(single)} ${JSON.stringify(v)}`);
      checked++;
    }
  }
  assert.ok(checked > 100, `${checked} rules`);
});

test("compiled length rules count code points as checkScalarRules does, at and around every bound", () => {
  const values: string[] = [];
  for (let n = 0; n <= 7; n++) {
    values.push("x".repeat(n), "\ud83d\ude00".repeat(n), "\ud83d".repeat(n), "x" + "\ud83d\ude00".repeat(n), "\ud83d\ude00".repeat(n) + "\ud83d");
  }
  for (const bounds of [{ min_len: 1 }, { min_len: 2 }, { min_len: 3 }, { max_len: 2 }, { max_len: 3 }, { len: 2 }, { min_len: 2, max_len: 3 },
    { min_len: "2" }, { max_len: "3" }, { len: 3, min_len: 1 }, { min_len: 2, ignore_empty: true }, { min_len: 2, prefix: "x" }]) {
    const single = { string: bounds };
    const check = compileScalarRules(single);
    for (const v of values) assert.is(check(v), checkScalarRules(v, single), `${JSON.stringify(bounds)} ${JSON.stringify(v)}`);
  }
});

test.run();
