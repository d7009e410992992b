// One mistake, one diagnostic; two mistakes, two. A type error (MESH1004) yields to meshc's
// own error for the same mistake (same JSON path, or an element of the list TypeScript
// flags), never to an own error that merely shares its line.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { compileFile } from "../../compiler/compile.ts";
import { dropTypeErrorsCoveredByOwn } from "../../compiler/diagnostics/dedupe.ts";
import type { Diagnostic } from "../../compiler/diagnostics/types.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
// Inside the repository, so `import ... from "meshc"` resolves through its tsconfig paths.
const DIR = join(ROOT, "examples", "minimal");

async function diagnosticsOf(lines: string): Promise<{ code: string; line: number; column: number; path: string }[]> {
  const file = join(DIR, `.dedupe-${process.pid}.mesh.config.ts`);
  writeFileSync(file, `import { defineMesh } from "meshc";
export default defineMesh({
  name: "t", trustDomain: "t.example.com", namespace: "t",
  services: {
    web: { ports: { http: { port: 8080, protocol: "http" } }, endpoints: ["10.0.0.1"] },
    api: { ports: { http: { port: 8080, protocol: "http" } }, endpoints: ["10.0.0.2"] },
  },
${lines}
});
`);
  try {
    const r = await compileFile(file, { cwd: DIR, targets: ["envoy"] });
    return r.diagnostics.filter((d) => d.severity === "error").map((d) => ({ code: d.code, line: d.line, column: d.column, path: d.path }));
  } finally {
    rmSync(file, { force: true });
  }
}

test("two different mistakes on one line: both show (a type error only TypeScript sees, an unknown service)", async () => {
  const ds = await diagnosticsOf(`  routes: [{ name: "r" satisfies number, from: "web", to: "apx" }],`);
  assert.equal(ds.map((d) => [d.code, d.line, d.path]), [["MESH1004", 8, "routes[0].name"], ["MESH2001", 8, "routes[0].to"]]);
});

test("one mistake shows once: a property TypeScript and meshc both flag, and a list element TypeScript flags at its list", async () => {
  const ds = await diagnosticsOf(`  routes: [{ from: "web", to: "apx" }],
  authorization: [{ allow: { from: ["wbe"], to: "api" } }],`);
  assert.equal(ds.map((d) => [d.code, d.path]), [["MESH2001", "routes[0].to"], ["MESH2001", "authorization[0].allow.from[0]"]]);
});

test("a type error without a path yields only to an own error at its very position", () => {
  const at = (code: string, line: number, column: number, path = ""): Diagnostic =>
    ({ code, severity: "error", message: "", file: "m.ts", line, column, path, hint: null });
  const kept = dropTypeErrorsCoveredByOwn([at("MESH1004", 3, 5), at("MESH2001", 3, 9, "routes[0].to"), at("MESH1004", 4, 2), at("MESH2001", 4, 2, "x")]);
  assert.equal(kept.map((d) => `${d.code}@${d.line}:${d.column}`), ["MESH1004@3:5", "MESH2001@3:9", "MESH2001@4:2"]);
});

test.run();
