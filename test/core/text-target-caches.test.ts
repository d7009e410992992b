// The nginx and HAProxy emitters keep what their proxies share (nginx: the mesh's cipher list,
// retry condition lists; per proxy, a cluster's pass settings; HAProxy: a cluster's server
// lines per proxy). Those caches must not change a byte or a diagnostic: one emitter for
// every proxy, in either order, gives what a fresh emitter per proxy gives.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { fileURLToPath } from "node:url";
import type { MeshIR } from "../../compiler/ir/types.ts";
import type { EmitResult, Target } from "../../compiler/target.ts";
import { compile, compileConfig } from "../../compiler/testing.ts";
import { nginx } from "../../targets/nginx/index.ts";
import { haproxy } from "../../targets/haproxy/index.ts";
import { generateMesh } from "../../bench/generate.ts";
import { sampleIR } from "../fixtures/ir/sample.ts";
import { policyMatrixIR, policyMatrixSecurityIR } from "../fixtures/ir/policy-matrix.ts";

const summary = (r: EmitResult) => ({
  files: r.files.map((f) => `${f.path}\n${f.content}`),
  diagnostics: r.diagnostics.map((d) => `${d.code} ${d.path ?? ""} ${d.message}`),
});

async function irs(): Promise<[string, MeshIR][]> {
  const out: [string, MeshIR][] = [["sample", sampleIR], ["policy-matrix", policyMatrixIR], ["policy-matrix-security", policyMatrixSecurityIR]];
  // Generated services: routes with and without retries, splits, several callers per service.
  const generated = await compile(generateMesh(40), { targets: ["certs"] });
  assert.ok(generated.ir, generated.errors.join(", "));
  out.push(["generated-40", generated.ir!]);
  for (const example of ["bookinfo/mesh.config.ts", "shop/mesh.config.ts", "blog/mesh.yaml"]) {
    const r = await compileConfig(fileURLToPath(new URL(`../../examples/${example}`, import.meta.url)), { targets: ["certs"] });
    assert.ok(r.ir, `${example}: ${r.errors.join(", ")}`);
    out.push([example, r.ir!]);
  }
  return out;
}

for (const target of [nginx, haproxy] as Target[]) {
  test(`${target.name}: one emitter for every proxy, forwards or backwards, equals a fresh emitter per proxy`, async () => {
    for (const [name, ir] of await irs()) {
      const fresh = ir.proxies.map((p) => summary(target.perProxy!(ir).proxy(p)));
      const shared = target.perProxy!(ir);
      const forwards = ir.proxies.map((p) => summary(shared.proxy(p)));
      const again = target.perProxy!(ir);
      const backwards = [...ir.proxies].reverse().map((p) => summary(again.proxy(p))).reverse();
      assert.ok(fresh.some((f) => f.files.length > 0), `${name}: ${target.name} emitted nothing`);
      assert.equal(forwards, fresh, `${name}: forwards`);
      assert.equal(backwards, fresh, `${name}: backwards`);
    }
  });
}

test.run();
