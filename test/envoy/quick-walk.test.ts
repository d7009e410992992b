// The quick walk (verify/quick-walk.ts) must call a bootstrap clean exactly when
// SchemaWalker finds nothing in it: a bootstrap it wrongly calls clean would lose its findings.
// Compared here on every emitted fixture, as parsed YAML and as the emitter's own objects
// (shared subtrees included), and on each of them with one member replaced by a hostile value,
// a key added or a member removed, at every position of the tree.
import { test } from "uvu";
import * as assert from "uvu/assert";
import YAML from "yaml";
import type { MeshIR } from "../../compiler/ir/types.ts";
import { buildEnvoyBootstraps, emitEnvoy } from "../../targets/envoy/index.ts";
import { quickClean } from "../../targets/envoy/verify/quick-walk.ts";
import { BOOTSTRAP_TYPE } from "../../targets/envoy/verify/protos.ts";
import { SchemaWalker } from "../../targets/envoy/verify/schema-walk.ts";
import { loadEnvoyPlans, PlanSet } from "../../targets/envoy/verify/type-plans.ts";
import { envoyFeaturesIR } from "../fixtures/ir/envoy-features.ts";
import { buildEnvoyScaleIR } from "../fixtures/ir/envoy-scale.ts";
import { buildXdsTrafficIR } from "../fixtures/ir/envoy-xds.ts";
import { sampleIR } from "../fixtures/ir/sample.ts";

type Node = Record<string, unknown> | unknown[];
const IRS: MeshIR[] = [sampleIR, envoyFeaturesIR, buildXdsTrafficIR(8081, 8082), buildEnvoyScaleIR(3)];

function reference(plans: PlanSet, value: unknown): boolean {
  const walker = new SchemaWalker(plans, false);
  walker.walkRoot(value, BOOTSTRAP_TYPE);
  return walker.found === 0;
}

function agree(plans: PlanSet, value: unknown, what: string): boolean {
  const expected = reference(plans, value);
  const got = quickClean(plans, value, BOOTSTRAP_TYPE);
  if (got !== expected) assert.unreachable(`${what}: quick ${got}, walk ${expected}`);
  return expected;
}

const HOSTILE: unknown[] = [
  null, "", "x", "0", "-1", "1.5", "01", "4294967296", "18446744073709551616", "-9223372036854775809", "NaN", "-Infinity", "1e3",
  "0.25s", "1s", "-1s", "1.0000000001s", "315576000001s", "99999999999s", "1.5ms", "toString", "__proto__", "constructor", "AUTO", "DENY",
  "type.googleapis.com/envoy.config.rbac.v3.Action", "@@", "YWJj", "a b", 0, -1, 1, 1.5, 2 ** 31, 2 ** 32, -(2 ** 31) - 1, 2 ** 53, Number.NaN,
  Number.POSITIVE_INFINITY, true, false, [], [null], [1], ["x"], [{}], {}, { "@type": 1 }, { "@type": "type.googleapis.com/google.protobuf.Duration", value: "1s" },
  { "@type": "type.googleapis.com/google.protobuf.Struct", value: 1 }, { "@type": "type.googleapis.com/nope.Nope" }, { name: "x" }, { exact: "x", prefix: "y" },
];

/** Every container in the tree with each of its keys (or indexes). */
function positions(root: unknown): [Node, string | number][] {
  const out: [Node, string | number][] = [];
  const visit = (node: unknown): void => {
    if (node === null || typeof node !== "object") return;
    if (Array.isArray(node)) node.forEach((item, i) => { out.push([node, i]); visit(item); });
    else for (const key of Object.keys(node)) { out.push([node as Node, key]); visit((node as Record<string, unknown>)[key]); }
  };
  visit(root);
  return out;
}

/** Calls `check` with the tree changed at one position, then puts it back. */
function mutate(node: Node, key: string | number, value: unknown, check: () => void): void {
  const record = node as Record<string | number, unknown>;
  const had = Object.hasOwn(record, key);
  const before = record[key];
  if (value === REMOVE) delete record[key]; else record[key] = value;
  try { check(); } finally { if (had) record[key] = before; else delete record[key]; }
}
const REMOVE = Symbol("remove");

const parsed = IRS.flatMap((ir) => emitEnvoy(ir).files.map((f) => ({ path: f.path, value: YAML.parse(f.content) as unknown })));

test("emitted bootstraps: clean through both, as parsed YAML and as the emitter's objects", () => {
  const plans = loadEnvoyPlans();
  for (const { path, value } of parsed) assert.ok(agree(plans, value, path), path);
  for (const ir of IRS) for (const b of buildEnvoyBootstraps(ir).bootstraps) assert.ok(agree(plans, b.bootstrap, b.path), b.path);
});

test("one hostile value, key or removal anywhere: the quick walk agrees with the walk", () => {
  // A PlanSet read from the protos (not the table): its plans are resolved as these values reach them.
  const plans = new PlanSet(null);
  let dirty = 0;
  let cases = 0;
  for (const { path, value } of parsed.slice(0, 4)) {
    for (const [node, key] of positions(value)) {
      for (const hostile of [...HOSTILE, REMOVE]) {
        mutate(node, key, hostile, () => { cases++; if (!agree(plans, value, `${path} ${String(key)} = ${JSON.stringify(hostile)}`)) dirty++; });
      }
      if (!Array.isArray(node)) {
        // An unknown key, and a member's camelCase twin (a oneof set twice, or a field given twice).
        for (const extra of ["unknown_field", String(key).replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase()) + (String(key).includes("_") ? "" : "X"), "@type"]) {
          if (Object.hasOwn(node, extra)) continue;
          mutate(node, extra, (node as Record<string, unknown>)[key as string], () => { cases++; if (!agree(plans, value, `${path} +${extra}`)) dirty++; });
        }
      }
    }
  }
  assert.ok(cases > 3_000, `${cases} cases`);
  assert.ok(dirty > cases / 4, `${dirty} of ${cases} found dirty`);
});

test.run();
