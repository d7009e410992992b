// The binary exits as soon as its event loop is empty (compiler/cli/bin.ts), without node's
// teardown of the environment and heap. Nothing may be lost to that: a large output through
// a pipe arrives whole, and the exit codes are the command's.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { compileFile } from "../../compiler/compile.ts";
import { toYaml } from "../../compiler/serialize.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const BIN = join(ROOT, "compiler", "cli", "meshc.js");
const work = mkdtempSync(join(tmpdir(), "meshc-exit-"));

function meshc(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: work, encoding: "utf8", maxBuffer: 1 << 30 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

// A mesh whose IR is several MB of YAML: more than a pipe holds, so the writes wait for the reader.
const services = Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`svc-${i}`, { ports: { http: { port: 8080, protocol: "http" } }, endpoints: [`10.0.${i >> 8}.${i & 255}`] }]));
const routes = Array.from({ length: 299 }, (_, i) => ({ name: `r${i}`, from: `svc-${i}`, to: `svc-${i + 1}`, match: { path: { prefix: "/" } } }));
const authorization = routes.map((r) => ({ name: `allow-${r.name}`, allow: { from: [r.from], to: r.to } }));
writeFileSync(join(work, "mesh.json"), JSON.stringify({ name: "exit", trustDomain: "exit.example.com", namespace: "exit", services, routes, authorization }));

test("--emit ir through a pipe arrives whole, as YAML and as JSON", async () => {
  const { ir, diagnostics } = await compileFile("mesh.json", { cwd: work, typecheck: false, verify: "none" });
  assert.ok(ir, JSON.stringify(diagnostics));
  const yaml = meshc(["compile", "mesh.json", "--emit", "ir"]);
  assert.is(yaml.code, 0, yaml.stderr);
  assert.ok(yaml.stdout.length > 1_000_000, `${yaml.stdout.length} bytes`);
  assert.is(yaml.stdout, toYaml(ir));
  const json = meshc(["compile", "mesh.json", "--emit", "ir", "--format", "json"]);
  assert.is(json.code, 0, json.stderr);
  assert.is(json.stdout, `${JSON.stringify(ir, null, 2)}\n`);
});

test("exit codes: 0 written, 1 a config with errors, 2 a usage error", () => {
  const ok = meshc(["compile", "mesh.json", "--out", "b", "--target", "certs"]);
  assert.is(ok.code, 0, ok.stderr);
  assert.match(ok.stderr, /wrote \d+ files to b/);
  writeFileSync(join(work, "bad.json"), JSON.stringify({ name: "bad", services: { a: { ports: "x" } } }));
  const bad = meshc(["compile", "bad.json", "--out", "c"]);
  assert.is(bad.code, 1, bad.stderr);
  assert.match(bad.stderr, /meshc: failed/);
  const usage = meshc(["compile", "mesh.json", "--target", "nope"]);
  assert.is(usage.code, 2, usage.stderr);
});

test.after(() => rmSync(work, { recursive: true, force: true }));
test.run();
