// The CLI's optimization policy (compiler/cli/tiering.ts): the shipped binary hands far
// fewer functions to TurboFan than V8's default budget would on the same compile, and a
// user's own tiering flag wins over it. (That the shipped code cache is made under the same
// flags, so a start accepts it, is test/package/code-cache.test.ts; which flags are the user's
// own policy, test/core/tiering.test.ts.)
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { generateMesh } from "../../bench/generate.ts";
import { LARGE_MESH_SERVICES, optimizesEarly, serviceCount } from "../../compiler/cli/tiering.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const BIN = join(ROOT, "dist", "compiler", "cli", "bin.js");
/** V8 11.3's own default, which the policy multiplies. */
const V8_DEFAULT_BUDGET = 67_584;

if (!existsSync(join(ROOT, "dist", "compiler", "cli", "compile-command.script.cache"))) {
  const r = spawnSync(process.execPath, [join(ROOT, "scripts", "build.js")], { cwd: ROOT, encoding: "utf8", timeout: 300_000 });
  if (r.status !== 0) throw new Error(`build failed: ${r.stdout}${r.stderr}`);
}

const work = mkdtempSync(join(tmpdir(), "meshc-tiering-"));
// Big enough that the per-service code runs past V8's default budget many times over.
writeFileSync(join(work, "mesh.json"), JSON.stringify(generateMesh(300)));

/** How many functions V8 started optimizing with TurboFan during a `--target certs` compile. */
function turbofanCompiles(nodeFlags: string[], out: string): number {
  const r = spawnSync(process.execPath, ["--trace-opt", ...nodeFlags, BIN, "compile", "mesh.json", "--target", "certs", "--no-typecheck", "--out", out], {
    cwd: work, encoding: "utf8", env: { ...process.env, NODE_OPTIONS: "" }, maxBuffer: 1 << 26, timeout: 120_000,
  });
  assert.is(r.status, 0, r.stderr);
  assert.ok(readdirSync(join(work, out, "certs")).length > 0, "certs written");
  return (r.stdout.match(/\[compiling method .*\(target TURBOFAN\)/g) ?? []).length;
}

test("the CLI optimizes only really hot code; the user's own budget wins", () => {
  const policy = turbofanCompiles([], "out-policy");
  const userDefault = turbofanCompiles([`--interrupt-budget=${V8_DEFAULT_BUDGET}`], "out-default");
  // Measured: 1 against 21. Without the policy both would be alike.
  assert.ok(userDefault >= 8, `V8's default budget optimized only ${userDefault} functions: the mesh is too small to tell`);
  assert.ok(policy * 4 <= userDefault, `policy ${policy} vs default budget ${userDefault}`);
});

test("a large mesh (10,000 generated services) goes back to V8's own budget; 1,000 keep the delayed one", () => {
  assert.not.ok(optimizesEarly(serviceCount(generateMesh(1000))));
  assert.ok(optimizesEarly(serviceCount(generateMesh(10_000))));
  assert.ok(optimizesEarly(LARGE_MESH_SERVICES + 1) && !optimizesEarly(LARGE_MESH_SERVICES));
  // Anything that is not a mesh counts none (its checks report it).
  for (const v of [null, 3, "x", [], { services: null }, { services: 7 }]) assert.is(serviceCount(v), 0, JSON.stringify(v));
});

test("the CLI sizes the tiering by the loaded mesh, team modules merged, not by the root file", () => {
  // A root of two team modules: a tiny file whose mesh is past the threshold. With V8's own budget
  // back, the compile hands many functions to TurboFan; with the delayed one it would hand few.
  const half = Math.ceil((LARGE_MESH_SERVICES + 1) / 2);
  const all = generateMesh(2 * half) as { services: Record<string, unknown> };
  const names = Object.keys(all.services);
  const team = (from: number, to: number) => ({ services: Object.fromEntries(names.slice(from, to).map((n) => [n, all.services[n]])) });
  const dir = join(work, "modules");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "a.json"), JSON.stringify(team(0, half)));
  writeFileSync(join(dir, "b.json"), JSON.stringify(team(half, 2 * half)));
  const { services: _all, ...root } = all;
  writeFileSync(join(dir, "mesh.json"), JSON.stringify({ ...root, modules: ["a.json", "b.json"] }));
  const r = spawnSync(process.execPath, ["--trace-opt", BIN, "validate", "mesh.json", "--target", "certs", "--no-typecheck"], {
    cwd: dir, encoding: "utf8", env: { ...process.env, NODE_OPTIONS: "" }, maxBuffer: 1 << 27, timeout: 180_000,
  });
  assert.is(r.status, 0, r.stderr.slice(0, 2000));
  const compiles = (r.stdout.match(/\[compiling method .*\(target TURBOFAN\)/g) ?? []).length;
  assert.ok(compiles >= 50, `only ${compiles} TurboFan compiles: the delayed budget stayed on for ${2 * half} services`);
});

test.after(() => rmSync(work, { recursive: true, force: true }));
test.run();
