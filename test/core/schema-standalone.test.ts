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
import { SCHEMA_PATH, standaloneValidatorSource, verdictValidatorSource } from "../../compiler/schema.ts";

const CASES = join(dirname(fileURLToPath(import.meta.url)), "..", "schema", "cases");
const require = createRequire(import.meta.url);

function loadStandalone(source = standaloneValidatorSource()): ValidateFunction {
  const module = { exports: {} as unknown };
  new Function("module", "exports", "require", source)(module, module.exports, require);
  return (module.exports as { default: ValidateFunction }).default;
}

const runtime = new Ajv2020({ allErrors: true, strict: false, verbose: true }).compile(JSON.parse(readFileSync(SCHEMA_PATH, "utf8")) as object);
const standalone = loadStandalone();
const verdict = loadStandalone(verdictValidatorSource());

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

/** Each case's mesh and, for the valid ones, meshes one edit away from it (deterministic). */
function* variants(mesh: unknown): Generator<unknown> {
  yield mesh;
  const json = JSON.stringify(mesh);
  const paths: (string | number)[][] = [];
  const walk = (v: unknown, path: (string | number)[]) => {
    paths.push(path);
    if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...path, i]));
    else if (v !== null && typeof v === "object") for (const [k, x] of Object.entries(v)) walk(x, [...path, k]);
  };
  walk(mesh, []);
  const edited = (path: (string | number)[], edit: (parent: Record<string | number, unknown>, key: string | number) => void) => {
    const copy = JSON.parse(json) as Record<string | number, unknown>;
    let parent = copy;
    for (const k of path.slice(0, -1)) parent = parent[k] as Record<string | number, unknown>;
    edit(parent, path[path.length - 1]!);
    return copy;
  };
  // Values of other types and shapes, at every place: what the branches of a union tell apart.
  const replacements: unknown[] = [null, 1, -1, 1.5, 70000, "", "x", "Bad_Name", "/p", "1s", "a".repeat(300), true, [], ["x"], {}, { prefix: "/" }, { exact: "/", prefix: "/" }, { allow: {} }, { allow: { from: ["a"] }, deny: {} }];
  for (const path of paths) {
    if (path.length === 0) continue;
    for (const r of replacements) yield edited(path, (p, k) => { p[k] = r; });
    yield edited(path, (p, k) => { if (Array.isArray(p)) p.splice(k as number, 1); else delete p[k]; });
  }
  // An unknown field in every object.
  for (const path of paths) {
    const at = path.reduce<unknown>((v, k) => (v as Record<string | number, unknown>)[k], JSON.parse(json));
    if (at === null || typeof at !== "object" || Array.isArray(at)) continue;
    yield path.length === 0 ? { ...(at as object), extra: 1 } : edited(path, (p, k) => { p[k] = { ...(p[k] as object), extra: 1 }; });
  }
}

// The build also writes a verdict-only validator (compiler/schema.ts): a valid config is
// checked by it alone, so it must accept exactly what the full validator accepts.
test("the verdict-only validator accepts exactly what the full validator accepts", () => {
  let accepted = 0, rejected = 0;
  for (const name of ["invalid", "schema-only", "types-only", "valid"]) {
    const cases = JSON.parse(readFileSync(join(CASES, `${name}.json`), "utf8")) as { label: string; mesh: unknown }[];
    for (const c of cases) {
      for (const mesh of name === "invalid" ? [c.mesh] : variants(c.mesh)) {
        const ok = runtime(mesh);
        if (verdict(mesh) !== ok) assert.unreachable(`${c.label}: the verdict validator says ${!ok}, the full one ${ok}: ${JSON.stringify(mesh)}`);
        if (ok) accepted++;
        else rejected++;
      }
    }
  }
  // Both answers are well represented (the edits are not all rejected).
  assert.ok(accepted > 1000 && rejected > 10_000, `${accepted} accepted, ${rejected} rejected`);
});

test.run();
