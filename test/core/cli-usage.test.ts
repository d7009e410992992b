// CLI contract details from issue 12: usage errors are exit 2 with a suggestion, JSON output
// is JSON, watch mode survives a syntax error and recovers, init scaffolds a project
// without clobbering what is there.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const BIN = join(ROOT, "compiler", "cli", "meshc.js");
const MINIMAL = join(ROOT, "examples", "minimal", "mesh.config.ts");
const SHOP = join(ROOT, "examples", "shop", "mesh.config.ts");
const work = mkdtempSync(join(tmpdir(), "meshc-usage-"));

function meshc(args: string[], cwd = work) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: "utf8" });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test("an unknown --target is a usage error (2) with did-you-mean, before compiling", () => {
  const r = meshc(["compile", MINIMAL, "--target", "envy,certs", "--out", "t"]);
  assert.is(r.code, 2, r.stderr);
  assert.match(r.stderr, /unknown target "envy"; did you mean "envoy"\?/);
  assert.not.ok(existsSync(join(work, "t")));
  assert.is(meshc(["validate", MINIMAL, "--target", "ngnix", "--no-typecheck"]).code, 2);
});

test("explain: an unknown service is a usage error (2) with did-you-mean; a known one is 0", () => {
  const to = meshc(["explain", SHOP, "--from", "web", "--to", "paymnts"]);
  assert.is(to.code, 2);
  assert.match(to.stderr, /did you mean "payments"\?/);
  const from = meshc(["explain", SHOP, "--from", "wbe", "--to", "payments"]);
  assert.is(from.code, 2);
  assert.match(from.stderr, /did you mean "web"\?/);
  assert.is(meshc(["explain", SHOP, "--from", "web", "--to", "payments"]).code, 0);
});

test("--emit ir --format json prints the IR as JSON (and YAML without it)", () => {
  const json = meshc(["compile", MINIMAL, "--emit", "ir", "--format", "json", "--no-typecheck"]);
  assert.is(json.code, 0, json.stderr);
  const ir = JSON.parse(json.stdout) as { version: number; proxies: unknown[] };
  assert.is(ir.version, 1);
  assert.ok(Array.isArray(ir.proxies) && ir.proxies.length > 0);
  assert.match(meshc(["compile", MINIMAL, "--emit", "ir", "--no-typecheck"]).stdout, /^version: 1$/m);
});

test("--watch survives a syntax error in mesh.config.ts and recompiles when it is fixed", async () => {
  const dir = join(work, "watched-ts");
  mkdirSync(dir);
  const config = join(dir, "mesh.config.ts");
  const good = readFileSync(MINIMAL, "utf8");
  writeFileSync(config, good);
  const child = spawn(process.execPath, [BIN, "compile", config, "--out", join(dir, "out"), "--target", "certs", "--no-typecheck", "--watch"], { cwd: dir });
  let stderr = "";
  child.stderr.on("data", (d) => (stderr += d));
  let exited: number | null = null;
  child.on("exit", (code) => (exited = code ?? -1));
  const until = async (pattern: RegExp, count: number) => {
    for (let i = 0; i < 2400 && exited === null && (stderr.match(pattern) ?? []).length < count; i++) await new Promise((r) => setTimeout(r, 50));
    return (stderr.match(pattern) ?? []).length >= count;
  };
  try {
    assert.ok(await until(/wrote \d+ files/g, 1), stderr);
    writeFileSync(config, good.replace("defineMesh({", "defineMesh({ ,,"));
    assert.ok(await until(/MESH1002/g, 1), stderr);
    assert.ok(await until(/watching 1 file/g, 2), stderr);
    assert.is(exited, null, `watch exited: ${stderr}`);
    writeFileSync(config, good);
    assert.ok(await until(/(wrote \d+ files|updated \d+ changed file)/g, 2), stderr);
  } finally {
    child.kill();
  }
});

test.after(() => rmSync(work, { recursive: true, force: true }));
test.run();
