// `--format github` from a subdirectory: GitHub places an annotation by its path from the
// repository root, so meshc must name `infra/mesh/mesh.yaml`, not `mesh.yaml`. Outside a
// git repository GITHUB_WORKSPACE is the root.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const BIN = join(ROOT, "compiler", "cli", "meshc.js");
const base = mkdtempSync(join(tmpdir(), "meshc-gh-paths-"));
const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("GIT_") && name !== "GITHUB_WORKSPACE"));
// An unknown service in a route: MESH2001 at line 6.
const BAD = `name: m\ntrustDomain: m.example\nnamespace: m\nservices:\n  web: { ports: { http: { port: 8080, protocol: http } } }\nroutes: [{ from: web, to: apj }]\n`;

function annotate(cwd: string, extraEnv: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [BIN, "validate", "mesh.yaml", "--format", "github"], { cwd, env: { ...env, ...extraEnv }, encoding: "utf8" });
  assert.is(r.status, 1);
  return [...r.stderr.matchAll(/^::error file=([^,]+),line=(\d+)/gm)].map((m) => [m[1], Number(m[2])]);
}

test.after(() => rmSync(base, { recursive: true, force: true }));

test("in a git repository: paths from its top level, wherever meshc runs", () => {
  const repo = join(base, "repo");
  mkdirSync(join(repo, "infra", "mesh"), { recursive: true });
  execFileSync("git", ["init", "--quiet"], { cwd: repo, env });
  writeFileSync(join(repo, "infra", "mesh", "mesh.yaml"), BAD);
  const found = annotate(join(repo, "infra", "mesh"));
  assert.ok(found.length > 0);
  assert.ok(found.every(([file]) => file === "infra/mesh/mesh.yaml"), JSON.stringify(found));
});

test("outside git: paths from GITHUB_WORKSPACE; without it, from the working directory", () => {
  const workspace = join(base, "workspace");
  mkdirSync(join(workspace, "svc"), { recursive: true });
  writeFileSync(join(workspace, "svc", "mesh.yaml"), BAD);
  assert.ok(annotate(join(workspace, "svc"), { GITHUB_WORKSPACE: workspace, GIT_CEILING_DIRECTORIES: base }).every(([file]) => file === "svc/mesh.yaml"));
  assert.ok(annotate(join(workspace, "svc"), { GIT_CEILING_DIRECTORIES: base }).every(([file]) => file === "mesh.yaml"));
});

test.run();
