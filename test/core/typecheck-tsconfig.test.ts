// meshc's type-check of mesh.config.ts sees what the user's own tsc sees: a `paths` alias
// from their tsconfig.json resolves (no false MESH1004), a `baseUrl` (removed in
// TypeScript 7, valid in 5) still resolves, and a real type error is still reported.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { cancelEarlyTypecheck, startEarlyTypecheck, typecheckConfig } from "../../compiler/typecheck.ts";
import { chainTexts, parseJsonc } from "../../compiler/typecheck-project.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const work = mkdtempSync(join(tmpdir(), "meshc-tsconfig-"));

function project(name: string, tsconfig: object, config: string): string {
  const dir = join(work, name);
  mkdirSync(join(dir, "shared"), { recursive: true });
  mkdirSync(join(dir, "node_modules"), { recursive: true });
  symlinkSync(ROOT, join(dir, "node_modules", "meshc"));
  writeFileSync(join(dir, "tsconfig.json"), JSON.stringify(tsconfig));
  writeFileSync(join(dir, "shared", "names.ts"), `export const api = "api" as const;\n`);
  writeFileSync(join(dir, "mesh.config.ts"), config);
  return join(dir, "mesh.config.ts");
}

const config = (from: string, extra = "") => `import { api } from "${from}";
const port: number = ${extra || "8080"};
export default { name: "x", api, port };
`;
const options = { module: "nodenext", moduleResolution: "nodenext", strict: true };

test("a paths alias from the user's tsconfig resolves; a real type error is still MESH1004", async () => {
  const ok = project("paths", { compilerOptions: { ...options, paths: { "@mesh/*": ["./shared/*"] } } }, config("@mesh/names.ts"));
  assert.equal(await typecheckConfig(ok, [ok], (p) => p), []);
  const bad = project("paths-bad", { compilerOptions: { ...options, paths: { "@mesh/*": ["./shared/*"] } } }, config("@mesh/names.ts", `"8080"`));
  const ds = await typecheckConfig(bad, [bad], (p) => p);
  assert.equal(ds.map((d) => [d.code, d.line]), [["MESH1004", 2]]);
  assert.not.ok(readdirSync(dirname(bad)).some((f) => f.startsWith(".meshc-typecheck")), "the generated project is removed");
});

test("baseUrl (TypeScript 5) resolves through the equivalent paths", async () => {
  const file = project("baseurl", { compilerOptions: { ...options, baseUrl: ".", paths: { "@mesh/*": ["shared/*"] } } }, config("@mesh/names.ts") + `import { api as again } from "shared/names.ts";\nexport const same = again;\n`);
  assert.equal(await typecheckConfig(file, [file], (p) => p), []);
});

test("baseUrl set in an extended file, written with comments and trailing commas, still resolves", async () => {
  const file = project("baseurl-extended", { extends: "./base", compilerOptions: options }, config("shared/names.ts"));
  writeFileSync(join(dirname(file), "base.json"), `{
    // the project's shared settings
    "compilerOptions": { /* TypeScript 5 */ "baseUrl": ".", },
  }`);
  assert.equal(await typecheckConfig(file, [file], (p) => p), []);
  // Without the baseUrl the bare specifier does not resolve: the shortcut must not have skipped it.
  writeFileSync(join(dirname(file), "base.json"), `{ "compilerOptions": {} }`);
  assert.equal((await typecheckConfig(file, [file], (p) => p)).map((d) => d.code), ["MESH1004"]);
});

test("the tsconfig chain is read without TypeScript only where plain JSON with comments reads it as TypeScript does", async () => {
  const { ts } = await import("ts-morph");
  const cases: Record<string, string> = {
    "a.json": `{ "extends": "./b", // comment\n "compilerOptions": { "strict": true, "paths": { "x/*": ["./y/*"] }, }, }`,
    "b.json": `{ "extends": ["./c.json"], "include": ["**/*.ts", "/*not a comment*/"] }`,
    "c.json": `/* "baseUrl": "." */ { "compilerOptions": { "outDir": "//dist" } }`,
    "pkg.json": `{ "extends": "@tsconfig/node20/tsconfig.json" }`,
    "missing.json": `{ "extends": "./nowhere" }`,
    "broken.json": `{ "compilerOptions": { "strict": true,, } }`,
    "escaped.json": `{ "compilerOptions": { "base\\u0055rl": "." } }`,
  };
  const dir = join(work, "chains");
  mkdirSync(dir);
  for (const [name, text] of Object.entries(cases)) writeFileSync(join(dir, name), text);
  writeFileSync(join(dir, "x.ts"), "export {};\n");
  const read = chainTexts(join(dir, "a.json"));
  assert.equal(read, [cases["a.json"], cases["b.json"], cases["c.json"]]);
  // What TypeScript reads from the chain: the same files, no baseUrl (the one in c.json is a comment).
  const parsed = ts.getParsedCommandLineOfConfigFile(join(dir, "a.json"), undefined, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} })!;
  assert.equal(parsed.errors, []);
  assert.is(parsed.options.baseUrl, undefined);
  assert.is(parsed.options.strict, true);
  for (const name of ["pkg.json", "missing.json", "broken.json"]) assert.is(chainTexts(join(dir, name)), null, name);
  assert.equal(parseJsonc(cases["escaped.json"]), { compilerOptions: { baseUrl: "." } }, "an escaped key: the caller falls back to TypeScript on any \\u");
  assert.equal(parseJsonc(`{"a": "//", "b": [1, 2,], /* c */ "d": "\\"/*" }`), { a: "//", b: [1, 2], d: "\"/*" });
});

test("without a tsconfig the strict defaults apply", async () => {
  const dir = join(work, "none");
  mkdirSync(dir);
  const file = join(dir, "mesh.config.ts");
  writeFileSync(file, `const port: number = "8080";\nexport default { port };\n`);
  assert.ok(!existsSync(join(dir, "tsconfig.json")));
  assert.equal((await typecheckConfig(file, [file], (p) => p)).map((d) => d.line), [1]);
});

const generated = (dir: string) => readdirSync(dir).filter((f) => f.startsWith(".meshc-typecheck"));

test("a compile interrupted during the type-check removes its generated project and ends by the signal", async () => {
  const file = project("interrupted", { compilerOptions: options }, `export default { name: "x", port: 8080 };\n`);
  const dir = dirname(file);
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    const child = spawn(process.execPath, [join(ROOT, "compiler", "cli", "meshc.js"), "compile", "mesh.config.ts", "--target", "certs", "--out", "out"], { cwd: dir, stdio: "ignore" });
    const exited = new Promise<NodeJS.Signals | null>((done) => child.on("exit", (_code, s) => done(s)));
    const deadline = Date.now() + 60_000;
    while (generated(dir).length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    assert.equal(generated(dir).length, 1, "the check wrote its project next to the tsconfig");
    child.kill(signal);
    assert.is(await exited, signal);
    assert.equal(generated(dir), [], `no generated project left after ${signal}`);
    assert.not.ok(existsSync(join(dir, "out")), "no bundle from an interrupted compile");
  }
});

test("a type-check started early is taken by the check of its config; one nothing took stops and removes its project", async () => {
  const file = project("early", { compilerOptions: options }, config("./shared/names.ts", `"8080"`));
  const dir = dirname(file);
  startEarlyTypecheck(file);
  assert.equal((await typecheckConfig(file, [file], (p) => p)).map((d) => [d.code, d.line]), [["MESH1004", 2]]);
  assert.equal(generated(dir), []);
  startEarlyTypecheck(file);
  const deadline = Date.now() + 60_000;
  while (generated(dir).length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  assert.equal(generated(dir).length, 1, "the early check wrote its project");
  await cancelEarlyTypecheck();
  assert.equal(generated(dir), [], "stopped, its project removed");
  // Another config's early check is not taken for this one (and is stopped when this one starts its own).
  const other = project("early-other", { compilerOptions: options }, config("./shared/names.ts"));
  startEarlyTypecheck(other);
  assert.equal((await typecheckConfig(file, [file], (p) => p)).map((d) => d.code), ["MESH1004"]);
  await cancelEarlyTypecheck();
  assert.equal(generated(dirname(other)), []);
});

test("projects left by killed runs are removed by the next check; a live run's stays", async () => {
  const file = project("leftovers", { compilerOptions: options }, config("./shared/names.ts"));
  const dir = dirname(file);
  const gone = spawn(process.execPath, ["-e", ""]);
  await new Promise((r) => gone.on("exit", r));
  const live = spawn(process.execPath, ["-e", "setTimeout(() => {}, 60000)"]);
  try {
    writeFileSync(join(dir, `.meshc-typecheck-${gone.pid}-0.json`), "{}");
    writeFileSync(join(dir, `.meshc-typecheck-${live.pid}-3.json`), "{}");
    writeFileSync(join(dir, ".meshc-typecheck-notes.json"), "{}"); // not a name meshc generates
    assert.equal(await typecheckConfig(file, [file], (p) => p), []);
    assert.equal(generated(dir).sort(), [`.meshc-typecheck-${live.pid}-3.json`, ".meshc-typecheck-notes.json"].sort());
  } finally {
    live.kill("SIGKILL");
  }
});

test.after(() => rmSync(work, { recursive: true, force: true }));
test.run();
