// The compiled package (dist/, what `npm run build` makes and the tarball ships) starts on
// precompiled code: the mesh schema's validators as ajv standalone code and the nginx and
// HAProxy templates compiled to plain functions, so neither ajv's compiler nor handlebars is loaded;
// protobufjs loads only when the Envoy check runs. What it emits for every example is the
// golden bundle, byte for byte.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { CONFIG_NAMES } from "../../compiler/load/index.ts";
import { compareGolden } from "../support/golden.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const DIST = join(ROOT, "dist");
const work = mkdtempSync(join(tmpdir(), "meshc-compiled-"));

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => (statSync(join(dir, name)).isDirectory() ? walk(join(dir, name)) : [join(dir, name)]));
}

test("npm run build writes the precompiled validator and templates", () => {
  const r = spawnSync(process.execPath, [join(ROOT, "scripts", "build.js")], { cwd: ROOT, encoding: "utf8", timeout: 300_000 });
  assert.is(r.status, 0, `${r.stdout}${r.stderr}`);
  for (const f of ["compiler/mesh-schema.validate.cjs", "compiler/mesh-schema.verdict.script.js", "compiler/mesh-schema.verdict.script.cache", "targets/nginx/nginx.templates.cjs", "targets/haproxy/haproxy.templates.cjs"]) {
    assert.ok(existsSync(join(DIST, f)), f);
  }
});

test("validating, rendering and the target registry from dist load neither ajv's compiler, nor handlebars, nor protobufjs", () => {
  const script = `
    import { createRequire } from "node:module";
    const { checkSchema } = await import(${JSON.stringify(join(DIST, "compiler", "schema.js"))});
    // The verdict validator runs as a code-cached script (compiler/cli/script-loader.ts), not
    // through require: the scripts the loader ran are listed once the build's list is started.
    const { rememberScripts } = await import(${JSON.stringify(join(DIST, "compiler", "cli", "script-loader.js"))});
    rememberScripts();
    const { nginxRenderer } = await import(${JSON.stringify(join(DIST, "targets", "nginx", "render.js"))});
    nginxRenderer();
    const { createRenderer } = await import(${JSON.stringify(join(DIST, "targets", "haproxy", "render.js"))});
    createRenderer();
    await import(${JSON.stringify(join(DIST, "targets", "index.js"))});
    // A valid config is checked by the verdict-only validator alone (compiler/schema.ts).
    const valid = checkSchema({ name: "m", trustDomain: "m.example", namespace: "n", services: {} }, "mesh.json").length;
    const loadedByValid = [...Object.keys(createRequire(import.meta.url).cache), ...globalThis[Symbol.for("meshc.script-loader.remembered")].keys()];
    // No failed union here: one (the root's services-or-modules, say) is explained branch by
    // branch with ajv's compiler, loaded then and only then (compiler/schema.ts).
    const errors = checkSchema({ name: 1, trustDomain: "x.example", namespace: "n", services: {} }, "mesh.json").map((d) => d.code);
    const loaded = Object.keys(createRequire(import.meta.url).cache);
    console.log(JSON.stringify({ valid, loadedByValid, errors, loaded }));`;
  const r = spawnSync(process.execPath, ["--input-type=module", "--eval", script], { cwd: ROOT, encoding: "utf8", timeout: 120_000 });
  assert.is(r.status, 0, r.stderr);
  const { valid, loadedByValid, errors, loaded } = JSON.parse(r.stdout) as { valid: number; loadedByValid: string[]; errors: string[]; loaded: string[] };
  assert.is(valid, 0);
  assert.ok(loadedByValid.some((f) => f.endsWith("mesh-schema.verdict.script.js")), "a valid config loads the verdict-only validator");
  assert.not.ok(loadedByValid.some((f) => f.endsWith("mesh-schema.validate.cjs")), "and not the full one");
  assert.ok(errors.length > 0, "the precompiled validator reports errors");
  assert.ok(loaded.some((f) => f.endsWith("mesh-schema.validate.cjs")), "the precompiled validator is loaded");
  assert.ok(loaded.some((f) => f.endsWith("nginx.templates.cjs")) && loaded.some((f) => f.endsWith("haproxy.templates.cjs")), "the compiled templates are loaded");
  assert.equal(loaded.filter((f) => /ajv[\\/]dist[\\/](core|2020|compile[\\/]index)\.js$|node_modules[\\/]handlebars[\\/]|protobufjs[\\/]/.test(f)), []);
});

// Every example with a golden bundle (examples/platform has none: test/platform.test.ts).
const examples = readdirSync(join(ROOT, "examples")).sort().filter((name) => existsSync(join(ROOT, "snapshots", name))).flatMap((name) => {
  const config = CONFIG_NAMES.map((c) => join(ROOT, "examples", name, c)).find(existsSync);
  return config ? [{ name, config }] : [];
});

for (const { name, config } of examples) {
  test(`dist compiles example ${name} to its golden bundle`, () => {
    const out = join(work, name);
    const r = spawnSync(process.execPath, [join(DIST, "compiler", "cli", "bin.js"), "compile", config, "--out", out, "--no-verify", "--no-typecheck"], { cwd: ROOT, encoding: "utf8", timeout: 300_000 });
    assert.is(r.status, 0, r.stderr);
    const files = new Map(walk(out).map((f) => [relative(out, f).split("\\").join("/"), readFileSync(f, "utf8")]));
    files.delete("meshc.lock.json");
    const drift = compareGolden(name, files);
    assert.equal(drift, [], drift.join("\n"));
  });
}

test.after(() => rmSync(work, { recursive: true, force: true }));

test.run();
