// The package ships the mesh schema's validator precompiled (ajv standalone code written by
// scripts/build.js, loaded by compiler/schema.ts instead of compiling the schema at start-up).
// It must report exactly what the validator compiled at run time reports: same errors, same
// order, same data and parent schemas (the diagnostics' messages and hints come from them).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import { SCHEMA_PATH, standaloneValidatorSource } from "../../compiler/schema.ts";

const CASES = join(dirname(fileURLToPath(import.meta.url)), "..", "schema", "cases");
const require = createRequire(import.meta.url);

function loadStandalone(): ValidateFunction {
  const module = { exports: {} as unknown };
  new Function("module", "exports", "require", standaloneValidatorSource())(module, module.exports, require);
  return (module.exports as { default: ValidateFunction }).default;
}

const runtime = new Ajv2020({ allErrors: true, strict: false, verbose: true }).compile(JSON.parse(readFileSync(SCHEMA_PATH, "utf8")) as object);
const standalone = loadStandalone();

for (const name of ["invalid", "schema-only", "types-only", "valid"]) {
  test(`standalone and run-time validators agree on ${name}.json`, () => {
    const cases = JSON.parse(readFileSync(join(CASES, `${name}.json`), "utf8")) as { label: string; mesh: unknown }[];
    assert.ok(cases.length > 0);
    let failing = 0;
    for (const c of cases) {
      const ok = runtime(c.mesh);
      assert.is(standalone(c.mesh), ok, c.label);
      if (!ok) failing++;
      assert.equal(JSON.parse(JSON.stringify(standalone.errors ?? null)), JSON.parse(JSON.stringify(runtime.errors ?? null)), c.label);
    }
    if (name === "invalid") assert.is(failing, cases.length, "every invalid case fails the schema");
  });
}

test.run();
