// A mesh composed from team files (examples/teams: a YAML root, TOML, YAML and JSON team
// files) through the real binary: diagnostics land in each team's file at the right line,
// with the team as owner in text, JSON and GitHub output; one team's schema error does not
// hide another team's errors; explain names the caller's and callee's owners; --watch
// recompiles when a module file changes; diff --base reads the module files at the revision.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Diagnostic } from "../../compiler/diagnostics/types.ts";
import type { Explanation } from "../../compiler/review/explain.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const BIN = join(ROOT, "compiler", "cli", "meshc.js");
const work = mkdtempSync(join(tmpdir(), "meshc-teams-"));
const STOREFRONT = "teams/storefront/mesh.toml";
const PAYMENTS = "teams/payments/mesh.yaml";
const DATA = "teams/data/mesh.json";

function meshc(args: string[], cwd: string) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: "utf8" });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A copy of examples/teams in its own folder, with `edits` applied (file -> [from, to]). */
function copyTeams(name: string, edits: Record<string, [string, string][]> = {}): string {
  const dir = join(work, name);
  cpSync(join(ROOT, "examples", "teams"), dir, { recursive: true });
  for (const [file, pairs] of Object.entries(edits)) {
    let text = readFileSync(join(dir, file), "utf8");
    for (const [from, to] of pairs) {
      assert.ok(text.includes(from), `${file} has ${from}`);
      text = text.replace(from, to);
    }
    writeFileSync(join(dir, file), text);
  }
  return dir;
}

const lineOf = (dir: string, d: Diagnostic) => readFileSync(join(dir, d.file!), "utf8").split("\n")[d.line - 1] ?? "";

test("errors in three team files: each at its file and line, with its team as owner, none hiding another", () => {
  const dir = copyTeams("broken", {
    [STOREFRONT]: [['split = { v1 = 90, v2 = 10 }', 'split = { v1 = 90, v2 = 10 }\ntimout = "2s"'], ['[services.catalog.versions.v2]\nendpoints', '[services.catalog.versions.v2]\nendpont']],
    [PAYMENTS]: [["allow: { from: [web], to: payments,", "allow: { from: [web], to: paymnts,"]],
    [DATA]: [['"allow": { "from": ["payments"]', '"alow": { "from": ["payments"]']],
  });
  const json = meshc(["validate", "--format", "json"], dir);
  assert.is(json.code, 1, json.stderr);
  const ds = (JSON.parse(json.stdout) as Diagnostic[]).filter((d) => d.severity === "error");
  const got = ds.map((d) => [d.code, d.file, d.owner ?? null]);
  assert.equal(got, [
    ["MESH1101", DATA, "@acme/data"],
    ["MESH2001", PAYMENTS, "@acme/payments"],
    ["MESH1101", STOREFRONT, "@acme/storefront"],
    ["MESH1101", STOREFRONT, "@acme/storefront"],
  ]);
  assert.match(lineOf(dir, ds[0]!), /"alow"/);
  assert.match(ds[0]!.hint ?? "", /did you mean "allow"/);
  assert.match(lineOf(dir, ds[1]!), /to: paymnts/);
  assert.is(ds[1]!.column, lineOf(dir, ds[1]!).indexOf("to: paymnts") + 1, "at the field's key");
  // The storefront's service typo does not hide the payments team's unknown service above.
  assert.match(lineOf(dir, ds[2]!), /^endpont = /);
  assert.match(lineOf(dir, ds[3]!), /^timout = /);
  assert.match(ds[3]!.hint ?? "", /did you mean "timeout"/);

  const text = meshc(["validate"], dir);
  assert.match(text.stderr, /^teams\/payments\/mesh\.yaml:\d+:\d+ error MESH2001 .* \[owner: @acme\/payments\]$/m);
  // The excerpt under the diagnostic is the team file's line, not the root's.
  assert.match(text.stderr, /\n {2}\d+ \| timout = "2s"\n/);
  const github = meshc(["validate", "--format", "github"], dir);
  assert.match(github.stderr, /^::error file=teams\/storefront\/mesh\.toml,line=\d+,col=1,title=MESH1101 \[owner%3A @acme\/storefront\]::/m);
});

test("a module path out of the root's folder stops the load, at the root's line, with a hint", () => {
  const dir = copyTeams("escape", { "mesh.yaml": [["  - teams/data/mesh.json", "  - ../broken/teams/data/mesh.json"]] });
  const r = meshc(["validate", "--format", "json"], dir);
  assert.is(r.code, 1);
  const [d, ...rest] = JSON.parse(r.stdout) as Diagnostic[];
  assert.equal(rest, []);
  assert.equal([d!.code, d!.file, d!.path], ["MESH1120", "mesh.yaml", "modules[2]"]);
  assert.match(lineOf(dir, d!), /\.\.\/broken/);
  assert.ok(d!.hint);
});

test("explain names the owners of the caller and of the callee", () => {
  const dir = copyTeams("explain");
  const args = ["explain", "--from", "web", "--to", "payments", "--method", "POST", "--path", "/shop.Payments/Charge"];
  const text = meshc(args, dir);
  assert.is(text.code, 0, text.stderr);
  assert.match(text.stdout, /^owners: caller web: @acme\/storefront; callee payments: @acme\/payments$/m);
  const json = meshc([...args, "--format", "json"], dir);
  const e = JSON.parse(json.stdout) as Explanation;
  assert.is(e.outcome, "allowed");
  assert.is(e.source?.owner, "@acme/storefront");
  assert.equal(e.destinations.map((d) => [d.service, d.owner]), [["payments", "@acme/payments"]]);
});

test("--watch watches the module files and recompiles when one changes, also after a first load that failed", async () => {
  const dir = copyTeams("watch");
  const data = join(dir, DATA);
  const good = readFileSync(data, "utf8");
  writeFileSync(data, good.replace('"services": {', '"services": {,'));
  const child = spawn(process.execPath, [BIN, "compile", "--out", "out", "--target", "certs", "--watch"], { cwd: dir });
  let stderr = "";
  child.stderr.on("data", (d) => (stderr += d));
  const until = async (pattern: RegExp, count: number) => {
    for (let i = 0; i < 2400 && (stderr.match(pattern) ?? []).length < count; i++) await new Promise((r) => setTimeout(r, 50));
    return (stderr.match(pattern) ?? []).length >= count;
  };
  try {
    // The root and the module file with the syntax error.
    assert.ok(await until(/teams\/data\/mesh\.json:\d+:\d+ error MESH1002/g, 1), stderr);
    assert.ok(await until(/watching 2 file/g, 1), stderr);
    writeFileSync(data, good);
    assert.ok(await until(/watching 4 file/g, 1), stderr);
    writeFileSync(data, good.replace('"endpoints"', '"endpoint"'));
    assert.ok(await until(/teams\/data\/mesh\.json:\d+:\d+ error MESH1101/g, 1), stderr);
    writeFileSync(data, good);
    // The second write is watch mode's in-place update (only changed files).
    assert.ok(await until(/(wrote \d+ files|updated \d+ changed file)/g, 2), stderr);
    assert.ok(!/watching [13] file/.test(stderr), stderr);
  } finally {
    child.kill();
  }
});

test("diff --base reads the module files at the revision and names the team a change touches", () => {
  const dir = copyTeams("git");
  const git = (...args: string[]) => execFileSync("git", args, { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
  git("init", "--quiet");
  git("-c", "user.name=meshc tests", "-c", "user.email=meshc-tests@example.com", "-c", "commit.gpgsign=false", "add", "--all");
  git("-c", "user.name=meshc tests", "-c", "user.email=meshc-tests@example.com", "-c", "commit.gpgsign=false", "commit", "--quiet", "--message", "teams");
  const payments = join(dir, PAYMENTS);
  writeFileSync(payments, readFileSync(payments, "utf8").replace("rateLimit: { requests: 100, per: 1s }", "rateLimit: { requests: 50, per: 1s }"));
  const r = meshc(["diff", "--base", "HEAD", "--format", "json", "--no-files"], dir);
  assert.is(r.code, 0, r.stderr);
  const causes = (JSON.parse(r.stdout) as { causes: { owners: { owner: string | null }[] }[] }).causes;
  assert.ok(causes.length > 0, r.stdout);
  assert.equal([...new Set(causes.flatMap((c) => c.owners.map((o) => o.owner)))], ["@acme/payments"]);
});

test.after(() => rmSync(work, { recursive: true, force: true }));
test.run();
