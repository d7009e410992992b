// `meshc snapshot` through the real binary: --update writes the golden bundle, verify
// passes on it, and each kind of drift on its own (a changed, a missing, a stale file)
// fails verification with exit 1 and is listed.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const BIN = join(ROOT, "compiler", "cli", "meshc.js");
const MINIMAL = join(ROOT, "examples", "minimal", "mesh.config.ts");
const root = mkdtempSync(join(tmpdir(), "meshc-snapshot-"));
const golden = join(root, "minimal");

function meshc(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: "utf8" });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const verify = () => meshc("snapshot", MINIMAL, "--dir", root);

/** What the verify output lists: [kind, path inside the snapshot]. */
function listed(stdout: string): [string, string][] {
  return [...stdout.matchAll(/^(missing|changed|orphaned) (.+)$/gm)].map((m) => [m[1]!, m[2]!.slice(`${golden}/`.length)]);
}

test.after(() => rmSync(root, { recursive: true, force: true }));

test("--update writes snapshots/<mesh name>/ and verification then passes", () => {
  const u = meshc("snapshot", MINIMAL, "--dir", root, "--update");
  assert.is(u.code, 0, u.stderr);
  for (const path of ["envoy/web.yaml", "envoy/api.yaml", "nginx/web.conf", "haproxy/api.cfg", "kubernetes/kustomization.yaml", "certs/manifest.toml"]) {
    assert.ok(existsSync(join(golden, path)), path);
  }
  assert.not.ok(readdirSync(golden).some((f) => f.endsWith(".lock") || f.startsWith("meshc.")), "the lock file is not part of a snapshot");
  const v = verify();
  assert.is(v.code, 0, v.stdout + v.stderr);
  assert.is(v.stdout, "");
});

test("a changed file fails verification and is listed with its diff", () => {
  const path = join(golden, "nginx", "web.conf");
  const original = readFileSync(path, "utf8");
  writeFileSync(path, original.replace(/\n$/, "\n# hand edit\n"));
  try {
    const v = verify();
    assert.is(v.code, 1, v.stderr);
    assert.equal(listed(v.stdout), [["changed", "nginx/web.conf"]]);
    assert.match(v.stdout, /^-# hand edit$/m);
  } finally {
    writeFileSync(path, original);
  }
});

test("a missing file fails verification and is listed", () => {
  const path = join(golden, "envoy", "api.yaml");
  const original = readFileSync(path, "utf8");
  unlinkSync(path);
  try {
    const v = verify();
    assert.is(v.code, 1, v.stderr);
    assert.equal(listed(v.stdout), [["missing", "envoy/api.yaml"]]);
  } finally {
    writeFileSync(path, original);
  }
});

test("a stale file the bundle no longer has fails verification and is listed as orphaned", () => {
  const path = join(golden, "envoy", "retired.yaml");
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, "stale: true\n");
  try {
    const v = verify();
    assert.is(v.code, 1, v.stderr);
    assert.equal(listed(v.stdout), [["orphaned", "envoy/retired.yaml"]]);
  } finally {
    unlinkSync(path);
  }
});

test("--name must be one folder name: \"\" would make --update wipe the whole snapshot root", () => {
  const other = join(root, "other", "keep.txt");
  mkdirSync(dirname(other), { recursive: true });
  writeFileSync(other, "another mesh's snapshot\n");
  const r = meshc("snapshot", MINIMAL, "--dir", root, "--name", "", "--update");
  assert.is(r.code, 2, r.stderr);
  assert.is(readFileSync(other, "utf8"), "another mesh's snapshot\n");
  assert.ok(existsSync(join(golden, "envoy", "web.yaml")));
});

test.run();
