// ir/infra.ts builds the infra's workloads and NetworkPolicies on first read. The infra must
// read as the plain object it stands for: the same keys in the same order, the same JSON
// whichever part is read first, a spread and a structured clone (the emit workers' copy)
// holding the same values, and a part read twice is the same object.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { compileLoaded } from "../../compiler/compile.ts";
import { configFromValue } from "../../compiler/testing.ts";
import { buildIR } from "../../compiler/ir/index.ts";
import type { NMesh } from "../../compiler/normalize/model.ts";
import { variant } from "./base.ts";

async function meshOf(config: unknown): Promise<NMesh> {
  const r = await compileLoaded(configFromValue(config), { cwd: process.cwd(), targets: ["certs"], verify: "none" });
  assert.ok(r.mesh && r.diagnostics.every((d) => d.severity !== "error"), JSON.stringify(r.diagnostics));
  return r.mesh!;
}

const KEYS = ["namespace", "ca", "identities", "workloads", "gateways", "networkPolicies", "defaultDeny", "kubernetes"];

test("the lazy infra reads as a plain object, whichever part is read first", async () => {
  const mesh = await meshOf(variant(() => {}));
  const first = buildIR(mesh).infra;
  const json = JSON.stringify(first);
  assert.equal(Object.keys(first), KEYS);
  assert.ok(first.workloads.length > 0 && first.networkPolicies.length > 0);
  assert.is(first.workloads, first.workloads, "a part is built once");
  // Parts read first in the other order, or not at all before the JSON.
  const other = buildIR(mesh).infra;
  void other.networkPolicies;
  assert.is(JSON.stringify(other), json);
  const spread = { ...buildIR(mesh).infra };
  assert.equal(Object.keys(spread), KEYS);
  assert.is(JSON.stringify(spread), json);
  assert.is(JSON.stringify(structuredClone(buildIR(mesh).infra)), json);
  // The parts as the eager builder made them: every service has its workload and its policy, in order.
  assert.equal(first.workloads.map((w) => w.name), mesh.services.map((s) => s.name));
  assert.equal(first.networkPolicies.map((p) => p.target), mesh.services.map((s) => s.name));
});

test.run();
