// The compile command runs from the V8 code cache `npm run build` makes for it
// (scripts/build.js, compiler/cli/script-loader.ts). The shipped cache must be accepted by
// the CLI as it starts (its heap flags included), or it only costs disk; a cache V8 rejects
// (another script's, a node whose V8 or flags differ) or a missing one must cost time only:
// the script is compiled from its source and writes the same files.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { appendFileSync, cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, unlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const work = mkdtempSync(join(tmpdir(), "meshc-code-cache-"));
const CONFIG = join(ROOT, "examples", "minimal", "mesh.config.ts");

if (!existsSync(join(ROOT, "dist", "compiler", "cli", "compile-command.script.cache"))) {
  const r = spawnSync(process.execPath, [join(ROOT, "scripts", "build.js")], { cwd: ROOT, encoding: "utf8", timeout: 300_000 });
  if (r.status !== 0) throw new Error(`build failed: ${r.stdout}${r.stderr}`);
}

/** A copy of dist/ (packages found through a link to the repository's node_modules) to change files in. */
function distCopy(name: string): string {
  const dir = join(work, name);
  cpSync(join(ROOT, "dist"), join(dir, "dist"), { recursive: true });
  symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"), "dir");
  return join(dir, "dist", "compiler", "cli");
}

function compile(cli: string, out: string): { stderr: string; files: Map<string, string> } {
  const r = spawnSync(process.execPath, [join(cli, "bin.js"), "compile", CONFIG, "--target", "certs", "--no-typecheck", "--out", out], {
    cwd: ROOT, encoding: "utf8", timeout: 120_000, env: { ...process.env, MESHC_DEBUG: "1" },
  });
  assert.is(r.status, 0, r.stderr);
  const files = new Map(readdirSync(join(out, "certs")).map((f) => [f, readFileSync(join(out, "certs", f), "utf8")]));
  return { stderr: r.stderr, files };
}

const shipped = compile(distCopy("shipped"), join(work, "out-shipped"));

test("the CLI starts from the shipped code cache", () => {
  assert.not.match(shipped.stderr, /code cache (rejected|missing)/);
  assert.ok(shipped.files.size > 0, "certs written");
});

test("another script's cache is rejected and the command compiles from its source, to the same files", () => {
  const cli = distCopy("foreign");
  appendFileSync(join(cli, "compile-command.script.js"), "\n// another build\n");
  const r = compile(cli, join(work, "out-foreign"));
  assert.match(r.stderr, /code cache rejected/);
  assert.equal(r.files, shipped.files);
});

test("without a cache the command compiles from its source, to the same files", () => {
  const cli = distCopy("none");
  unlinkSync(join(cli, "compile-command.script.cache"));
  const r = compile(cli, join(work, "out-none"));
  assert.match(r.stderr, /code cache missing/);
  assert.equal(r.files, shipped.files);
});

test.after(() => rmSync(work, { recursive: true, force: true }));
test.run();
