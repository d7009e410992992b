// Loaders: mesh.config.ts (with local imports, through esbuild), YAML, JSON and TOML all
// give the same IR for the same mesh, find the config in the working directory, and place
// diagnostics on the user's line in each format.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { compileFile } from "../../compiler/compile.ts";
import { findConfig, loadConfig } from "../../compiler/load/index.ts";
import { toJson } from "../../compiler/serialize.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const FIX = join(ROOT, "test", "core", "fixtures");
const opts = { cwd: ROOT, verify: "none" as const, typecheck: false, targets: ["envoy"] };

test("TS, YAML, JSON and TOML of one mesh give the same IR", async () => {
  const ts = await compileFile(join(ROOT, "examples", "minimal", "mesh.config.ts"), opts);
  assert.ok(ts.ir, JSON.stringify(ts.diagnostics));
  for (const ext of ["yaml", "json", "toml"]) {
    const other = await compileFile(join(FIX, `minimal.${ext}`), opts);
    assert.ok(other.ir, `${ext}: ${JSON.stringify(other.diagnostics)}`);
    assert.is(toJson(other.ir), toJson(ts.ir), ext);
  }
});

test("mesh.config.ts may import local modules; they are inputs of the lock digest", async () => {
  const loaded = await loadConfig(join(ROOT, "examples", "shop", "mesh.config.ts"), ROOT);
  assert.ok(loaded.config);
  assert.equal(loaded.config!.inputs.map((f) => f.slice(ROOT.length + 1)), ["examples/shop/mesh.config.ts", "examples/shop/policies.ts"]);
  assert.match(loaded.config!.digest, /^[0-9a-f]{64}$/);
});

test("the config is found in the working directory: mesh.config.ts first, then data files", () => {
  const dir = mkdtempSync(join(tmpdir(), "meshc-find-"));
  try {
    assert.is(findConfig(undefined, dir), null);
    copyFileSync(join(FIX, "minimal.toml"), join(dir, "mesh.toml"));
    assert.is(findConfig(undefined, dir), join(dir, "mesh.toml"));
    copyFileSync(join(FIX, "minimal.yaml"), join(dir, "mesh.yaml"));
    assert.is(findConfig(undefined, dir), join(dir, "mesh.yaml"));
    writeFileSync(join(dir, "mesh.config.ts"), "export default {};\n");
    assert.is(findConfig(undefined, dir), join(dir, "mesh.config.ts"));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

async function firstDiagnostic(file: string, text: string) {
  const dir = mkdtempSync(join(tmpdir(), "meshc-pos-"));
  try {
    writeFileSync(join(dir, file), text);
    const r = await compileFile(join(dir, file), { ...opts, cwd: dir });
    return r.diagnostics.find((d) => d.severity === "error")!;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("diagnostics point at the line in YAML, JSON and TOML", async () => {
  const yaml = readFileSync(join(FIX, "minimal.yaml"), "utf8").replace("to: api", "to: apj");
  const y = await firstDiagnostic("mesh.yaml", yaml);
  assert.is(y.code, "MESH2001");
  assert.is(yaml.split("\n")[y.line - 1]!.trim(), "to: apj");
  const json = readFileSync(join(FIX, "minimal.json"), "utf8").replace('"to": "api"', '"to": "apj"');
  const j = await firstDiagnostic("mesh.json", json);
  assert.is(j.code, "MESH2001");
  assert.match(json.split("\n")[j.line - 1]!, /"to": "apj"/);
  const toml = readFileSync(join(FIX, "minimal.toml"), "utf8").replace('to = "api"', 'to = "apj"');
  const t = await firstDiagnostic("mesh.toml", toml);
  assert.is(t.code, "MESH2001");
  assert.match(toml.split("\n")[t.line - 1]!, /to = "apj"/);
});

test("syntax errors in data files are MESH1002 with a position", async () => {
  const y = await firstDiagnostic("mesh.yaml", "name: x\nservices: [\n");
  assert.is(y.code, "MESH1002");
  assert.ok(y.line > 0);
  const t = await firstDiagnostic("mesh.toml", "name = \n");
  assert.is(t.code, "MESH1002");
  assert.is(t.line, 1);
  const j = await firstDiagnostic("mesh.json", "{ \"name\": }");
  assert.is(j.code, "MESH1002");
});

test.run();
