// The other write paths and the TypeScript loader, through the real binary:
// `snapshot --update` never removes a folder it did not write; `certs issue` never puts
// keys inside a bundle or where git would commit them; a mesh.config.ts that exits, crashes,
// loops or throws is a coded load error in bounded time, so `compile --check` cannot pass.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const BIN = join(ROOT, "compiler", "cli", "meshc.js");
const work = mkdtempSync(join(tmpdir(), "meshc-writers-"));
const MESH = join(work, "mesh.json");
writeFileSync(MESH, JSON.stringify({ name: "starter", trustDomain: "s.example.com", namespace: "s", services: { web: { ports: { http: { port: 8080, protocol: "http" } }, endpoints: ["10.0.0.1"] } } }));

function meshc(args: string[], cwd = work) {
  const started = Date.now();
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: "utf8", timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, ms: Date.now() - started };
}

test("snapshot --update next to an unrelated folder with the mesh's name: refused, the folder intact", () => {
  mkdirSync(join(work, "starter"));
  writeFileSync(join(work, "starter", "IMPORTANT.md"), "keep me\n");
  const r = meshc(["snapshot", MESH, "--dir", ".", "--update"]);
  assert.is(r.code, 1, r.stderr);
  assert.match(r.stderr, /MESH4001/);
  assert.is(readFileSync(join(work, "starter", "IMPORTANT.md"), "utf8"), "keep me\n");
  assert.equal(readdirSync(join(work, "starter")), ["IMPORTANT.md"]);
  // Its own folder: written with a manifest, then replaced and verified.
  const own = meshc(["snapshot", MESH, "--dir", "snaps", "--update"]);
  assert.is(own.code, 0, own.stderr);
  assert.ok(existsSync(join(work, "snaps", "starter", ".meshc-snapshot.json")));
  assert.is(meshc(["snapshot", MESH, "--dir", "snaps", "--update"]).code, 0);
  assert.is(meshc(["snapshot", MESH, "--dir", "snaps"]).code, 0);
  // A file dropped into the snapshot folder later is kept by an update (it is not in the
  // manifest), and verification lists it as orphaned.
  writeFileSync(join(work, "snaps", "starter", "NOTES.md"), "mine\n");
  const again = meshc(["snapshot", MESH, "--dir", "snaps", "--update"]);
  assert.is(again.code, 0, again.stderr);
  assert.is(readFileSync(join(work, "snaps", "starter", "NOTES.md"), "utf8"), "mine\n");
  const verify = meshc(["snapshot", MESH, "--dir", "snaps"]);
  assert.is(verify.code, 1);
  assert.match(verify.stdout, /orphaned .*NOTES\.md/);
});

test("certs issue refuses a --dir inside a bundle and a tracked or unignored git path (MESH4506), writing no key", () => {
  const repo = join(work, "repo");
  mkdirSync(repo);
  spawnSync("git", ["init", "-q", repo]);
  assert.is(meshc(["compile", MESH, "--out", join(repo, "bundle"), "--target", "certs"]).code, 0);
  const inside = meshc(["certs", "issue", join(repo, "bundle"), "--dir", join(repo, "bundle", "certs", "dev")]);
  assert.is(inside.code, 1, inside.stderr);
  assert.match(inside.stderr, /MESH4506.*inside the bundle/);
  assert.not.ok(existsSync(join(repo, "bundle", "certs", "dev")));
  const unignored = meshc(["certs", "issue", join(repo, "bundle"), "--dir", join(repo, "dev-certs")]);
  assert.is(unignored.code, 1, unignored.stderr);
  assert.match(unignored.stderr, /MESH4506.*git would commit/);
  assert.not.ok(existsSync(join(repo, "dev-certs")));
  // Ignored, but a key file it would write is tracked: still refused.
  writeFileSync(join(repo, ".gitignore"), "dev-certs/\n");
  mkdirSync(join(repo, "dev-certs", "web"), { recursive: true });
  writeFileSync(join(repo, "dev-certs", "web", "key.pem"), "tracked\n");
  spawnSync("git", ["-C", repo, "add", "-f", "dev-certs/web/key.pem"]);
  const tracked = meshc(["certs", "issue", join(repo, "bundle"), "--dir", join(repo, "dev-certs")]);
  assert.is(tracked.code, 1, tracked.stderr);
  assert.match(tracked.stderr, /MESH4506/);
  assert.not.ok(existsSync(join(repo, "dev-certs", "ca-key.pem")));
  assert.is(readFileSync(join(repo, "dev-certs", "web", "key.pem"), "utf8"), "tracked\n");
  spawnSync("git", ["-C", repo, "rm", "-q", "--cached", "dev-certs/web/key.pem"]);
  const ok = meshc(["certs", "issue", join(repo, "bundle"), "--dir", join(repo, "dev-certs")]);
  assert.is(ok.code, 0, ok.stderr);
  assert.ok(existsSync(join(repo, "dev-certs", "ca-key.pem")));
});

test("a config that exits, aborts, loops or throws is a coded load error in bounded time; --check cannot pass", () => {
  const cases: [string, string, RegExp][] = [
    ["exit0.ts", "process.exit(0);\nexport default {};\n", /MESH1007.*process\.exit\(0\)/],
    ["exit-later.ts", "setTimeout(() => process.exit(0), 0);\nawait new Promise((r) => setTimeout(r, 50));\nexport default {};\n", /MESH1007/],
    ["abort.ts", "process.abort();\nexport default {};\n", /MESH1007.*SIGABRT/],
    ["loop.ts", "while (true) {}\nexport default {};\n", /MESH1006.*after 2s/],
    ["never.ts", "await new Promise(() => setInterval(() => {}, 1000));\nexport default {};\n", /MESH1006|MESH1007/],
    ["throws.ts", "throw new Error('nope');\nexport default {};\n", /MESH1003 nope/],
    ["fake-output.ts", "console.log('meshc: up to date');\nprocess.exit(0);\nexport default {};\n", /MESH1007/],
  ];
  for (const [file, code, expected] of cases) {
    writeFileSync(join(work, file), code);
    for (const args of [["validate", file], ["compile", file, "--check", "--out", "nowhere"]]) {
      const r = meshc(["--config-timeout", "2", ...args, "--no-typecheck"]);
      assert.is(r.code, 1, `${file} ${args[0]}: ${r.stderr}`);
      assert.match(r.stderr, expected, file);
      assert.ok(r.ms < 60_000, `${file} took ${r.ms} ms`);
    }
  }
  // The config's own output never reaches stdout (where --format json and --emit ir write results).
  const shown = meshc(["validate", "fake-output.ts", "--no-typecheck"]);
  assert.is(shown.stdout, "");
  assert.is(meshc(["--config-timeout", "nope", "validate", "exit0.ts"]).code, 2);
});

test.after(() => rmSync(work, { recursive: true, force: true }));
test.run();
