// The parallel emit (compiler/emit-workers.ts): the bundle is the same bytes with 1 and N threads;
// a verifier finding in one chunk gives the single-threaded path's diagnostics and hands the
// sink the same files (so the caller, which discards on error, writes nothing); a worker that
// dies or throws is a coded diagnostic, never a stack trace or a hanging process.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { lockFileFor, stageBundle } from "../../compiler/bundle.ts";
import { compileFile, type CompileOptions } from "../../compiler/compile.ts";
import type { Diagnostic } from "../../compiler/diagnostics/types.ts";
import { CHUNK_PROXIES, emitStreamed, type FileSink } from "../../compiler/emit-stream.ts";
import { MIN_PARALLEL_PROXIES, workerCount, type ParallelEmit } from "../../compiler/emit-workers.ts";
import type { MeshIR } from "../../compiler/ir/types.ts";
import { findTargets } from "../../targets/index.ts";
import * as testRegistry from "./fixtures/parallel-registry.ts";
import { generateMesh } from "../../bench/generate.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const SHOP = join(ROOT, "examples", "shop", "mesh.config.ts");
const REGISTRY = pathToFileURL(join(ROOT, "test", "core", "fixtures", "parallel-registry.ts")).href;
const work = mkdtempSync(join(tmpdir(), "meshc-parallel-"));
const GENERATED = join(work, "mesh.json");
writeFileSync(GENERATED, JSON.stringify(generateMesh(300)));
const clock = { lap() {} };
const PROXY_TARGETS = ["envoy", "nginx", "haproxy"];

function readTree(dir: string, rel = ""): Map<string, string> {
  const out = new Map<string, string>();
  for (const e of readdirSync(join(dir, rel), { withFileTypes: true })) {
    const p = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) for (const [k, v] of readTree(dir, p)) out.set(k, v);
    else out.set(p, readFileSync(join(dir, p), "utf8"));
  }
  return out;
}

/** Compiles `config` into a fresh folder through the staged bundle, as the CLI does; the tree written and the diagnostics. */
async function compileTo(config: string, out: string, options: Partial<CompileOptions>) {
  const staged = stageBundle(out);
  if (Array.isArray(staged)) throw new Error(staged.map((d) => d.message).join());
  const r = await compileFile(config, { cwd: ROOT, typecheck: false, ...options, sink: staged });
  staged.add([lockFileFor(staged.entries(), r.config!.digest)]);
  assert.equal(staged.commit(), []);
  return { tree: readTree(out), diagnostics: r.diagnostics };
}

/** emitStreamed on `ir` with `parallel`, its diagnostics and every file path handed to the sink, in order. */
async function stream(ir: MeshIR, verifiers: typeof testRegistry.verifiers, parallel?: ParallelEmit) {
  const diagnostics: Diagnostic[] = [];
  const handed: string[] = [];
  const sink: FileSink = { add: (files) => { handed.push(...files.map((f) => f.path)); } };
  await emitStreamed(ir, findTargets(PROXY_TARGETS).targets, verifiers, "default", diagnostics, sink, clock, undefined, parallel);
  return { diagnostics, handed };
}

test("MESHC_WORKERS picks the thread count (auto: the cores, capped); unset or 1, one thread", () => {
  assert.equal(workerCount(undefined), 1);
  assert.equal(workerCount("1"), 1);
  assert.equal(workerCount("3"), 3);
  assert.equal(workerCount("zero"), 1);
  assert.ok(workerCount("auto") >= 1 && workerCount("auto") <= 4);
  assert.ok(MIN_PARALLEL_PROXIES <= 300, "the generated 300-service mesh below takes the parallel path");
});

/** The bundle of `ir` written by emitStreamed with `parallel`, lock included. */
async function streamTo(ir: MeshIR, digest: string, out: string, parallel: ParallelEmit) {
  const staged = stageBundle(out);
  if (Array.isArray(staged)) throw new Error("refused");
  const diagnostics: Diagnostic[] = [];
  await emitStreamed(ir, findTargets(parallel.recipe.names).targets, (await import("../../targets/index.ts")).verifiers, "default", diagnostics, staged, clock, undefined, parallel);
  staged.add([lockFileFor(staged.entries(), digest)]);
  assert.equal(staged.commit(), []);
  return readTree(out);
}

const sameTree = (a: Map<string, string>, b: Map<string, string>, what: string) => {
  assert.equal([...a.keys()], [...b.keys()], what);
  for (const [path, content] of b) if (a.get(path) !== content) assert.unreachable(`${what}: ${path} differs`);
};

test("a generated 300-service mesh gives the same bundle with 1 and 2 or 3 threads, all targets", async () => {
  const one = await compileTo(GENERATED, join(work, "one"), { workers: 1 });
  const three = await compileTo(GENERATED, join(work, "three"), { workers: 2 });
  assert.ok(one.tree.size > 900, "a real bundle");
  sameTree(three.tree, one.tree, "2 threads");
  assert.equal(three.diagnostics, one.diagnostics);
  // The same with every chunk emitted by the two workers (the main thread may have done them all above).
  const { ir, config } = await compileFile(GENERATED, { cwd: ROOT, typecheck: false });
  const names = ["envoy", "nginx", "haproxy", "kubernetes", "certs"];
  sameTree(await streamTo(ir!, config!.digest, join(work, "workers-only"), { workers: 3, recipe: { names }, inline: false }), one.tree, "workers only");
});

test("an example split in chunks of 2 proxies gives the same bundle with 1 and 3 threads", async () => {
  const { ir } = await compileFile(SHOP, { cwd: ROOT, typecheck: false });
  assert.ok(ir!.proxies.length >= 5, "several chunks");
  const parallel: ParallelEmit = { workers: 3, recipe: { names: PROXY_TARGETS }, chunkProxies: 2, minProxies: 0, inline: false };
  const files = async (p?: ParallelEmit) => {
    const out: [string, string][] = [];
    const diagnostics: Diagnostic[] = [];
    await emitStreamed(ir!, findTargets(PROXY_TARGETS).targets, testRegistry.verifiers.filter((v) => v.target !== "envoy"), "default", diagnostics, { add: (fs) => { for (const f of fs) out.push([f.path, f.content]); } }, clock, undefined, p);
    return { out, diagnostics };
  };
  const one = await files();
  const three = await files(parallel);
  assert.ok(one.out.length > 10);
  assert.equal(three, one);
});

test("a verifier finding in one chunk: the same diagnostics, in the same order, and the same files handed over as one thread", async () => {
  const { ir } = await compileFile(GENERATED, { cwd: ROOT, typecheck: false, targets: PROXY_TARGETS });
  const one = await stream(ir!, testRegistry.verifiers);
  const three = await stream(ir!, testRegistry.verifiers, { workers: 2, recipe: { names: PROXY_TARGETS, registry: REGISTRY } });
  const workersOnly = await stream(ir!, testRegistry.verifiers, { workers: 2, recipe: { names: PROXY_TARGETS, registry: REGISTRY }, inline: false });
  const codes = one.diagnostics.map((d) => `${d.code} ${d.file}`);
  assert.ok(codes.includes("MESH9001 envoy/svc-299.yaml"), "the error is found");
  assert.ok(codes.some((c) => c.startsWith("MESH4004")), "warnings of earlier chunks are kept");
  assert.ok(one.handed.length > 0 && !one.handed.some((p) => p.includes("/svc-299.")), "the sink stopped before the failing chunk");
  const handedProxies = new Set(one.handed.map((p) => p.split("/")[1]!.split(".")[0]));
  const failing = ir!.proxies.findIndex((p) => p.name === "svc-299");
  assert.equal(handedProxies.size, failing - (failing % CHUNK_PROXIES), "every chunk before the failing one, and nothing after");
  assert.equal(three, one, "this thread and a worker");
  assert.equal(workersOnly, one, "a worker alone");
});

test("a worker that exits or crashes is MESH1015, the compile fails and the staging folder goes", async () => {
  for (const how of ["exit", "crash"]) {
    process.env.MESHC_TEST_WORKER_FAIL = how;
    const out = join(work, `failed-${how}`);
    const staged = stageBundle(out);
    if (Array.isArray(staged)) throw new Error("refused");
    try {
      const r = await compileFile(GENERATED, { cwd: ROOT, typecheck: false, targets: ["envoy"], sink: staged, workers: 2 });
      const failed = r.diagnostics.filter((d) => d.severity === "error");
      assert.equal(failed.map((d) => d.code), ["MESH1015"], how);
      assert.not.match(failed[0]!.message, /\n\s+at /, "no stack trace");
    } finally {
      delete process.env.MESHC_TEST_WORKER_FAIL;
      staged.discard();
    }
    assert.not.ok(existsSync(out), "nothing written");
  }
});

test("a target that throws in a worker is the same internal error (MESH9001) as in one thread", async () => {
  process.env.MESHC_TEST_WORKER_FAIL = "throw";
  try {
    const r = await compileFile(GENERATED, { cwd: ROOT, typecheck: false, targets: ["envoy"], sink: { add() {} }, workers: 2 });
    assert.equal(r.diagnostics.filter((d) => d.severity === "error").map((d) => [d.code, d.message]), [["MESH9001", "internal error: simulated emit failure"]]);
  } finally {
    delete process.env.MESHC_TEST_WORKER_FAIL;
  }
});

test("the CLI with a crashing worker exits 1 with MESH1015, writes nothing and does not hang", () => {
  const out = join(work, "cli-out");
  const r = spawnSync(process.execPath, [join(ROOT, "compiler", "cli", "meshc.js"), "compile", GENERATED, "--no-typecheck", "--target", "envoy", "--out", out], {
    cwd: work, encoding: "utf8", timeout: 120_000, env: { ...process.env, MESHC_WORKERS: "2", MESHC_TEST_WORKER_FAIL: "crash" },
  });
  assert.equal(r.signal, null, "exited by itself, before the time limit");
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /MESH1015/);
  assert.not.match(r.stderr, /\n\s+at /, "no stack trace");
  assert.not.ok(existsSync(out), "nothing written");
  assert.equal(readdirSync(work).filter((n) => n.includes("meshc-staging")), [], "no staging folder left");
});

test("workers start whatever node options the caller ran with (here --input-type and --eval)", () => {
  const script = [
    `import { compileFile } from ${JSON.stringify(pathToFileURL(join(ROOT, "compiler", "compile.ts")).href)};`,
    `const r = await compileFile(${JSON.stringify(GENERATED)}, { cwd: ${JSON.stringify(ROOT)}, typecheck: false, targets: ["envoy"], sink: { add() {} }, workers: 2 });`,
    `console.log(JSON.stringify(r.diagnostics.filter((d) => d.severity === "error").map((d) => d.code)));`,
  ].join("\n");
  const r = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "--eval", script], {
    cwd: ROOT, encoding: "utf8", timeout: 120_000, env: { ...process.env, MESHC_TEST_WORKERS_ONLY: "1" },
  });
  assert.equal(r.signal, null, "exited by itself, before the time limit");
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), "[]", r.stderr);
});

test.after(() => rmSync(work, { recursive: true, force: true }));

test.run();
