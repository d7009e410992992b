// Every example compiles to every target it selects with no error and no finding from the
// real checks (Envoy protos, Kubernetes schemas, nginx -t, haproxy -c), matches its golden
// bundle under snapshots/<example>/, and compiles to the same bytes twice.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { existsSync, readdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { compileFile } from "../compiler/compile.ts";
import { CONFIG_NAMES } from "../compiler/load/index.ts";
import { compareGolden } from "./support/golden.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
// examples/platform (300 services, a 16 MB bundle) has its own test: test/platform.test.ts.
const examples = readdirSync(join(ROOT, "examples")).sort().filter((name) => name !== "platform").flatMap((name) => {
  const config = CONFIG_NAMES.map((c) => join(ROOT, "examples", name, c)).find(existsSync);
  return config ? [{ name, config }] : [];
});

test("there are examples, including a data-file one", () => {
  assert.ok(examples.length >= 3);
  assert.ok(examples.some((e) => !e.config.endsWith(".ts")));
});

for (const { name, config } of examples) {
  test(`example ${name}: compiles clean, real checks pass, golden matches, deterministic`, async () => {
    const first = await compileFile(config, { cwd: ROOT, verify: "all" });
    const problems = first.diagnostics.filter((d) => d.severity === "error" || d.code.startsWith("MESH4"));
    assert.equal(problems.map((d) => `${d.code} ${d.file}:${d.line} ${d.message}`), []);
    assert.ok(first.files.length > 0);
    const files = new Map(first.files.map((f) => [f.path, f.content]));
    const drift = compareGolden(name, files);
    assert.equal(drift, [], drift.join("\n"));
    const second = await compileFile(config, { cwd: ROOT, verify: "none", typecheck: false });
    assert.equal(second.files.map((f) => f.content), first.files.map((f) => f.content));
  });
}

test.run();
