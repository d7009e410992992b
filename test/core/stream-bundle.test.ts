// The streamed pipeline (emit-stream.ts): proxy by proxy into the staged bundle gives the
// same bytes as the in-memory compile; a verifier that fails on a later chunk stops the sink
// after the chunks before it, and discarding the staging folder leaves the old bundle whole;
// every proxy target's `emit` equals its `perProxy` files.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { lockFileFor, stageBundle, withLockFile, writeBundle } from "../../compiler/bundle.ts";
import { compileFile } from "../../compiler/compile.ts";
import { CHUNK_PROXIES, createEmitMemo, emitStreamed, type FileSink } from "../../compiler/emit-stream.ts";
import { diagnostic } from "../../compiler/diagnostics/define.ts";
import { coreCodes } from "../../compiler/diagnostics/codes.ts";
import type { MeshIR, ProxyIR } from "../../compiler/ir/types.ts";
import { emitByProxy, type EmittedFile, type Target, type Verifier } from "../../compiler/target.ts";
import { envoy } from "../../targets/envoy/index.ts";
import { haproxy } from "../../targets/haproxy/index.ts";
import { nginx } from "../../targets/nginx/index.ts";
import { createKubernetesTarget, kubernetes } from "../../targets/kubernetes/index.ts";
import { richIR } from "../fixtures/ir/kubernetes-rich.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const SHOP = join(ROOT, "examples", "shop", "mesh.config.ts");
const work = mkdtempSync(join(tmpdir(), "meshc-stream-"));

function readTree(dir: string, rel = ""): Map<string, string> {
  const out = new Map<string, string>();
  for (const e of readdirSync(join(dir, rel), { withFileTypes: true })) {
    const p = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) for (const [k, v] of readTree(dir, p)) out.set(k, v);
    else out.set(p, readFileSync(join(dir, p), "utf8"));
  }
  return out;
}

const clock = { lap() {} };

test("the streamed bundle equals the in-memory compile, byte for byte, lock included", async () => {
  const options = { cwd: ROOT, typecheck: false } as const;
  const whole = await compileFile(SHOP, options);
  assert.ok(whole.files.length > 20, "the example emits a real bundle");
  const out = join(work, "streamed");
  const staged = stageBundle(out);
  if (Array.isArray(staged)) throw new Error(staged.map((d) => d.message).join());
  const streamed = await compileFile(SHOP, { ...options, sink: staged });
  assert.equal(streamed.files.length, 0, "streamed files are not kept in memory");
  assert.equal(streamed.diagnostics.map((d) => d.code), whole.diagnostics.map((d) => d.code));
  staged.add([lockFileFor(staged.entries(), streamed.config!.digest)]);
  assert.equal(staged.commit(), []);
  const expected = new Map(withLockFile(whole.files, whole.config!.digest).map((f) => [f.path, f.content]));
  assert.equal([...readTree(out)].sort(), [...expected].sort());
});

const sortedByPath = (r: ReturnType<Target["emit"]>) => [...r.files].sort((a, b) => (a.path < b.path ? -1 : 1));
/** Kubernetes sidecars of every flavour: each reads its proxy target's files of the proxy. */
const kubernetesFlavours = [kubernetes, createKubernetesTarget(nginx), createKubernetesTarget(haproxy)];

test("every proxy target's emit is its per-proxy files, shared first", async () => {
  const { ir } = await compileFile(SHOP, { cwd: ROOT, typecheck: false, targets: ["envoy"] });
  for (const target of [envoy, nginx, haproxy]) {
    assert.ok(target.perProxy, `${target.name} emits per proxy`);
    assert.equal(emitByProxy(target.perProxy!, ir!), target.emit(ir!), target.name);
  }
  // The Kubernetes target's emit sorts its files by path; the same files and diagnostics.
  for (const target of kubernetesFlavours) {
    for (const mesh of [ir!, richIR]) {
      assert.ok(target.perProxy, "kubernetes emits per proxy");
      const [streamed, whole] = [emitByProxy(target.perProxy!, mesh), target.emit(mesh)];
      assert.ok(whole.files.length > 10);
      assert.equal(sortedByPath(streamed), whole.files, target.description);
      assert.equal(streamed.diagnostics, whole.diagnostics);
    }
  }
});

test("a proxy's files depend on the proxy, the mesh and the runtime paths alone (the memo's key)", async () => {
  const { ir } = await compileFile(SHOP, { cwd: ROOT, typecheck: false, targets: ["envoy"] });
  // Everything else emptied, and the other proxies gone: each proxy's files stay byte for byte.
  const bare = (p: ProxyIR) => ({ version: ir!.version, mesh: ir!.mesh, runtime: ir!.runtime, proxies: [p], infra: {} }) as unknown as MeshIR;
  for (const target of [envoy, nginx, haproxy]) {
    const full = target.perProxy!(ir!);
    for (const p of ir!.proxies) assert.equal(target.perProxy!(bare(p)).proxy(p), full.proxy(p), `${target.name} ${p.name}`);
  }
});

test("a proxy's Kubernetes files depend on exactly the IR its inputOf names, and name only its own workloads", async () => {
  const { ir } = await compileFile(SHOP, { cwd: ROOT, typecheck: false, targets: ["envoy"] });
  for (const mesh of [ir!, richIR]) {
    for (const target of kubernetesFlavours) {
      const full = target.perProxy!(mesh);
      let nonEmpty = 0;
      for (const p of mesh.proxies) {
        const slice = full.inputOf!(p);
        assert.ok(slice.infra.workloads.length < mesh.infra.workloads.length || mesh.infra.workloads.length <= 2, "the slice is not the mesh");
        const files = full.proxy(p);
        // From the slice alone (the other proxies and workloads gone), byte for byte the same.
        assert.equal(target.perProxy!(slice).proxy(p), files, `${target.name} ${p.name}`);
        // Every object of p's files belongs to p's workloads (named after them, or their identity).
        const own = mesh.infra.workloads.filter((w) => w.proxy === p.name);
        for (const f of files.files) assert.ok(own.some((w) => f.path.includes(w.name) || f.path.includes(w.serviceAccount)), `${f.path} is ${p.name}'s`);
        if (files.files.length > 0) nonEmpty++;
      }
      assert.ok(nonEmpty >= 3, "the proxies emit their workloads' objects");
    }
  }
});

/** A target with one small file per proxy, and a verifier that rejects one proxy's file. */
function fakes(failing: string): { target: Target; verifier: Verifier; verified: string[] } {
  const emitProxy = (p: ProxyIR) => ({ files: [{ path: `envoy/${p.name}.yaml`, content: `${p.name}\n` }], diagnostics: [] });
  const perProxy = () => ({ proxy: emitProxy, shared: () => ({ files: [], diagnostics: [] }) });
  const target = { ...envoy, perProxy, emit: (ir: MeshIR) => emitByProxy(perProxy, ir) } as Target;
  const verified: string[] = [];
  const verifier: Verifier = {
    target: "envoy", defaultOn: true, missing: () => null,
    verify: async (files, ir) => {
      // The verifier sees the IR of its chunk alone.
      assert.equal(ir.proxies.map((p) => `envoy/${p.name}.yaml`), files.map((f) => f.path));
      verified.push(...files.map((f) => f.path));
      return files.filter((f) => f.path === `envoy/${failing}.yaml`).map((f) => diagnostic(coreCodes.internal, { message: "rejected", file: f.path }));
    },
  };
  return { target, verifier, verified };
}

const meshOf = (n: number): MeshIR => {
  const proxies = Array.from({ length: n }, (_, i) => ({ name: `p${String(i).padStart(4, "0")}` }) as unknown as ProxyIR);
  return { version: 1, proxies } as unknown as MeshIR;
};

test("a verifier error in a later chunk stops the sink; discarding keeps the old bundle", async () => {
  const out = join(work, "kept");
  const old: EmittedFile[] = [{ path: "envoy/old.yaml", content: "old\n" }];
  assert.equal(writeBundle(out, withLockFile(old, "0".repeat(64))), []);
  const before = readTree(out);
  const ir = meshOf(CHUNK_PROXIES * 3);
  const failing = ir.proxies[CHUNK_PROXIES + 5]!.name;
  const { target, verifier, verified } = fakes(failing);
  const staged = stageBundle(out);
  if (Array.isArray(staged)) throw new Error("refused");
  const handed: string[] = [];
  const sink: FileSink = { add: (files) => { handed.push(...files.map((f) => f.path)); staged.add(files); } };
  const diagnostics: ReturnType<typeof diagnostic>[] = [];
  await emitStreamed(ir, [target], [verifier], "default", diagnostics, sink, clock);
  assert.equal(diagnostics.map((d) => d.file), [`envoy/${failing}.yaml`]);
  assert.equal(handed.length, CHUNK_PROXIES, "only the chunk before the failure reached the sink");
  assert.equal(verified.length, CHUNK_PROXIES * 2, "nothing is verified after the failure");
  const staging = readdirSync(dirname(out)).filter((n) => n.startsWith(`.${basename(out)}.meshc-staging-`));
  assert.equal(staging.length, 1, "the first chunk went to the staging folder, not to --out");
  staged.discard();
  assert.equal(readTree(out), before, "the old bundle is untouched");
  assert.not.ok(readdirSync(dirname(out)).some((n) => n.startsWith(`.${basename(out)}.meshc-`)), "no staging folder is left");
});

test("the streamed compile keeps no file in memory past its chunk", async () => {
  const ir = meshOf(CHUNK_PROXIES * 4);
  const { target, verifier } = fakes("none");
  const largest: number[] = [];
  const sink: FileSink = { add: (files) => { largest.push(files.length); } };
  await emitStreamed(ir, [target], [verifier], "default", [], sink, clock);
  assert.equal(largest, [CHUNK_PROXIES, CHUNK_PROXIES, CHUNK_PROXIES, CHUNK_PROXIES]);
});

test("with a memo, a second run emits and verifies only the proxy whose IR changed", async () => {
  const ir = meshOf(CHUNK_PROXIES + 3);
  const { target, verifier, verified } = fakes("none");
  const memo = createEmitMemo();
  const run = async (mesh: MeshIR) => {
    const added: string[] = [];
    const kept: string[] = [];
    const sink: FileSink = { add: (files) => { added.push(...files.map((f) => f.path)); }, keep: (entries) => { kept.push(...entries.map((e) => e.path)); } };
    await emitStreamed(mesh, [target], [verifier], "default", [], sink, clock, memo);
    memo.last = memo.next;
    return { added, kept };
  };
  assert.equal((await run(ir)).added.length, ir.proxies.length);
  verified.length = 0;
  const edited = { ...ir, proxies: ir.proxies.map((p, i) => (i === 2 ? { ...p, owner: "changed" } : p)) } as MeshIR;
  const second = await run(edited);
  assert.equal(second.added, [`envoy/${ir.proxies[2]!.name}.yaml`]);
  assert.equal(verified, second.added, "only the changed proxy is verified");
  assert.equal(second.kept.length, ir.proxies.length - 1);
});

test.after(() => {
  if (existsSync(work)) rmSync(work, { recursive: true, force: true });
});

test.run();
