// The README's capability table is generated from the targets' declarations; this fails
// when a declaration changes and the README was not regenerated (`npm run readme-table`).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync } from "node:fs";
import { capabilityTable, TABLE_END, TABLE_START } from "../compiler/capability-table.ts";
import { targets } from "../targets/index.ts";

test("README capability table matches the targets' declarations", () => {
  const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
  const table = readme.slice(readme.indexOf(TABLE_START) + TABLE_START.length, readme.indexOf(TABLE_END)).trim();
  assert.is(table, capabilityTable(targets).trim());
});

test("README's first command compiles the showcase and .ci/run calls the test command", () => {
  const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
  assert.ok(readme.includes("npm install && npx meshc compile examples/shop/mesh.config.ts --out out/"));
  const ci = readFileSync(new URL("../.ci/run", import.meta.url), "utf8");
  assert.ok(ci.includes("npm test"));
});

test("README's example mesh compiles clean", async () => {
  const { mkdtempSync, writeFileSync, rmSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const { join } = await import("node:path");
  const { compileFile } = await import("../compiler/compile.ts");
  const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
  const code = /## A mesh\n\n```ts\n([\s\S]*?)```/.exec(readme)![1]!;
  const dir = mkdtempSync(join(tmpdir(), "meshc-readme-"));
  try {
    writeFileSync(join(dir, "mesh.config.ts"), code);
    const r = await compileFile(join(dir, "mesh.config.ts"), { cwd: dir, typecheck: false, verify: "none" });
    assert.equal(r.diagnostics.filter((d) => d.severity !== "info").map((d) => `${d.code} ${d.message}`), []);
    assert.ok(r.files.length > 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
