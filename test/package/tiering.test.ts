// The CLI's optimization policy (compiler/cli/tiering.ts): the shipped binary hands far
// fewer functions to TurboFan than V8's default budget would on the same compile, and a
// user's own tiering flag wins over it. (That the shipped code cache is made under the same
// flags, so a start accepts it, is test/package/code-cache.test.ts.)
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { generateMesh } from "../../bench/generate.ts";
import { INTERRUPT_BUDGET, LARGE_CONFIG_BYTES, optimizesEarly, tieringFlags } from "../../compiler/cli/tiering.ts";

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

test("the policy yields to any tiering flag of the user's, on the command line or in NODE_OPTIONS", () => {
  assert.equal(tieringFlags([], ""), [`--interrupt-budget=${INTERRUPT_BUDGET}`]);
  assert.equal(tieringFlags(["--inspect"], "--enable-source-maps"), [`--interrupt-budget=${INTERRUPT_BUDGET}`]);
  for (const flag of ["--interrupt-budget=1000", "--interrupt_budget=1000", "--no-opt", "--no-turbofan", "--max-opt=1", "--always-turbofan", "--jitless", "--maglev"]) {
    assert.equal(tieringFlags([flag], ""), [], flag);
    assert.equal(tieringFlags([], `--max-old-space-size=500 ${flag}`), [], `NODE_OPTIONS ${flag}`);
  }
  // Flags that only look alike are not the user's policy.
  assert.equal(tieringFlags(["--trace-opt", "--trace-deopt"], ""), [`--interrupt-budget=${INTERRUPT_BUDGET}`]);
});

test("a large config (10,000 generated services) goes back to V8's own budget; 1,000 keep the delayed one", () => {
  const size = (n: number) => Buffer.byteLength(`import { defineMesh } from "meshc";\nexport default defineMesh(${JSON.stringify(generateMesh(n))});\n`);
  assert.not.ok(optimizesEarly(size(1000)), `1,000 services: ${size(1000)} bytes`);
  assert.ok(optimizesEarly(size(10_000)), `10,000 services: ${size(10_000)} bytes`);
  assert.ok(optimizesEarly(LARGE_CONFIG_BYTES + 1) && !optimizesEarly(LARGE_CONFIG_BYTES));
});

test.after(() => rmSync(work, { recursive: true, force: true }));
test.run();
