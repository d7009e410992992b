// In a streamed compile the Envoy verifier checks each bootstrap the moment it is serialized
// (targets/envoy/index.ts checkAsEmitted) and the file carries the findings, not the object
// tree. What must hold: a defect is still found, with its line, in a streamed compile; a
// check registered for one IR never vouches for another IR's bootstraps; the registration
// ends with the run; and a clean streamed emit keeps no bootstrap object on its files.
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Diagnostic } from "../../compiler/diagnostics/types.ts";
import { emitStreamed } from "../../compiler/emit-stream.ts";
import type { MeshIR } from "../../compiler/ir/types.ts";
import type { EmittedFile } from "../../compiler/target.ts";
import { bootstrapOf, checkedOf, emitEnvoy, envoy } from "../../targets/envoy/index.ts";
import { envoyVerifier, verifyEnvoyIR } from "../../targets/envoy/verify.ts";
import { buildEnvoyScaleIR } from "../fixtures/ir/envoy-scale.ts";
import { sampleIR } from "../fixtures/ir/sample.ts";

const clock = { lap: () => {} };
const summary = (ds: readonly Diagnostic[]) => ds.map((d) => `${d.code} ${d.file}:${d.line}:${d.column} ${d.path}`);

/** A 2-proxy IR whose first cluster of every proxy has a zero connect timeout (MESH4108). */
function brokenIR(): MeshIR {
  const ir = buildEnvoyScaleIR(2);
  return { ...ir, proxies: ir.proxies.map((p) => ({ ...p, clusters: p.clusters.map((c, i) => (i === 0 ? { ...c, connectTimeoutMs: 0 } : c)) })) };
}

async function streamed(ir: MeshIR): Promise<{ files: EmittedFile[]; diagnostics: Diagnostic[] }> {
  const files: EmittedFile[] = [];
  const diagnostics: Diagnostic[] = [];
  await emitStreamed(ir, [envoy], [envoyVerifier], "default", diagnostics, { add: (f) => { files.push(...f); } }, clock);
  return { files, diagnostics };
}

test("a streamed compile finds a defect in a bootstrap checked as emitted, with the same diagnostics as the whole check", async () => {
  const ir = brokenIR();
  const { files, diagnostics } = await streamed(ir);
  const expected = verifyEnvoyIR(ir);
  assert.is(expected.length, ir.proxies.length);
  assert.ok(expected.every((d) => d.code === "MESH4108" && d.line > 0));
  assert.equal(summary(diagnostics), summary(expected));
  assert.is(files.length, 0, "nothing reaches the sink once an error is found");
});

test("a clean streamed emit: files carry an empty finding list and no bootstrap object; the bytes are the in-memory emit's", async () => {
  const { files, diagnostics } = await streamed(sampleIR);
  assert.equal(diagnostics.filter((d) => d.severity === "error"), []);
  const envoyFiles = files.filter((f) => f.path.startsWith("envoy/"));
  assert.is(envoyFiles.length, sampleIR.proxies.length);
  for (const f of envoyFiles) {
    assert.equal(checkedOf(f), [], f.path);
    assert.is(bootstrapOf(f), undefined, f.path);
  }
  const whole = new Map(emitEnvoy(sampleIR).files.map((f) => [f.path, f.content]));
  assert.equal(new Map(envoyFiles.map((f) => [f.path, f.content])), whole);
});

test("a check registered for one IR does not vouch for another IR's bootstraps, and ends with its run", async () => {
  const clean = buildEnvoyScaleIR(2);
  const run = envoyVerifier.begin!(clean);
  // While the clean IR's run lasts, a broken IR (other objects) is emitted and verified without it.
  const broken = brokenIR();
  const files = emitEnvoy(broken).files;
  assert.ok(files.every((f) => checkedOf(f) === undefined && bootstrapOf(f) !== undefined));
  assert.is((await envoyVerifier.verify(files, broken)).length, broken.proxies.length);
  // The clean IR's own emits are checked as emitted while the run lasts...
  assert.ok(emitEnvoy(clean).files.every((f) => checkedOf(f)?.length === 0));
  assert.equal(run.end(), []);
  // ...and no longer once it ended.
  assert.ok(emitEnvoy(clean).files.every((f) => checkedOf(f) === undefined && bootstrapOf(f) !== undefined));
});

test.run();
