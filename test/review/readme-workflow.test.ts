// The README's CI workflow, as written: parsed from the README, its structure checked
// (permissions, always-run checks, what the comment action posts), and every `run:` step
// executed with bash in a temporary git repository shaped like a user's: a base branch
// (`origin/main`) with a committed mesh, bundle and snapshot, and a pull-request commit on
// top. Only the actions that need GitHub (checkout, setup-node, the comment) are not run.
// `meshc` is installed by `npm ci` from a local package that runs this checkout's CLI, so
// no registry is involved.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import YAML from "yaml";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const readme = readFileSync(join(ROOT, "README.md"), "utf8");
const section = readme.slice(readme.indexOf("## Use it in CI"));
const workflowText = /```yaml\n([\s\S]*?)```/.exec(section)![1]!;

interface Step { uses?: string; run?: string; name?: string; if?: string; with?: Record<string, unknown> }
interface Workflow { on: unknown; permissions?: Record<string, string>; jobs: Record<string, { "runs-on": string; steps: Step[] }> }
const workflow = YAML.parse(workflowText) as Workflow;
const steps = Object.values(workflow.jobs)[0]!.steps;

const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("GIT_") && !name.startsWith("npm_")));
const repo = mkdtempSync(join(tmpdir(), "meshc-workflow-"));
const git = (...args: string[]) => execFileSync("git", args, { cwd: repo, env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
const meshc = (...args: string[]) => execFileSync(process.execPath, [join(ROOT, "compiler", "cli", "meshc.js"), ...args], { cwd: repo, env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });

/** A stand-in for the published package: same name, bin and entry points, running this checkout. */
function writeLocalPackage(dir: string): void {
  mkdirSync(dir, { recursive: true });
  const url = (p: string) => pathToFileURL(join(ROOT, p)).href;
  writeFileSync(join(dir, "package.json"), JSON.stringify({
    name: "meshc", version: "0.0.0-local", type: "module", bin: { meshc: "cli.mjs" },
    exports: { ".": { types: "./index.d.ts", default: "./index.mjs" }, "./testing": "./testing.mjs" },
  }, null, 2));
  writeFileSync(join(dir, "cli.mjs"), `#!/usr/bin/env node\nawait import(${JSON.stringify(url("compiler/cli/meshc.js"))});\n`);
  const tsx = `import { register } from ${JSON.stringify(url("node_modules/tsx/dist/esm/api/index.mjs"))};\nregister();\n`;
  writeFileSync(join(dir, "index.mjs"), `${tsx}export const { defineMesh } = await import(${JSON.stringify(url("compiler/dsl/index.ts"))});\n`);
  writeFileSync(join(dir, "testing.mjs"), `${tsx}export const { compile, explain } = await import(${JSON.stringify(url("compiler/testing.ts"))});\n`);
  writeFileSync(join(dir, "index.d.ts"), `export * from ${JSON.stringify(join(ROOT, "compiler", "dsl", "index.ts"))};\n`);
}

const POLICY_TEST = `import { test } from "node:test";
import assert from "node:assert/strict";
import { compile, explain } from "meshc/testing";
const { default: mesh } = await import("../mesh.config.ts");

test("web may GET from api", async () => {
  const { ir, errors } = await compile(mesh);
  assert.deepEqual(errors, []);
  assert.equal(explain(ir, { from: "web", to: "api", method: "GET", path: "/x" }).outcome, "allowed");
});
`;

test.before(() => { try { setup(); } catch (e) { console.error("setup failed:", e); throw e; } });

function setup(): void {
  writeLocalPackage(join(repo, "vendor", "meshc"));
  writeFileSync(join(repo, "package.json"), JSON.stringify({
    name: "shop-mesh", version: "1.0.0", private: true, type: "module",
    scripts: { test: "node --test test/" }, devDependencies: { meshc: "file:vendor/meshc" },
  }, null, 2));
  mkdirSync(join(repo, "test"));
  writeFileSync(join(repo, "test", "policies.test.mjs"), POLICY_TEST);
  writeFileSync(join(repo, "mesh.config.ts"), readFileSync(join(ROOT, "examples", "minimal", "mesh.config.ts"), "utf8"));
  writeFileSync(join(repo, ".gitignore"), "node_modules/\n");
  const npm = spawnSync("npm", ["install", "--offline", "--no-audit", "--no-fund"], { cwd: repo, env, encoding: "utf8" });
  assert.is(npm.status, 0, npm.stderr);
  git("init", "--quiet", "--initial-branch", "main");
  git("config", "user.name", "meshc tests");
  git("config", "user.email", "meshc-tests@example.com");
  git("config", "commit.gpgsign", "false");
  meshc("compile", "mesh.config.ts", "--out", "mesh-bundle", "--no-typecheck", "--no-verify");
  meshc("snapshot", "mesh.config.ts", "--update");
  git("add", "--all");
  git("commit", "--quiet", "--message", "base");
  git("update-ref", "refs/remotes/origin/main", "HEAD");
  // The pull request: a timeout change, with its bundle and snapshot regenerated.
  git("checkout", "--quiet", "-b", "pr");
  const config = join(repo, "mesh.config.ts");
  writeFileSync(config, readFileSync(config, "utf8").replace(`timeout: "3s"`, `timeout: "4s"`));
  meshc("compile", "mesh.config.ts", "--out", "mesh-bundle", "--no-typecheck", "--no-verify");
  meshc("snapshot", "mesh.config.ts", "--update");
  git("commit", "--quiet", "--all", "--message", "web -> api: 4s timeout");
}

test.after(() => rmSync(repo, { recursive: true, force: true }));

test("permissions: the token may comment and read, nothing more", () => {
  assert.equal(workflow.permissions, { contents: "read", "pull-requests": "write" });
  assert.equal(workflow.on, ["pull_request"]);
});

test("the actions that need GitHub are pinned and given what they need", () => {
  const uses = steps.filter((s) => s.uses !== undefined);
  assert.equal(uses.map((s) => s.uses!.split("@")[0]), ["actions/checkout", "actions/setup-node", "marocchino/sticky-pull-request-comment"]);
  assert.ok(uses.every((s) => /@v\d+$/.test(s.uses!)), "every action pinned to a major version");
  // diff --base origin/<base> needs the base branch's history.
  assert.is(uses[0]!.with?.["fetch-depth"], 0);
  // The Node the workflow sets up is the one meshc declares and is tested on.
  const engines = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { engines: { node: string } }).engines.node;
  assert.is(uses[1]!.with?.["node-version"], 20);
  assert.is(Number(process.versions.node.split(".")[0]), 20, "the suite runs on the Node the workflow pins");
  assert.match(engines, /20/);
  // The comment posts the file the diff step writes, and still runs when a check failed.
  const diff = steps.find((s) => s.run?.includes("meshc diff"))!;
  const written = / > (\S+)$/.exec(diff.run!)![1];
  assert.is(uses[2]!.with?.path, written);
  assert.match(uses[2]!.if ?? "", /^always\(\)/);
});

test("every check after the first runs even when an earlier one failed", () => {
  const checks = steps.filter((s) => s.run !== undefined && s.run !== "npm ci");
  assert.ok(checks.length >= 4, "compile --check, snapshot, policy tests and diff");
  assert.ok(checks.some((s) => /meshc snapshot/.test(s.run!)), "a snapshot step");
  assert.ok(checks.some((s) => s.run === "npm test"), "a policy-test step");
  for (const s of checks.slice(1)) assert.is(s.if, "always()", `${s.name} runs with if: always()`);
});

test("each run step succeeds in a repository shaped like a user's, and the diff is a comment under the limit", () => {
  const runs = steps.filter((s) => s.run !== undefined);
  for (const s of runs) {
    const command = s.run!.replace(/\$\{\{\s*github\.base_ref\s*\}\}/g, "main");
    assert.not.match(command, /\$\{\{/, `only github.base_ref is substituted: ${command}`);
    const r = spawnSync("bash", ["--noprofile", "--norc", "-eo", "pipefail", "-c", command], {
      cwd: repo, env: { ...env, npm_config_offline: "true", npm_config_audit: "false", npm_config_fund: "false" }, encoding: "utf8",
    });
    assert.is(r.status, 0, `${command}\n${r.stdout}\n${r.stderr}`);
  }
  const comment = readFileSync(join(repo, "mesh-diff.md"), "utf8");
  assert.ok(comment.length > 0 && comment.length < 65_536);
  assert.match(comment, /web-to-api/);
  assert.match(comment, /timeout 3s -> 4s/);
  assert.match(comment, /```mermaid\n[\s\S]*"changed: web-to-api"[\s\S]*linkStyle \d/, "the graph marks the changed route");
  assert.ok(existsSync(join(repo, "node_modules", ".bin", "meshc")), "npm ci installed the meshc bin");
});

test.run();
