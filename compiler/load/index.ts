// The load stage: find the config, read it (one of the two stages that touch the disk),
// parse or evaluate it, and keep a locator from JSON paths to the user's lines.
import { createHash } from "node:crypto";
import { existsSync, readFileSync, statSync } from "node:fs";
import { extname, join, relative, resolve } from "node:path";
import { coreCodes } from "../diagnostics/codes.ts";
import { diagnostic } from "../diagnostics/define.ts";
import type { Diagnostic } from "../diagnostics/types.ts";
import { composeLoaded } from "./modules.ts";
import { evaluateTypescriptConfig, type TypescriptSession } from "./typescript.ts";
import { parseData } from "./parse-data.ts";
import { inlineDataModules } from "./data-modules.ts";
import { typescriptLocator } from "./positions-ts.ts";
import { yamlLocator } from "./positions-yaml.ts";
import { tomlLocator } from "./positions-toml.ts";
import type { LoadedConfig, LoadResult, Locator } from "./types.ts";

export const CONFIG_NAMES = ["mesh.config.ts", "mesh.yaml", "mesh.yml", "mesh.json", "mesh.toml"] as const;

export function displayPath(absolutePath: string, cwd: string): string {
  const rel = relative(cwd, absolutePath);
  return (rel.startsWith("..") ? absolutePath : rel).split("\\").join("/");
}

/** The config named on the command line, or the first of CONFIG_NAMES in `cwd`. */
export function findConfig(given: string | undefined, cwd: string): string | null {
  if (given) {
    const p = resolve(cwd, given);
    if (existsSync(p) && statSync(p).isDirectory()) return findConfig(undefined, p);
    return existsSync(p) ? p : null;
  }
  for (const name of CONFIG_NAMES) if (existsSync(join(cwd, name))) return join(cwd, name);
  return null;
}

function formatOf(path: string): LoadedConfig["format"] | null {
  const ext = extname(path).toLowerCase();
  if (ext === ".ts" || ext === ".mts") return "ts";
  if (ext === ".yaml" || ext === ".yml") return "yaml";
  if (ext === ".json") return "json";
  if (ext === ".toml") return "toml";
  return null;
}

/** `read`: files already read (the config), hashed as read rather than read again. */
function digestOf(files: readonly string[], read: ReadonlyMap<string, Buffer>): string {
  const h = createHash("sha256");
  for (const f of files) h.update(read.get(f) ?? readFileSync(f)).update("\0");
  return h.digest("hex");
}

/** `session`: watch mode's loader state, kept between saves (typescript.ts). */
export async function loadConfig(given: string | undefined, cwd: string, session?: TypescriptSession): Promise<LoadResult> {
  const absolutePath = findConfig(given, cwd);
  if (!absolutePath) {
    return fail(diagnostic(coreCodes.configNotFound, {
      message: given ? `no config at ${given}` : `no ${CONFIG_NAMES.join(", ")} in ${displayPath(cwd, cwd) || "."}`,
      file: given ?? null,
      hint: "run `meshc init` to write a starter mesh.config.ts, or pass the config's path",
    }));
  }
  const file = displayPath(absolutePath, cwd);
  const format = formatOf(absolutePath);
  if (!format) {
    return fail(diagnostic(coreCodes.configNotFound, { message: `${file} is not a .ts, .yaml, .json or .toml file`, file, hint: "name the config mesh.config.ts, mesh.yaml, mesh.json or mesh.toml" }));
  }
  // Read once, as bytes: the text, the data-only parse and the lock's digest are of the same
  // bytes, and node reads a file given an encoding 8 KB per system call (76 calls for 620 KB).
  const bytes = readFileSync(absolutePath);
  // Decoded on first use: a watched data-only .ts config is compared and parsed as bytes
  // (typescript.ts dataOnlyValue), and its text is needed only to place and print diagnostics
  // (a 620 KB string is fresh memory at every save: ~150 page faults).
  let text: string | null = null;
  const sourceText = () => (text ??= bytes.toString("utf8"));
  let value: unknown;
  let inputs: readonly string[] = [absolutePath];
  let locator: () => Promise<Locator>;
  let moduleSources: ReadonlyMap<string, string> | undefined;
  let plainStrings = false;
  if (format === "ts") {
    const evaluated = await evaluateTypescriptConfig(absolutePath, undefined, session, bytes);
    if ("kind" in evaluated) {
      const code = { syntax: coreCodes.configSyntax, runtime: coreCodes.configLoad, timeout: coreCodes.configTimeout, exited: coreCodes.configExited }[evaluated.kind];
      const hint = {
        syntax: "fix the syntax error",
        runtime: "the config must evaluate without throwing",
        timeout: "a config must finish quickly: look for a loop or a wait that never ends (raise the limit with --config-timeout SECONDS)",
        exited: "a config must not call process.exit() or end its process: export the mesh and return",
      }[evaluated.kind];
      return fail(diagnostic(code, {
        message: evaluated.message, file: evaluated.file ? displayPath(evaluated.file, cwd) : file,
        line: evaluated.line, column: evaluated.column, hint,
      }));
    }
    value = evaluated.value;
    plainStrings = evaluated.plainStrings === true;
    inputs = evaluated.inputs.length > 0 ? evaluated.inputs : [absolutePath];
    locator = memo(() => typescriptLocator(absolutePath, sourceText()));
    if (value === undefined || value === null || typeof value !== "object" || Array.isArray(value)) {
      return fail(diagnostic(coreCodes.configLoad, { message: "the default export is not a mesh object", file, line: 1, column: 1, hint: "end the file with `export default defineMesh({ ... })`" }));
    }
  } else {
    const parsed = parseData(format, sourceText());
    if ("error" in parsed) {
      return fail(diagnostic(coreCodes.configSyntax, { message: parsed.error, file, line: parsed.line, column: parsed.column, hint: `fix the ${format.toUpperCase()} syntax` }));
    }
    value = parsed.value;
    locator = memo(async () => (format === "toml" ? tomlLocator(sourceText()) : yamlLocator(sourceText())));
    if (value !== null && typeof value === "object" && !Array.isArray(value)) {
      const inlined = await inlineDataModules({ value, format, absolutePath, file, sourceText: sourceText(), locator }, (abs) => displayPath(abs, cwd));
      if (inlined.diagnostics.length > 0) return { config: null, diagnostics: inlined.diagnostics };
      value = inlined.value;
      locator = memo(inlined.locator);
      inputs = [absolutePath, ...inlined.inputs];
      if (inlined.sources.size > 0) moduleSources = inlined.sources;
    }
  }
  if (session) {
    // Data formats, or a .ts config that was only data (dataOnlyValue kept its text): no code ran.
    session.ranNoCode = format !== "ts" || session.lastData !== null;
    // A rehearsal's edit (cli/watch-rehearsal.ts): in memory only, the file and lastData are the file's.
    if (session.edit) {
      value = session.edit(value);
      plainStrings = false;
    }
  }
  const loaded: LoadedConfig = {
    file, absolutePath, format, value, get sourceText() { return sourceText(); }, locator, inputs,
    digest: digestOf(inputs, new Map([[absolutePath, bytes]])), ...(moduleSources ? { moduleSources } : {}), ...(plainStrings ? { plainStrings } : {}),
  };
  return { config: composeLoaded(loaded), diagnostics: [] };
}

/** Locators cost a parse (and, for .ts, loading the TypeScript parser): built on first use only. */
function memo<T>(make: () => Promise<T>): () => Promise<T> {
  let cached: Promise<T> | null = null;
  return () => (cached ??= make());
}

function fail(d: Diagnostic): LoadResult {
  return { config: null, diagnostics: [d] };
}
