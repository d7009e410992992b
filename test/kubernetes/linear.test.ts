// The Kubernetes target's cost grows linearly with the mesh. Its emit and its verifier run on
// generated meshes of 400 and 4,000 pod services; a 10x larger mesh may cost at most 25x the
// CPU time (linear is about 10x; a quadratic stage gives up to 100x). CPU time, not wall time,
// and the least of several runs, so a loaded machine does not make it flake; a full garbage
// collection before each timed part, so neither pays for collecting what ran before it. (At 200
// services the verifier is ~3 ms warm, 14-19 us a service against ~40-60 from 500 to 4,000, so a
// 200 / 2,000 pair failed at 28-32x with no super-linear stage.) The proxy target's emit (shared
// per IR) is done before timing: this measures the Kubernetes target's own work.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { generateMesh } from "../../bench/generate.ts";
import { collectGarbage } from "../../compiler/cli/watch-rehearsal.ts";
import { compileLoaded } from "../../compiler/compile.ts";
import type { MeshIR } from "../../compiler/ir/types.ts";
import { configFromValue } from "../../compiler/testing.ts";
import { createKubernetesTarget } from "../../targets/kubernetes/index.ts";
import { emitShared } from "../../targets/kubernetes/shared-emit.ts";
import { verifyKubernetesEmitted } from "../../targets/kubernetes/verify.ts";
import { standInProxy } from "./stand-in-proxy.ts";

const [SMALL, LARGE, MAX_RATIO, RUNS] = [400, 4000, 25, 3];
const kubernetes = createKubernetesTarget(standInProxy);

async function buildIR(services: number): Promise<MeshIR> {
  const r = await compileLoaded(configFromValue(generateMesh(services, { pods: true })), { cwd: process.cwd(), verify: "none", targets: [] });
  assert.ok(r.ir, `the ${services}-service mesh compiles`);
  emitShared(standInProxy, r.ir!);
  return r.ir!;
}

function cpuMs(run: () => void): number {
  const start = process.cpuUsage();
  run();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

/** The least CPU time of the emit and of the verifier over RUNS runs. */
function measure(ir: MeshIR): { emit: number; verify: number } {
  let [emit, verify] = [Infinity, Infinity];
  for (let i = 0; i < RUNS; i++) {
    let files: ReturnType<typeof kubernetes.emit>["files"] = [];
    collectGarbage();
    emit = Math.min(emit, cpuMs(() => { files = kubernetes.emit(ir).files; }));
    collectGarbage();
    verify = Math.min(verify, cpuMs(() => { assert.equal(verifyKubernetesEmitted(files, ir).filter((d) => d.severity === "error"), []); }));
  }
  return { emit, verify };
}

test(`emit and verify: ${LARGE} services cost at most ${MAX_RATIO}x what ${SMALL} do`, async () => {
  const [small, large] = [await buildIR(SMALL), await buildIR(LARGE)];
  measure(small); // warm-up: the first run also compiles the code it runs
  const a = measure(small);
  const b = measure(large);
  const ratios = { emit: b.emit / a.emit, verify: b.verify / a.verify };
  const report = `CPU ms at ${SMALL}: ${JSON.stringify(a)}, at ${LARGE}: ${JSON.stringify(b)}; ratios ${JSON.stringify(ratios)}`;
  if (process.env.LINEAR_REPORT) console.log(report);
  assert.ok(ratios.emit <= MAX_RATIO, `emit is super-linear: ${report}`);
  assert.ok(ratios.verify <= MAX_RATIO, `verify is super-linear: ${report}`);
});

test.run();
