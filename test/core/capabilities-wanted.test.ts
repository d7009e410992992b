// The capability check of a compile without watch mode's cache collects only the uses of the
// features some selected target lacks or only partly supports (capabilities.ts, `wanted`),
// and builds no origin string for the others. It must report exactly what the check over
// every use reports: the watch path (a FeatureCache) still collects every use, so the two
// are compared for every set of targets over IRs that use most features.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { checkCapabilities, createFeatureCache } from "../../compiler/capabilities.ts";
import { buildIR } from "../../compiler/ir/index.ts";
import type { MeshIR } from "../../compiler/ir/types.ts";
import { normalize } from "../../compiler/normalize/index.ts";
import { checkSchema } from "../../compiler/schema.ts";
import type { Target } from "../../compiler/target.ts";
import { certs } from "../../targets/certs/index.ts";
import { envoy } from "../../targets/envoy/index.ts";
import { haproxy } from "../../targets/haproxy/index.ts";
import { createKubernetesTarget } from "../../targets/kubernetes/index.ts";
import { nginx } from "../../targets/nginx/index.ts";
import { richIR } from "../fixtures/ir/kubernetes-rich.ts";
import { policyMatrixIR, policyMatrixSecurityIR } from "../fixtures/ir/policy-matrix.ts";

const CASES = join(dirname(fileURLToPath(import.meta.url)), "..", "schema", "cases", "valid.json");

const irs: [string, MeshIR][] = [["policy-matrix", policyMatrixIR], ["policy-matrix-security", policyMatrixSecurityIR], ["kubernetes-rich", richIR]];
for (const c of JSON.parse(readFileSync(CASES, "utf8")) as { label: string; mesh: unknown }[]) {
  if (checkSchema(c.mesh, "mesh.json").length > 0) continue;
  irs.push([c.label, buildIR(normalize(c.mesh as Parameters<typeof normalize>[0]))]);
}

const all: readonly Target[] = [envoy, nginx, haproxy, createKubernetesTarget(envoy), createKubernetesTarget(nginx), certs];
/** Every non-empty set of targets, in registry order. */
const targetSets: Target[][] = [];
for (let mask = 1; mask < 1 << all.length; mask++) targetSets.push(all.filter((_, i) => mask & (1 << i)));

test("only the wanted features' uses: the same diagnostics as every use, for every set of targets", () => {
  let reported = 0;
  for (const [label, ir] of irs) {
    for (const targets of targetSets) {
      const wanted = checkCapabilities(ir, targets);
      const every = checkCapabilities(ir, targets, createFeatureCache());
      assert.equal(wanted, every, `${label}: ${targets.map((t) => t.name).join(", ")}`);
      reported += wanted.length;
    }
  }
  // The comparison means something only if the IRs use features some target lacks.
  assert.ok(reported > 1000, `capability diagnostics compared: ${reported}`);
});

test.run();
