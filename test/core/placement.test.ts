// Diagnostic placement: the locator (a parse of the whole config; for .ts, loading the
// TypeScript parser) is built only when a diagnostic worth placing lacks a line, and a
// located path lands on the right line in configs with thousands of keys (each object's
// keys are indexed once, not scanned per diagnostic).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { placeAndSort } from "../../compiler/diagnostics/place.ts";
import type { Diagnostic } from "../../compiler/diagnostics/types.ts";
import { typescriptLocator } from "../../compiler/load/positions-ts.ts";
import { yamlLocator } from "../../compiler/load/positions-yaml.ts";
import type { LoadedConfig, Locator } from "../../compiler/load/types.ts";

function config(calls: { n: number }): LoadedConfig {
  const text = `{\n  "services": {\n    "a": {},\n    "b": {}\n  }\n}\n`;
  return {
    file: "mesh.json", absolutePath: "mesh.json", format: "json", value: JSON.parse(text), sourceText: text, inputs: [], digest: "",
    locator: async (): Promise<Locator> => { calls.n++; return yamlLocator(text); },
  };
}

const diag = (severity: Diagnostic["severity"], path: string, code = "MESH3003"): Diagnostic =>
  ({ code, severity, message: "m", file: "mesh.json", line: 0, column: 0, path, hint: null });

test("info notes the caller will not print are not placed, and alone never build the locator", async () => {
  const calls = { n: 0 };
  const notes = [diag("info", "services.a"), diag("info", "services.b")];
  const out = await placeAndSort(notes, config(calls), (d) => d.severity !== "info");
  assert.is(calls.n, 0);
  assert.equal(out.map((d) => d.line), [0, 0]);
});

test("warnings and errors are placed when info notes are skipped; by default everything is", async () => {
  const calls = { n: 0 };
  const ds = [diag("info", "services.a"), diag("warning", "services.b", "MESH2001")];
  const skipped = await placeAndSort(ds, config(calls), (d) => d.severity !== "info");
  assert.equal(skipped.map((d) => [d.severity, d.line]), [["info", 0], ["warning", 4]]);
  const all = await placeAndSort(ds, config(calls));
  assert.equal(all.map((d) => [d.severity, d.line]), [["info", 3], ["warning", 4]]);
});

const many = 5_000;
const services = Array.from({ length: many }, (_, i) => `    "svc-${i}": { ports: { http: { port: 80 } } },`);

test("the TypeScript locator finds keys of a 5,000-key object, the first of duplicated keys", async () => {
  const text = `import { defineMesh } from "meshc";\nexport default defineMesh({\n  services: {\n${services.join("\n")}\n    "svc-7": {},\n  },\n});\n`;
  const locate = await typescriptLocator("mesh.config.ts", text);
  assert.equal(locate(["services", "svc-4999", "ports", "http"]), { line: 5003, column: 28 });
  assert.equal(locate(["services", "svc-7"]), { line: 11, column: 5 });
  assert.equal(locate(["services", "svc-missing", "ports"]), { line: 3, column: 3 });
});

test("the YAML/JSON locator finds keys of a 5,000-key map", () => {
  const text = `services:\n${Array.from({ length: many }, (_, i) => `  svc-${i}:\n    ports: {}`).join("\n")}\n`;
  const locate = yamlLocator(text);
  assert.equal(locate(["services", "svc-4999", "ports"]), { line: 2 + 4999 * 2 + 1, column: 5 });
  assert.equal(locate(["services", "svc-0"]), { line: 2, column: 3 });
});

test.run();
