// Drift test: schemas/mesh.schema.json (for mesh.yaml/json/toml) and the DSL types
// (compiler/dsl/types.ts, for mesh.config.ts) must accept and reject the same meshes.
// Every case in cases/ is validated by ajv and, as a generated `defineMesh(<case>)` module,
// type-checked by tsc (one run for all cases). The two may differ only where a case in
// schema-only.json or types-only.json says which side catches it and why.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { Ajv2020, type ErrorObject } from "ajv/dist/2020.js";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

interface Case { label: string; mesh: unknown; at?: string; gap?: "principled" | "fixable"; reason?: string }
type Verdict = { schema: boolean; types: boolean };

const root = fileURLToPath(new URL("../..", import.meta.url));
const schema = JSON.parse(readFileSync(join(root, "schemas/mesh.schema.json"), "utf8"));

// What each list expects from each side: `true` means that side accepts the case.
const lists = {
  valid: { schema: true, types: true },
  invalid: { schema: false, types: false },
  "schema-only": { schema: false, types: true },
  "types-only": { schema: true, types: false },
} satisfies Record<string, Verdict>;
type ListName = keyof typeof lists;

const cases = Object.keys(lists).flatMap((list) =>
  (JSON.parse(readFileSync(join(root, "test/schema/cases", `${list}.json`), "utf8")) as Case[])
    .map((c, i) => ({ ...c, list: list as ListName, file: `${list}-${i}.ts` })));

const validate = new Ajv2020({ strict: true, allErrors: true }).compile(schema);

/** Type-checks every case in one tsc run; returns the tsc error lines per generated file name. */
function typeCheckAll(): Map<string, string[]> {
  mkdirSync(join(root, ".tmp"), { recursive: true });
  const dir = mkdtempSync(join(root, ".tmp", "schema-drift-"));
  try {
    // Inside the repo, so `meshc` resolves through the package's self-reference.
    writeFileSync(join(dir, "tsconfig.json"), JSON.stringify({ extends: "../../tsconfig.json", include: ["*.ts"] }));
    for (const c of cases) {
      const source = `// ${c.list}: ${c.label}\nimport { defineMesh } from "meshc";\n` +
        `export default defineMesh(${JSON.stringify(c.mesh, null, 2)});\n`;
      writeFileSync(join(dir, c.file), source);
    }
    // The native tsc from its platform package (meshc does not install a `tsc` bin).
    const tscDir = dirname(createRequire(import.meta.url).resolve(`@typescript/typescript-${process.platform}-${process.arch}/package.json`));
    const tsc = spawnSync(join(tscDir, "lib", "tsc"), ["-p", dir, "--pretty", "false"], { cwd: root, encoding: "utf8" });
    if (tsc.error || tsc.status === null) throw new Error(`tsc did not run: ${tsc.error ?? tsc.stderr}`);
    const errors = new Map<string, string[]>();
    for (const line of tsc.stdout.split("\n")) {
      const at = /^(.+?)\(\d+,\d+\): error TS\d+/.exec(line);
      if (!at) continue;
      if (resolve(root, at[1]) !== join(dir, basename(at[1]))) throw new Error(`tsc error outside the generated cases: ${line}`);
      const file = basename(at[1]);
      errors.set(file, [...(errors.get(file) ?? []), line]);
    }
    return errors;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const describeErrors = (errors: ErrorObject[] | null | undefined) =>
  (errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message}`).join("; ");

// One tsc run shared by the per-case tests below; at import, because uvu reports a throwing
// `before` hook as zero tests run rather than as a failure.
const typeErrors = typeCheckAll();

for (const c of cases) {
  test(`${c.list}: ${c.label}`, () => {
    const expected = lists[c.list];
    const schemaAccepts = validate(c.mesh) as boolean;
    const schemaErrors = validate.errors;
    const tsErrors = typeErrors.get(c.file) ?? [];
    assert.is(schemaAccepts, expected.schema,
      schemaAccepts ? "schema accepts it" : `schema rejects it: ${describeErrors(schemaErrors)}`);
    assert.is(tsErrors.length === 0, expected.types,
      tsErrors.length === 0 ? "types accept it" : `types reject it: ${tsErrors.join("\n")}`);
    if (!expected.schema) {
      // The schema must reject it for the stated reason, not for an accident elsewhere in the case.
      assert.type(c.at, "string", "a rejected case names the JSON pointer of its mistake in `at`");
      const hit = schemaErrors?.some((e) => e.instancePath === c.at || e.instancePath.startsWith(`${c.at}/`));
      assert.ok(hit, `no schema error at ${c.at}: ${describeErrors(schemaErrors)}`);
    }
    if (expected.schema !== expected.types) {
      assert.ok(c.gap === "principled" || c.gap === "fixable", "a one-sided case says whether the gap is principled or fixable");
      assert.ok(c.reason, "a one-sided case says why only one side catches it");
    }
  });
}

/** Calls `visit(key, child, path)` for every object entry under `node`, depth first. */
function walk(node: unknown, visit: (key: string, child: unknown, path: string) => void, path = ""): void {
  if (!node || typeof node !== "object") return;
  for (const [key, child] of Object.entries(node)) {
    visit(key, child, path);
    walk(child, visit, `${path}/${key}`);
  }
}

/** The schema's `properties` entries, by JSON pointer. */
function schemaProperties(): Map<string, unknown> {
  const found = new Map<string, unknown>();
  walk(schema, (key, child, path) => {
    if (key === "properties") for (const [name, prop] of Object.entries(child as object)) found.set(`${path}/properties/${name}`, prop);
  });
  return found;
}

test("every schema property has a description", () => {
  // `true` / `false` property schemas only mark presence or absence (mutually exclusive fields).
  const undocumented = [...schemaProperties()]
    .filter(([, prop]) => typeof prop === "object" && !(prop as { description?: string }).description)
    .map(([pointer]) => pointer);
  assert.equal(undocumented, []);
});

test("the accepted cases use every property the schema defines", () => {
  const used = new Set<string>();
  for (const c of cases) if (lists[c.list].schema) walk(c.mesh, (key) => used.add(key));
  const unused = new Set([...schemaProperties().keys()].map((pointer) => pointer.slice(pointer.lastIndexOf("/") + 1)));
  for (const key of used) unused.delete(key);
  assert.equal([...unused].sort(), []);
});

test.run();
