// A compile over a bundle meshc wrote hard-links the old files whose bytes it writes again
// (bundle.ts openReuse) instead of writing them. Each test attacks that path: the old file
// turned into a symbolic link (or its folder did), given a second name outside the bundle,
// edited since the lock (before or after the scan that hashed it), chmod-ed, a foreign file
// next to it, a file system that refuses links, and a kill between staging and swap. The
// bundle must come out as a fresh write would make it (bytes, modes), sharing no inode with
// any file outside it, and nothing outside it touched.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import { chmodSync, linkSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { syncBuiltinESMExports } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { inspectOutDir, lockFileFor, stageBundle, writeBundle } from "../../compiler/bundle.ts";
import { scanFolder } from "../../compiler/bundle-secrets.ts";
import { readTree } from "../support/tree.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const BIN = join(ROOT, "compiler", "cli", "meshc.js");
const work = mkdtempSync(join(tmpdir(), "meshc-reuse-"));
const INPUT = "0".repeat(64);

/** Long enough for a file's times to be older than a clock tick (only such files are reused). */
const settle = () => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 120);

const V1: Record<string, string> = {
  "a/x.yaml": "x: 1\n".repeat(50),
  "a/y.yaml": "y: 1\n".repeat(50),
  "b/c/z.yaml": "z: 1\n".repeat(50),
  "first.txt": "the first file is written: it tells what a fresh file looks like\n",
};
const V2 = { ...V1, "a/y.yaml": "y: 2\n".repeat(50) };

/**
 * Writes `files` over `out` as compile does: the lock read once, the scan's hashes handed to
 * the write. `afterScan` runs once the write is open (the lock read, the folder listed, the
 * files hashed), before any file is added: what a concurrent change in that window can do.
 */
function write(out: string, files: Record<string, string>, opts: { afterScan?: () => void; adopt?: boolean } = {}) {
  const { diagnostics, lock } = inspectOutDir(out, [], !!opts.adopt);
  assert.equal(diagnostics, []);
  const scan = lock.kind === "ok" ? scanFolder(out, new Map(lock.files.map((f) => [f.path, f.sha256]))) : null;
  const staged = stageBundle(out, { previous: { lock, reusable: scan?.reusable } });
  if (Array.isArray(staged)) throw new Error(JSON.stringify(staged));
  opts.afterScan?.();
  staged.add(Object.keys(files).sort((a, b) => (a === "first.txt" ? -1 : b === "first.txt" ? 1 : a < b ? -1 : 1)).map((path) => ({ path, content: files[path]! })));
  staged.add([lockFileFor(staged.entries(), INPUT)]);
  const problems = staged.commit();
  assert.equal(problems, []);
  return scan;
}

const ino = (p: string) => lstatSync(p).ino;

/** `out` holds exactly `files` (and the lock), each a regular file with one name and the mode of a fresh write. */
function freshLike(out: string, files: Record<string, string>) {
  const fresh = join(work, `fresh-${Math.random().toString(36).slice(2)}`);
  mkdirSync(fresh);
  writeFileSync(join(fresh, "f"), "");
  const mode = lstatSync(join(fresh, "f")).mode;
  rmSync(fresh, { recursive: true });
  for (const [path, content] of Object.entries(files)) {
    const st = lstatSync(join(out, path));
    assert.ok(st.isFile(), `${path} is a regular file`);
    assert.is(st.nlink, 1, `${path} has one name`);
    assert.is(st.mode, mode, `${path} has a fresh file's mode`);
    assert.is(readFileSync(join(out, path), "utf8"), content, path);
  }
  assert.not.ok(readdirSync(dirname(out)).some((n) => n.startsWith(`.${out.split("/").pop()}.meshc-`)), "no staging folder left");
}

function fresh(name: string, files = V1): string {
  const out = join(work, name);
  write(out, files);
  settle();
  return out;
}

test("unchanged files keep their inode (linked, not written); a changed one is written; the result is a fresh write's", () => {
  const out = fresh("plain");
  const before = Object.fromEntries(Object.keys(V1).map((p) => [p, ino(join(out, p))]));
  const scan = write(out, V2);
  assert.equal([...scan!.reusable.keys()].sort(), Object.keys(V1).sort(), "the scan vouches for every file of the lock");
  assert.is(ino(join(out, "a/x.yaml")), before["a/x.yaml"]);
  assert.is(ino(join(out, "b/c/z.yaml")), before["b/c/z.yaml"]);
  assert.is.not(ino(join(out, "a/y.yaml")), before["a/y.yaml"]);
  freshLike(out, V2);
});

test("an old file turned into a symbolic link after the scan (to a file outside, the same inode): written, the outside file untouched", () => {
  const out = fresh("symlink-file");
  const outside = join(work, "outside-x.yaml");
  write(out, V1, { afterScan: () => { renameSync(join(out, "a/x.yaml"), outside); symlinkSync(outside, join(out, "a/x.yaml")); } });
  freshLike(out, V1);
  assert.is.not(ino(join(out, "a/x.yaml")), ino(outside));
  assert.is(lstatSync(outside).nlink, 1);
  assert.is(readFileSync(outside, "utf8"), V1["a/x.yaml"]);
});

test("an old folder turned into a symbolic link after the scan (to a folder outside, same inodes): written, nothing outside linked or removed", () => {
  const out = fresh("symlink-folder");
  const outside = join(work, "outside-a");
  write(out, V1, { afterScan: () => { renameSync(join(out, "a"), outside); symlinkSync(outside, join(out, "a")); } });
  assert.ok(lstatSync(join(out, "a")).isDirectory());
  freshLike(out, V1);
  for (const name of ["x.yaml", "y.yaml"]) {
    assert.is(lstatSync(join(outside, name)).nlink, 1, name);
    assert.is.not(ino(join(out, "a", name)), ino(join(outside, name)), name);
    assert.is(readFileSync(join(outside, name), "utf8"), V1[`a/${name}`]);
  }
});

test("an old file with a second name outside the bundle (before or after the scan): written, never shared", () => {
  for (const when of ["before", "after"] as const) {
    const out = fresh(`second-name-${when}`);
    const outside = join(work, `second-name-${when}.yaml`);
    const addName = () => linkSync(join(out, "a/x.yaml"), outside);
    if (when === "before") { addName(); settle(); }
    write(out, V1, when === "after" ? { afterScan: addName } : {});
    freshLike(out, V1);
    assert.is.not(ino(join(out, "a/x.yaml")), ino(outside), when);
    assert.is(lstatSync(outside).nlink, 1, when);
    assert.is(readFileSync(outside, "utf8"), V1["a/x.yaml"], when);
  }
});

test("an old file edited since the lock (hash mismatch), or edited after the scan (same size): written with the bundle's bytes", () => {
  const edit = (out: string) => writeFileSync(join(out, "a/x.yaml"), "X: 9\n".repeat(50));
  const before = fresh("edited-before");
  const edited = ino(join(before, "a/x.yaml"));
  edit(before);
  settle();
  const scan = write(before, V1);
  assert.not.ok(scan!.reusable.has("a/x.yaml"), "the scan does not vouch for bytes that differ from the lock");
  assert.is.not(ino(join(before, "a/x.yaml")), edited);
  freshLike(before, V1);

  const after = fresh("edited-after");
  const old = ino(join(after, "a/x.yaml"));
  const scan2 = write(after, V1, { afterScan: () => edit(after) });
  assert.ok(scan2!.reusable.has("a/x.yaml"), "the scan saw the lock's bytes");
  assert.is.not(ino(join(after, "a/x.yaml")), old);
  freshLike(after, V1);
});

test("an old file whose mode is not a fresh write's (chmod +x): written, with a fresh write's mode", () => {
  const out = fresh("chmod");
  const old = ino(join(out, "a/x.yaml"));
  chmodSync(join(out, "a/x.yaml"), 0o755);
  settle();
  write(out, V1);
  assert.is.not(ino(join(out, "a/x.yaml")), old);
  freshLike(out, V1);
});

test("a foreign file next to the bundle (adopted folder) is kept as it is and never vouched for", () => {
  const out = join(work, "adopted");
  mkdirSync(join(out, "a"), { recursive: true });
  writeFileSync(join(out, "a", "mine.yaml"), V1["a/x.yaml"]!);
  write(out, V1, { adopt: true });
  settle();
  const mine = ino(join(out, "a", "mine.yaml"));
  const scan = write(out, V2);
  assert.not.ok(scan!.reusable.has("a/mine.yaml"), "a file the lock does not list is never reused");
  assert.is(ino(join(out, "a", "mine.yaml")), mine);
  assert.is(lstatSync(join(out, "a", "mine.yaml")).nlink, 1);
  assert.is(readFileSync(join(out, "a", "mine.yaml"), "utf8"), V1["a/x.yaml"]);
  freshLike(out, V2);
});

test("a path given twice, first linked: the second write never reaches the old file (the old bundle stays untouched until the swap)", () => {
  const out = fresh("twice");
  const { lock } = inspectOutDir(out, [], false);
  const scan = lock.kind === "ok" ? scanFolder(out, new Map(lock.files.map((f) => [f.path, f.sha256]))) : null;
  const staged = stageBundle(out, { previous: { lock, reusable: scan?.reusable } });
  if (Array.isArray(staged)) throw new Error(JSON.stringify(staged));
  const old = ino(join(out, "a/x.yaml"));
  staged.add([{ path: "first.txt", content: V1["first.txt"]! }, { path: "a/x.yaml", content: V1["a/x.yaml"]! }]);
  assert.is(lstatSync(join(out, "a/x.yaml")).nlink, 2, "linked into the staging folder");
  staged.add([{ path: "a/x.yaml", content: "overwritten\n" }]);
  assert.is(readFileSync(join(out, "a/x.yaml"), "utf8"), V1["a/x.yaml"]);
  assert.is(lstatSync(join(out, "a/x.yaml")).nlink, 1, "the link went before the write");
  staged.discard();
  assert.is(ino(join(out, "a/x.yaml")), old);
  freshLike(out, V1);
});

test("a file system that refuses hard links (EPERM, EXDEV, ENOTSUP): every file is written", () => {
  const real = fs.linkSync;
  for (const code of ["EPERM", "EXDEV", "ENOTSUP"]) {
    const out = fresh(`no-links-${code}`);
    const before = Object.fromEntries(Object.keys(V1).map((p) => [p, ino(join(out, p))]));
    let refused = 0;
    fs.linkSync = () => { refused++; throw Object.assign(new Error(code), { code }); };
    syncBuiltinESMExports();
    try {
      write(out, V1);
    } finally {
      fs.linkSync = real;
      syncBuiltinESMExports();
    }
    assert.ok(refused > 0, `${code}: the write tried to link`);
    for (const p of Object.keys(V1)) assert.is.not(ino(join(out, p)), before[p], `${code}: ${p}`);
    freshLike(out, V1);
  }
});

test("killed between staging (files linked) and swap: the old bundle stands, whole; the next run writes a bundle with one name per file", async () => {
  const config = join(work, "mesh.json");
  writeFileSync(config, JSON.stringify({ name: "s", trustDomain: "s.example.com", namespace: "s", services: { web: { ports: { http: { port: 8080, protocol: "http" } }, endpoints: ["10.0.0.1"] } } }));
  const args = ["compile", config, "--target", "envoy,certs", "--no-typecheck"];
  const run = (out: string) => spawnSync(process.execPath, [BIN, ...args, "--out", out], { cwd: work, encoding: "utf8" });
  assert.is(run("ref").status, 0);
  const ref = readTree(join(work, "ref"));
  const out = join(work, "killed");
  assert.is(run(out).status, 0);
  settle();
  const child = spawn(process.execPath, [BIN, ...args, "--out", out], { cwd: work, env: { ...process.env, MESHC_TEST_PAUSE_AT: "before-swap" }, stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (d) => (stderr += d));
  const exited = new Promise((r) => child.on("exit", r));
  for (let i = 0; i < 1200 && !stderr.includes("meshc-test-paused") && child.exitCode === null; i++) await new Promise((r) => setTimeout(r, 50));
  assert.ok(stderr.includes("meshc-test-paused"), `never paused: ${stderr}`);
  process.kill(child.pid!, "SIGKILL");
  await exited;
  assert.equal(readTree(out), ref);
  const shared = [...ref.keys()].filter((p) => lstatSync(join(out, p)).nlink === 2);
  assert.ok(shared.length >= ref.size - 2, `the dead run had linked the unchanged files (${shared.length} of ${ref.size})`);
  assert.is(run(out).status, 0);
  assert.equal(readTree(out), ref);
  for (const p of ref.keys()) assert.is(lstatSync(join(out, p)).nlink, 1, p);
  assert.not.ok(readdirSync(work).some((n) => n.startsWith(".killed.meshc-")));
  // And over a clean bundle the CLI links: the same inodes, the same bytes.
  settle();
  const inodes = [...ref.keys()].map((p) => ino(join(out, p)));
  assert.is(run(out).status, 0);
  assert.equal(readTree(out), ref);
  const kept = [...ref.keys()].filter((p, i) => ino(join(out, p)) === inodes[i]);
  assert.ok(kept.length >= ref.size - 2, `linked ${kept.length} of ${ref.size}`);
});


test.after(() => rmSync(work, { recursive: true, force: true }));
test.run();
