// `meshc diff` end to end through the real binary, the way a reviewer runs it: a git
// repository holding the shop example (no node_modules: `import ... from "meshc"` is
// resolved by meshc's own loader), one commit per kind of change, and
// `meshc diff --base HEAD~1 --format json` must report that change as structured data.
// The tests run in order: each one commits on top of the previous one.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { execFileSync, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Change } from "../../compiler/review/semantic-diff.ts";
import type { TargetDiff } from "../../compiler/review/file-diff.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const BIN = join(ROOT, "compiler", "cli", "meshc.js");
const repo = mkdtempSync(join(tmpdir(), "meshc-diff-repo-"));

// Without GIT_DIR & co. (set when the suite runs from a git hook) every git command,
// ours and meshc's, works on the temp repository and never on this checkout.
const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("GIT_")));

const git = (...args: string[]) => execFileSync("git", args, { cwd: repo, env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });

function meshc(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: repo, env, encoding: "utf8" });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface DiffJson { before: string; after: string; changes: Change[]; files: TargetDiff[] }

function diffJson(...args: string[]): DiffJson {
  const r = meshc("diff", ...args, "--format", "json");
  assert.is(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as DiffJson;
}

/** Replaces `from` (which must occur exactly once, so a changed example fails loudly) with `to`. */
function edit(file: string, from: string, to: string): void {
  const path = join(repo, file);
  const text = readFileSync(path, "utf8");
  assert.is(text.split(from).length - 1, 1, `${file} should contain ${JSON.stringify(from)} once`);
  writeFileSync(path, text.replace(from, to));
}

function commit(message: string): void {
  git("commit", "--quiet", "--all", "--message", message);
}

/** The changes without their wording: what the tests compare. */
const shape = (changes: readonly Change[]) => changes.map(({ text: _text, ...rest }) => rest);

const status = () => git("status", "--porcelain", "--untracked-files=all");

test.before(() => {
  git("init", "--quiet");
  git("config", "user.name", "meshc tests");
  git("config", "user.email", "meshc-tests@example.com");
  git("config", "commit.gpgsign", "false");
  for (const f of ["mesh.config.ts", "policies.ts"]) copyFileSync(join(ROOT, "examples", "shop", f), join(repo, f));
  git("add", "mesh.config.ts", "policies.ts");
  commit("shop");
});

test.after(() => rmSync(repo, { recursive: true, force: true }));

test("a retry change in an imported module: the charge route's retries 3 -> 4", () => {
  edit("policies.ts", `grpcRetries = { attempts: 3,`, `grpcRetries = { attempts: 4,`);
  commit("retry payments charges once more");
  const d = diffJson("--base", "HEAD~1");
  assert.is(d.before, "HEAD~1:mesh.config.ts");
  assert.equal(shape(d.changes), [
    { kind: "route-changed", subject: "payments", route: "charge", field: "retries.retries", before: 3, after: 4 },
  ]);
  // Only the caller's proxy holds the route: its file changes, in every proxy target.
  const changed = d.files.flatMap((t) => t.changed);
  for (const path of ["envoy/checkout.yaml", "nginx/checkout.conf", "haproxy/checkout.cfg"]) assert.ok(changed.includes(path), `${path} in ${changed.join(", ")}`);
  assert.equal(d.files.flatMap((t) => [...t.added, ...t.removed]), []);
});

test("a split change: catalog v1 90 -> 50, v2 10 -> 50", () => {
  edit("mesh.config.ts", `split: { v1: 90, v2: 10 }`, `split: { v1: 50, v2: 50 }`);
  commit("catalog v2 to half the traffic");
  const d = diffJson("--base", "HEAD~1");
  assert.equal(shape(d.changes), [
    { kind: "route-changed", subject: "catalog", route: "catalog", field: "split.v1", before: 90, after: 50 },
    { kind: "route-changed", subject: "catalog", route: "catalog", field: "split.v2", before: 10, after: 50 },
  ]);
});

test("an authorization change: a new allow rule (checkout may call ledger)", () => {
  edit("mesh.config.ts", `    { name: "payments-ledger",`,
    `    { name: "checkout-reads-ledger", allow: { from: ["checkout"], to: "ledger" } },\n    { name: "payments-ledger",`);
  commit("checkout reads the ledger");
  const d = diffJson("--base", "HEAD~1");
  const added = d.changes.filter((c) => c.kind === "authz-rule-added");
  assert.is(added.length, 1, JSON.stringify(d.changes));
  assert.is(added[0].subject, "ledger");
  assert.is(added[0].rule, "checkout-reads-ledger");
  assert.is(added[0].before, null);
  const after = added[0].after as { action: string; from: string[] };
  assert.is(after.action, "allow");
  assert.equal(after.from, ["checkout"]);
  // Nothing else about authorization or TLS changed.
  assert.equal(d.changes.filter((c) => c.kind.startsWith("authz") || c.kind === "mtls").length, 1);
});

test("an mTLS change: inventory permissive -> strict", () => {
  edit("mesh.config.ts", `endpoints: ["10.0.4.10"], mtls: "permissive"`, `endpoints: ["10.0.4.10"], mtls: "strict"`);
  commit("inventory: strict mTLS");
  const d = diffJson("--base", "HEAD~1");
  assert.equal(shape(d.changes), [{ kind: "mtls", subject: "inventory", field: "mode", before: "permissive", after: "strict" }]);
});

test("diff never touches the working tree: after the diffs git status is clean", () => {
  assert.is(status(), "");
  assert.not.ok(existsSync(join(repo, "mesh-bundle")));
});

test("--exit-code without a change: exit 0, no semantic changes and no file differences", () => {
  const d = diffJson("--base", "HEAD", "--exit-code");
  assert.equal(d.changes, []);
  assert.equal(d.files, []);
});

test("--exit-code with a working-tree change: exit 1; --format markdown has a diff block inside <details>", () => {
  edit("mesh.config.ts", `timeout: "3s", retries: grpcRetries`, `timeout: "4s", retries: grpcRetries`);
  const edited = readFileSync(join(repo, "mesh.config.ts"), "utf8");
  const r = meshc("diff", "--base", "HEAD", "--exit-code", "--format", "markdown");
  assert.is(r.code, 1, r.stderr);
  assert.ok(r.stdout.includes("```diff\n"), r.stdout);
  assert.match(r.stdout, /<details>[\s\S]*```diff[\s\S]*```[\s\S]*<\/details>/);
  assert.match(r.stdout, /envoy\/checkout\.yaml/);
  // The edit is still there, untouched, and nothing else appeared.
  assert.is(readFileSync(join(repo, "mesh.config.ts"), "utf8"), edited);
  assert.is(status(), " M mesh.config.ts\n");
});

test("a --base that git would read as an option is refused, and git never runs with it", () => {
  const victim = join(repo, "victim.txt");
  writeFileSync(victim, "keep me\n");
  const r = meshc("diff", `--base=--output=${victim}`);
  assert.is(r.code, 2);
  assert.match(r.stderr, /not a git revision/);
  assert.is(readFileSync(victim, "utf8"), "keep me\n");
  rmSync(victim);
});

test.run();
