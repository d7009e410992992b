// The compile command runs from the V8 code cache `npm run build` makes for it
// (scripts/build.js, compiler/cli/script-loader.ts). The shipped cache must be accepted by
// the CLI as it starts (its heap flags included), or it only costs disk; a cache V8 rejects
// (another script's, a node whose V8 or flags differ) or a missing one must cost time only:
// the script is compiled from its source and writes the same files.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { appendFileSync, cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { brotliDecompressSync } from "node:zlib";

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

// ts-morph's files (the TypeScript parser that places a warning in the config) run from the
// caches the build made for them, listed with the package version each was made from.
const SHOP = join(ROOT, "examples", "shop", "mesh.config.ts");
function compileShop(cli: string, out: string): { stderr: string; files: string } {
  const r = spawnSync(process.execPath, [join(cli, "bin.js"), "compile", SHOP, "--target", "nginx", "--no-typecheck", "--out", out], {
    cwd: ROOT, encoding: "utf8", timeout: 120_000, env: { ...process.env, MESHC_DEBUG: "1" },
  });
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stderr, /warning MESH3002/, "a warning placed in the config");
  const files = readdirSync(join(out, "nginx"), { recursive: true }).map(String).sort().map((f) => `${f}\n${tryRead(join(out, "nginx", f))}`).join("\n");
  return { stderr: r.stderr.replace(/ in \d+\.\d+s;/, "").replaceAll(out, "<out>"), files };
}
const tryRead = (f: string): string => { try { return readFileSync(f, "utf8"); } catch { return "(folder)"; } };
const PACKAGES = join("compile-command.packages", "packages.json");
const shop = compileShop(distCopy("shop-shipped"), join(work, "out-shop"));

test("ts-morph's large files are listed with their caches, and the shipped caches are accepted", () => {
  const listed = JSON.parse(readFileSync(join(ROOT, "dist", "compiler", "cli", PACKAGES), "utf8")) as { file: string; cache: string }[];
  assert.ok(listed.some((p) => p.file === "@ts-morph/common/dist/typescript.js"), "TypeScript's API is listed");
  for (const p of listed) assert.ok(existsSync(join(ROOT, "dist", "compiler", "cli", "compile-command.packages", p.cache)), p.cache);
  assert.not.match(shop.stderr, /code cache (rejected|missing|made for another version)/);
});

test("a package file listed for another version compiles from its source, to the same output", () => {
  const cli = distCopy("shop-version");
  const list = join(cli, PACKAGES);
  const listed = JSON.parse(readFileSync(list, "utf8")) as { version: string }[];
  writeFileSync(list, JSON.stringify(listed.map((p) => ({ ...p, version: `${p.version}-other` }))));
  const r = compileShop(cli, join(work, "out-shop-version"));
  assert.match(r.stderr, /typescript\.js: code cache made for another version/);
  assert.not.match(r.stderr, /rejected/);
  assert.equal(r.files, shop.files);
  assert.equal(r.stderr.replace(/meshc: .*code cache.*\n/g, ""), shop.stderr);
});

test("another file's cache is rejected by V8 and the file compiles from its source, to the same output", () => {
  const cli = distCopy("shop-swapped");
  const list = join(cli, PACKAGES);
  const listed = JSON.parse(readFileSync(list, "utf8")) as { file: string; cache: string }[];
  const other = listed.find((p) => p.file === "ts-morph/dist/ts-morph.js")!.cache;
  writeFileSync(list, JSON.stringify(listed.map((p) => (p.file === "@ts-morph/common/dist/typescript.js" ? { ...p, cache: other } : p))));
  const r = compileShop(cli, join(work, "out-shop-swapped"));
  assert.match(r.stderr, /typescript\.js: code cache rejected/);
  assert.equal(r.files, shop.files);
  assert.equal(r.stderr.replace(/meshc: .*code cache.*\n/g, ""), shop.stderr);
});

/** Every file under `dir`, recursively. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)]));
}

test("no built file names the folder it was built in (a code cache keeps its script's name)", () => {
  // V8 writes into a cache the name its script was compiled under and shows that name in the
  // stack traces of code run from the cache: an absolute name would ship the build machine's
  // folders in the package and make the caches differ between checkouts.
  const caches = filesUnder(join(ROOT, "dist")).filter((f) => f.endsWith(".cache") || f.endsWith(".cache.br"));
  assert.ok(caches.length >= 5, `caches found: ${caches.length}`);
  for (const file of filesUnder(join(ROOT, "dist"))) {
    const bytes = file.endsWith(".br") ? brotliDecompressSync(readFileSync(file)) : readFileSync(file);
    assert.not.ok(bytes.toString("latin1").includes(ROOT), `${file.slice(ROOT.length + 1)} holds the repository's absolute path`);
  }
});

test("code run from the shipped cache reports the package's names in stack traces", async () => {
  const { runScript, scriptName } = await import(join(ROOT, "dist", "compiler", "cli", "script-loader.js")) as typeof import("../../compiler/cli/script-loader.ts");
  assert.is(scriptName(join(ROOT, "dist", "compiler", "cli", "commander.script.js")), "meshc/dist/compiler/cli/commander.script.js");
  const cli = join(ROOT, "dist", "compiler", "cli");
  const commander = runScript(pathToFileURL(join(cli, "commander.script.js")), pathToFileURL(join(cli, "commander.script.cache")), pathToFileURL(join(cli, "main.js")).href) as { Command: new () => { exitOverride(): unknown; parse(argv: string[], o: object): unknown } };
  const program = new commander.Command();
  program.exitOverride();
  let stack = "";
  try {
    program.parse(["--no-such-option"], { from: "user" });
  } catch (error) {
    stack = String((error as Error).stack);
  }
  assert.match(stack, /meshc\/dist\/compiler\/cli\/commander\.script\.js:\d+:\d+/);
  assert.not.ok(stack.includes(cli), stack);
});

test.after(() => rmSync(work, { recursive: true, force: true }));
test.run();
