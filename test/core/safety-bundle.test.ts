// The bundle writer against a hostile folder, through the real binary: a forged lock (../,
// absolute paths, a symbolic link) next to a foreign file deletes nothing anywhere; --adopt
// never replaces a file meshc did not write; dead runs' staging folders are removed; and a
// compile SIGKILLed at every step of the write (and after random delays) leaves --out
// holding the old or the new bundle, complete, never a mix and never nothing.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { readTree } from "../support/tree.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const BIN = join(ROOT, "compiler", "cli", "meshc.js");
const work = mkdtempSync(join(tmpdir(), "meshc-safety-"));
const FAST = ["--target", "envoy,certs", "--no-typecheck"];

const service = (ip: string) => ({ ports: { http: { port: 8080, protocol: "http" } }, endpoints: [ip] });
const OLD = join(work, "old.json");
const NEW = join(work, "new.json");
writeFileSync(OLD, JSON.stringify({ name: "s", trustDomain: "s.example.com", namespace: "s", services: { web: service("10.0.0.1"), api: service("10.0.0.2") } }));
writeFileSync(NEW, JSON.stringify({ name: "s", trustDomain: "s.example.com", namespace: "s", services: { web: service("10.0.0.1"), db: service("10.0.0.3") } }));

function meshc(args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: work, encoding: "utf8", env: { ...process.env, ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}


/** A bundle is complete when its lock lists exactly its files, each with the bytes the lock says. */
function completeBundle(dir: string): boolean {
  const tree = readTree(dir);
  const lock = tree.get("meshc.lock.json");
  if (!lock) return false;
  const files = (JSON.parse(lock) as { files: { path: string; sha256: string }[] }).files;
  return files.length === tree.size - 1 && files.every((f) => tree.has(f.path) && createHash("sha256").update(tree.get(f.path)!).digest("hex") === f.sha256);
}

const oldTree = (() => { meshc(["compile", OLD, "--out", "ref-old", ...FAST]); return readTree(join(work, "ref-old")); })();
const newTree = (() => { meshc(["compile", NEW, "--out", "ref-new", ...FAST]); return readTree(join(work, "ref-new")); })();

test("reference bundles differ (the kill test can tell old from new)", () => {
  assert.ok(oldTree.has("envoy/api.yaml") && newTree.has("envoy/db.yaml"));
  assert.ok(completeBundle(join(work, "ref-old")) && completeBundle(join(work, "ref-new")));
});

test("a forged lock (../, absolute, through a symlink) next to a foreign file: refused, MESH4006, nothing deleted anywhere", () => {
  const project = join(work, "hostile");
  mkdirSync(project);
  cpSync(join(work, "ref-old"), join(project, "bundle"), { recursive: true });
  const victims = { [join(work, "victim.txt")]: "victim\n", [join(project, "mesh.json")]: "{}\n" };
  for (const [p, c] of Object.entries(victims)) writeFileSync(p, c);
  writeFileSync(join(project, "bundle", "README.md"), "mine\n");
  const lockFile = join(project, "bundle", "meshc.lock.json");
  const lock = JSON.parse(readFileSync(lockFile, "utf8"));
  const zero = "0".repeat(64);
  for (const path of ["../mesh.json", "../../victim.txt", join(work, "victim.txt"), "envoy/../../mesh.json"]) {
    writeFileSync(lockFile, JSON.stringify({ ...lock, files: [...lock.files, { path, sha256: zero }] }));
    const before = readTree(join(project, "bundle"));
    const r = meshc(["compile", NEW, "--out", join(project, "bundle"), ...FAST]);
    assert.is(r.code, 1, `${path}: ${r.stderr}`);
    assert.match(r.stderr, /MESH4006/);
    assert.equal(readTree(join(project, "bundle")), before, path);
    for (const [p, c] of Object.entries(victims)) assert.is(readFileSync(p, "utf8"), c, `${path} deleted ${p}`);
    // --check refuses the forged lock too rather than reporting drift outside the folder.
    const check = meshc(["compile", NEW, "--out", join(project, "bundle"), "--check", ...FAST]);
    assert.is(check.code, 1);
    assert.match(check.stderr, /MESH4006/);
  }
  // A lock entry reaching out through a symbolic link inside the bundle.
  mkdirSync(join(work, "outside"));
  writeFileSync(join(work, "outside", "keep.txt"), "keep\n");
  symlinkSync(join(work, "outside"), join(project, "bundle", "linked"));
  writeFileSync(lockFile, JSON.stringify({ ...lock, files: [...lock.files, { path: "linked/keep.txt", sha256: zero }] }));
  const r = meshc(["compile", NEW, "--out", join(project, "bundle"), ...FAST]);
  assert.is(r.code, 1);
  assert.match(r.stderr, /MESH4006/);
  assert.is(readFileSync(join(work, "outside", "keep.txt"), "utf8"), "keep\n");
});

test("--adopt keeps foreign files and refuses (MESH4007) to replace one, or an owned file edited by hand", () => {
  const out = join(work, "adopted");
  mkdirSync(join(out, "envoy"), { recursive: true });
  writeFileSync(join(out, "envoy", "web.yaml"), "my own\n");
  writeFileSync(join(out, "notes.md"), "notes\n");
  const r = meshc(["compile", OLD, "--out", out, "--adopt", ...FAST]);
  assert.is(r.code, 1, r.stderr);
  assert.match(r.stderr, /MESH4007/);
  assert.is(readFileSync(join(out, "envoy", "web.yaml"), "utf8"), "my own\n");
  rmSync(join(out, "envoy", "web.yaml"));
  const ok = meshc(["compile", OLD, "--out", out, "--adopt", ...FAST]);
  assert.is(ok.code, 0, ok.stderr);
  assert.is(readFileSync(join(out, "notes.md"), "utf8"), "notes\n");
  writeFileSync(join(out, "envoy", "api.yaml"), "edited by hand\n");
  const edited = meshc(["compile", NEW, "--out", out, ...FAST]);
  assert.is(edited.code, 1);
  assert.match(edited.stderr, /MESH4007/);
  assert.is(readFileSync(join(out, "envoy", "api.yaml"), "utf8"), "edited by hand\n");
});

test("staging folders of dead runs are removed; a missing --out is restored from a dead run's aside copy", () => {
  const out = join(work, "recover");
  cpSync(join(work, "ref-old"), join(work, ".recover.meshc-old-999999999"), { recursive: true });
  mkdirSync(join(work, ".recover.meshc-staging-999999998"));
  writeFileSync(join(work, ".recover.meshc-staging-999999998", "junk"), "x".repeat(1000));
  // A live process's staging folder (this test's own parent pid) is left alone.
  const live = join(work, `.recover.meshc-staging-${process.pid}`);
  mkdirSync(live);
  const r = meshc(["compile", OLD, "--out", out, "--check", ...FAST]);
  assert.is(r.code, 1, "--check never recovers or passes without a bundle");
  const w = meshc(["compile", NEW, "--out", out, ...FAST]);
  assert.is(w.code, 0, w.stderr);
  assert.equal(readTree(out), newTree);
  assert.not.ok(existsSync(join(work, ".recover.meshc-old-999999999")));
  assert.not.ok(existsSync(join(work, ".recover.meshc-staging-999999998")));
  assert.ok(existsSync(live));
  rmSync(live, { recursive: true });
});

/** Starts a compile of NEW over a copy of the old bundle, pauses it at `step` and kills it there. */
async function killAt(out: string, env: NodeJS.ProcessEnv): Promise<void> {
  const child = spawn(process.execPath, [BIN, "compile", NEW, "--out", out, ...FAST], { cwd: work, env: { ...process.env, ...env }, stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (d) => (stderr += d));
  const exited = new Promise((r) => child.on("exit", r));
  for (let i = 0; i < 1200 && !stderr.includes("meshc-test-paused") && child.exitCode === null; i++) await new Promise((r) => setTimeout(r, 50));
  assert.ok(stderr.includes("meshc-test-paused"), `never paused: ${stderr}`);
  process.kill(child.pid!, "SIGKILL");
  await exited;
}

test("SIGKILL at every step of the write leaves the old or the new bundle, complete", async () => {
  const steps: [string, NodeJS.ProcessEnv, "old" | "new" | "missing"][] = [
    ["staging", {}, "old"], ["before-swap", {}, "old"], ["after-swap", {}, "new"],
    ["between-renames", { MESHC_NO_EXCHANGE: "1" }, "missing"],
  ];
  for (const [step, env, expected] of steps) {
    const out = join(work, `kill-${step}`);
    cpSync(join(work, "ref-old"), out, { recursive: true });
    await killAt(out, { MESHC_TEST_PAUSE_AT: step, ...env });
    if (expected === "missing") {
      // The two-rename fallback: the one window without --out, which the next run repairs first.
      assert.not.ok(existsSync(out), step);
      const again = meshc(["compile", OLD, "--out", out, "--check", ...FAST]);
      assert.is(again.code, 1);
      const repaired = meshc(["compile", NEW, "--out", out, ...FAST]);
      assert.is(repaired.code, 0, repaired.stderr);
      assert.equal(readTree(out), newTree);
      continue;
    }
    assert.ok(completeBundle(out), step);
    assert.equal(readTree(out), expected === "old" ? oldTree : newTree, step);
    const check = meshc(["compile", expected === "old" ? OLD : NEW, "--out", out, "--check", ...FAST]);
    assert.is(check.code, 0, `${step}: ${check.stderr}`);
    // The next write cleans the dead run's staging folder.
    assert.is(meshc(["compile", NEW, "--out", out, ...FAST]).code, 0);
    assert.not.ok(readdirSync(work).some((f) => f.startsWith(`.kill-${step}.meshc-`)), step);
  }
});

test("SIGKILL after random delays (bounded loop): --out is always the old or the new bundle", async () => {
  const out = join(work, "kill-random");
  let seed = 7;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  for (let i = 0; i < 4; i++) {
    rmSync(out, { recursive: true, force: true });
    cpSync(join(work, "ref-old"), out, { recursive: true });
    const child = spawn(process.execPath, [BIN, "compile", NEW, "--out", out, ...FAST], { cwd: work, stdio: "ignore" });
    const exited = new Promise((r) => child.on("exit", r));
    await new Promise((r) => setTimeout(r, 300 + random() * 3000));
    if (child.exitCode === null) process.kill(child.pid!, "SIGKILL");
    await exited;
    const tree = readTree(out);
    assert.ok(completeBundle(out), `round ${i}`);
    assert.ok([oldTree, newTree].some((t) => JSON.stringify([...t]) === JSON.stringify([...tree])), `round ${i}: a mix`);
  }
});

test.after(() => rmSync(work, { recursive: true, force: true }));
test.run();
