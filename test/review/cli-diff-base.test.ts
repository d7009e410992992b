// `meshc diff --base REV` when the mesh itself comes or goes: a pull request that adds a
// mesh, moves it to another folder, or removes it, in a temp git repository, through the
// real binary. git is run through a logging wrapper on PATH, so the test also sees that
// meshc reads only the config and the module it imports at the base revision (no archive).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Cause } from "../../compiler/review/causes.ts";
import type { TargetDiff } from "../../compiler/review/file-diff.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const BIN = join(ROOT, "compiler", "cli", "meshc.js");
const repo = mkdtempSync(join(tmpdir(), "meshc-diff-base-"));
const wrapper = mkdtempSync(join(tmpdir(), "meshc-git-log-"));
const log = join(wrapper, "git.log");
const realGit = execFileSync("sh", ["-c", "command -v git"], { encoding: "utf8" }).trim();
const env = { ...Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("GIT_"))), PATH: `${wrapper}:${process.env.PATH}` };

const git = (...args: string[]) => execFileSync(realGit, args, { cwd: repo, env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
const commit = (message: string) => { git("add", "--all"); git("commit", "--quiet", "--message", message); };

function meshc(...args: string[]) {
  writeFileSync(log, "");
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: repo, env, encoding: "utf8" });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, git: readFileSync(log, "utf8").trim().split("\n").filter(Boolean) };
}

interface DiffJson { before: string; after: string; causes: Cause[]; files: TargetDiff[] }
function diffJson(...args: string[]): DiffJson & { git: string[] } {
  const r = meshc("diff", ...args, "--format", "json");
  assert.is(r.code, 0, r.stderr);
  return { ...(JSON.parse(r.stdout) as DiffJson), git: r.git };
}

function addShop(dir: string): void {
  mkdirSync(join(repo, dir), { recursive: true });
  for (const f of ["mesh.config.ts", "policies.ts"]) copyFileSync(join(ROOT, "examples", "shop", f), join(repo, dir, f));
  // Never imported: meshc must not read it (it would not even parse).
  writeFileSync(join(repo, dir, "unrelated.ts"), "this is not TypeScript {\n");
}

test.before(() => {
  writeFileSync(join(wrapper, "git"), `#!/bin/sh\necho "$*" >> "${log}"\nexec "${realGit}" "$@"\n`);
  chmodSync(join(wrapper, "git"), 0o755);
  git("init", "--quiet");
  git("config", "user.name", "meshc tests");
  git("config", "user.email", "meshc-tests@example.com");
  git("config", "commit.gpgsign", "false");
  writeFileSync(join(repo, "README.md"), "a monorepo\n");
  commit("start");
});

test.after(() => {
  rmSync(repo, { recursive: true, force: true });
  rmSync(wrapper, { recursive: true, force: true });
});

test("a mesh added on the branch is 'added' (exit 0), every file an added file", () => {
  addShop("meshes/shop");
  commit("add the shop mesh");
  const d = diffJson("--base", "HEAD~1", "meshes/shop/mesh.config.ts");
  assert.equal(d.causes.map((c) => c.id), ["mesh-added"]);
  assert.match(d.causes[0]!.title, /^mesh shop added/);
  assert.ok(d.causes[0]!.proxies.length > 5);
  assert.ok(d.files.length > 0 && d.files.every((t) => t.changed.length === 0 && t.removed.length === 0 && t.added.length > 0));
  const md = meshc("diff", "--base", "HEAD~1", "meshes/shop/mesh.config.ts", "--format", "markdown");
  assert.is(md.code, 0, md.stderr);
  assert.match(md.stdout, /mesh shop added/);
  assert.ok(md.stdout.length < 60_000);
});

test("only the config and its imports are read at the base revision, one file at a time", () => {
  const d = diffJson("--base", "HEAD", "meshes/shop/mesh.config.ts");
  assert.equal(d.causes, []);
  assert.not.ok(d.git.some((line) => line.startsWith("archive")), d.git.join("\n"));
  const blobs = d.git.filter((line) => line.startsWith("cat-file blob")).map((line) => line.split(":").slice(1).join(":")).sort();
  assert.equal(blobs, ["meshes/shop/mesh.config.ts", "meshes/shop/policies.ts"]);
});

test("a mesh moved to another folder is compared with where it was: no semantic change", () => {
  git("mv", "meshes/shop", "platform-shop");
  commit("move the shop mesh");
  const d = diffJson("--base", "HEAD~1", "platform-shop/mesh.config.ts");
  assert.match(d.before, /^HEAD~1:meshes\/shop\/mesh\.config\.ts \(moved to platform-shop\/mesh\.config\.ts\)$/);
  assert.equal(d.causes, []);
  assert.equal(d.files, []);
});

test("a mesh removed on the branch is 'removed'; no mesh on either side is a usage error", () => {
  git("rm", "--quiet", "-r", "platform-shop");
  commit("retire the shop mesh");
  const d = diffJson("--base", "HEAD~1", "platform-shop/mesh.config.ts");
  assert.equal(d.causes.map((c) => c.id), ["mesh-removed"]);
  assert.ok(d.files.every((t) => t.added.length === 0 && t.removed.length > 0));
  const none = meshc("diff", "--base", "HEAD", "nowhere/mesh.config.ts");
  assert.is(none.code, 2);
  assert.match(none.stderr, /no mesh config/);
});

test.run();
