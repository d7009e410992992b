// The testing API, `import { compile, explain } from "meshc/testing"`: compile a mesh in
// memory and ask the IR what happens to a request, from `node --test`, uvu or any runner.
// The package ships it compiled, so plain JavaScript tests import it with no loader.
import { createHash } from "node:crypto";
import { fileURLToPath } from "node:url";
import { compileFile, compileLoaded, type CompileOptions, type CompileResult } from "./compile.ts";
import { placeAndSort } from "./diagnostics/place.ts";
import type { Diagnostic } from "./diagnostics/types.ts";
import type { MeshIR } from "./ir/types.ts";
import { composeLoaded } from "./load/modules.ts";
import { yamlLocator } from "./load/positions-yaml.ts";
import type { LoadedConfig } from "./load/types.ts";
import { compareSnapshot, type SnapshotProblem } from "./snapshot.ts";

export { explain, formatExplanation } from "./review/explain.ts";
export type { Explanation, ExplainRequest } from "./review/explain.ts";
export { defineMesh } from "./dsl/index.ts";

export interface InMemoryResult {
  /** Bundle path -> content. Empty when there are errors. */
  readonly files: ReadonlyMap<string, string>;
  readonly ir: MeshIR | null;
  readonly diagnostics: readonly Diagnostic[];
  /** Codes of error diagnostics, sorted: handy for assertions. */
  readonly errors: readonly string[];
}

/** A config value as if loaded from `file` (positions come from its JSON text). */
export function configFromValue(value: unknown, file = "mesh.json"): LoadedConfig {
  const text = JSON.stringify(value, null, 2) ?? "null";
  return composeLoaded({
    file, absolutePath: file, format: "json", value, sourceText: text,
    locator: async () => yamlLocator(text), inputs: [], digest: createHash("sha256").update(text).digest("hex"),
  });
}

function inMemory(r: CompileResult, diagnostics: readonly Diagnostic[]): InMemoryResult {
  const failed = diagnostics.some((d) => d.severity === "error");
  return {
    files: new Map(failed ? [] : r.files.map((f) => [f.path, f.content])),
    ir: failed ? null : r.ir,
    diagnostics,
    errors: diagnostics.filter((d) => d.severity === "error").map((d) => d.code).sort(),
  };
}

export async function compile(config: unknown, options: Partial<CompileOptions> = {}): Promise<InMemoryResult> {
  const loaded = configFromValue(config);
  const r = await compileLoaded(loaded, { cwd: process.cwd(), verify: "none", ...options });
  return inMemory(r, await placeAndSort(r.diagnostics, loaded));
}

/**
 * Loads and compiles a config file (mesh.config.ts, .yaml, .json, .toml) as `meshc compile`
 * does, without writing: a JavaScript test needs no TypeScript loader to test the real
 * config. `file` is a path or a URL (`new URL("../mesh.config.ts", import.meta.url)`).
 * The type-check is off unless `typecheck: true`; `meshc validate` runs it.
 */
export async function compileConfig(file: string | URL, options: Partial<CompileOptions> = {}): Promise<InMemoryResult> {
  const path = file instanceof URL ? fileURLToPath(file) : file;
  const r = await compileFile(path, { cwd: process.cwd(), verify: "none", typecheck: false, ...options });
  return inMemory(r, r.diagnostics);
}

/** Compares compiled files with a snapshot folder: [] when they match. */
export function matchSnapshot(dir: string, files: ReadonlyMap<string, string>): readonly SnapshotProblem[] {
  return compareSnapshot(dir, files);
}
