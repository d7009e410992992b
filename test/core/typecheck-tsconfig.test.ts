// meshc's type-check of mesh.config.ts sees what the user's own tsc sees: a `paths` alias
// from their tsconfig.json resolves (no false MESH1004), a `baseUrl` (removed in
// TypeScript 7, valid in 5) still resolves, and a real type error is still reported.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { typecheckConfig } from "../../compiler/typecheck.ts";

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

test("without a tsconfig the strict defaults apply", async () => {
  const dir = join(work, "none");
  mkdirSync(dir);
  const file = join(dir, "mesh.config.ts");
  writeFileSync(file, `const port: number = "8080";\nexport default { port };\n`);
  assert.ok(!existsSync(join(dir, "tsconfig.json")));
  assert.equal((await typecheckConfig(file, [file], (p) => p)).map((d) => d.line), [1]);
});

test.after(() => rmSync(work, { recursive: true, force: true }));
test.run();
