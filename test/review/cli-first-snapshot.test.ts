// The first `meshc snapshot`, before any snapshot exists: one line saying how to create
// it and exit 1 (no snapshot is not a match), where it once printed a "missing" line per file.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const BIN = join(ROOT, "compiler", "cli", "meshc.js");
const MINIMAL = join(ROOT, "examples", "minimal", "mesh.config.ts");
const root = mkdtempSync(join(tmpdir(), "meshc-first-snapshot-"));

const meshc = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: "utf8" });

test.after(() => rmSync(root, { recursive: true, force: true }));

test("no snapshot yet: exit 1, one line naming the command that creates it, nothing on stdout", () => {
  const r = meshc("snapshot", MINIMAL, "--dir", root);
  assert.is(r.status, 1);
  assert.is(r.stdout, "");
  const lines = r.stderr.trim().split("\n");
  assert.is(lines.length, 1, r.stderr);
  const command = /create it with: (meshc snapshot .*)$/.exec(lines[0]!)?.[1];
  assert.ok(command, lines[0]);
  assert.not.ok(existsSync(join(root, "minimal")), "verifying writes nothing");
  // The command it names does create the snapshot, and verification then passes.
  const args = command!.split(" ").slice(1);
  assert.is(meshc(...args).status, 0);
  assert.is(meshc("snapshot", MINIMAL, "--dir", root).status, 0);
});

test.run();
