// `meshc init` scaffolds a project that works on its own and never clobbers: an existing
// package.json keeps its scripts and formatting and only gains what it lacks. (The
// scaffold's policy test is run for real, under node --test, by test/package.)
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { withScripts } from "../../compiler/cli/init-command.ts";
import { NPM_PLACEHOLDER_TEST, POLICY_TEST, POLICY_TEST_PATH, SCRIPTS, WORKFLOW_PATH } from "../../compiler/cli/init-files.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const BIN = join(ROOT, "compiler", "cli", "meshc.js");
const work = mkdtempSync(join(tmpdir(), "meshc-init-"));
const meshc = (args: string[]) => spawnSync(process.execPath, [BIN, ...args], { cwd: work, encoding: "utf8" });

test("a fresh folder gets config, tsconfig, package.json with scripts, policy test and workflow", () => {
  const dir = join(work, "fresh");
  const r = meshc(["init", dir]);
  assert.is(r.status, 0, r.stderr);
  for (const f of ["mesh.config.ts", "tsconfig.json", "package.json", POLICY_TEST_PATH, WORKFLOW_PATH]) assert.ok(existsSync(join(dir, f)), f);
  const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
  assert.is(pkg.type, "module");
  assert.is(pkg.scripts["mesh:test"], SCRIPTS["mesh:test"]);
  assert.ok(pkg.devDependencies.meshc);
  assert.match(readFileSync(join(dir, WORKFLOW_PATH), "utf8"), /--check --format github/);
  const compiled = meshc(["compile", join(dir, "mesh.config.ts"), "--out", join(dir, "mesh-bundle"), "--no-typecheck"]);
  assert.is(compiled.status, 0, compiled.stderr);
  assert.is(meshc(["init", dir]).status, 1, "mesh.config.ts is not overwritten without --force");
});

test("an existing package.json keeps its scripts and indentation; npm's placeholder test is replaced", () => {
  const text = JSON.stringify({ name: "app", scripts: { build: "tsc", "mesh:compile": "custom" } }, null, 4) + "\n";
  const out = withScripts(text, "app", "1.2.3")!;
  const pkg = JSON.parse(out.text);
  assert.is(pkg.scripts.build, "tsc");
  assert.is(pkg.scripts["mesh:compile"], "custom", "an existing script is never overwritten");
  assert.is(pkg.scripts["mesh:test"], SCRIPTS["mesh:test"]);
  assert.is(pkg.devDependencies, undefined, "dependencies are the user's business");
  assert.ok(out.text.startsWith('{\n    "name"'), "4-space indentation kept");
  assert.not.ok(out.added.includes("mesh:compile"));
  const placeholder = JSON.parse(withScripts(JSON.stringify({ scripts: { test: NPM_PLACEHOLDER_TEST } }), "x", "1.0.0")!.text);
  assert.is(placeholder.scripts.test, "npm run mesh:test");
  const mine = JSON.parse(withScripts(JSON.stringify({ scripts: { test: "vitest" } }), "x", "1.0.0")!.text);
  assert.is(mine.scripts.test, "vitest");
  const complete = JSON.stringify({ scripts: { ...SCRIPTS, test: "vitest" } });
  assert.is(withScripts(complete, "x", "1.0.0"), null, "nothing to add: package.json is not rewritten");
});

test("init keeps an existing tsconfig.json and adds scripts to an existing package.json", () => {
  const dir = join(work, "existing");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "tsconfig.json"), '{ "compilerOptions": { "strict": false } }\n');
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "existing", scripts: { start: "node ." } }, null, 2));
  const r = meshc(["init", dir]);
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stderr, /kept existing tsconfig\.json/);
  assert.is(readFileSync(join(dir, "tsconfig.json"), "utf8"), '{ "compilerOptions": { "strict": false } }\n');
  const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
  assert.is(pkg.scripts.start, "node .");
  assert.is(pkg.scripts["mesh:compile"], SCRIPTS["mesh:compile"]);
});

test("the README's policy test is the one init writes", () => {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  assert.ok(readme.includes(POLICY_TEST.split("\n").slice(2).join("\n")), "README's node --test example differs from init-files.ts");
});

test.after(() => rmSync(work, { recursive: true, force: true }));
test.run();
