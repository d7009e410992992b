// Composition for data configs: a root mesh.yaml / mesh.json / mesh.toml lists module files
// (`modules: [teams/payments/mesh.yaml, teams/storefront/mesh.toml]`), and each listed path
// is replaced by the module file's value, so the rest of the pipeline sees
// `modules: [{...}, ...]` exactly as a TypeScript config would give it. Positions stay per
// file: the composed locator sends `modules[i].<path>` to module i's own locator, with its
// file name, so a diagnostic names the module file, line and column.
//
// A data config is the format for untrusted contributors, so a module path is input like
// any other: relative, inside the root file's folder (also after symlinks), a data format,
// each file once, and one level deep (a module does not list modules, so nothing can loop).
// Every problem with every listed file is reported together, at the root's line for the path.
import { readFileSync, realpathSync, statSync } from "node:fs";
import { dirname, extname, isAbsolute, posix, relative, resolve, sep } from "node:path";
import { coreCodes } from "../diagnostics/codes.ts";
import { diagnostic, type CodeInfo } from "../diagnostics/define.ts";
import type { Diagnostic } from "../diagnostics/types.ts";
import { parseData, type DataFormat } from "./parse-data.ts";
import { tomlLocator } from "./positions-toml.ts";
import { yamlLocator } from "./positions-yaml.ts";
import type { Locator, PathSegment } from "./types.ts";

/** Far above a real organization (the platform example has tens of teams), far below what would hurt. */
export const MODULE_LIMITS = { files: 5_000, totalBytes: 64 * 1024 * 1024 } as const;

export interface DataRoot {
  readonly value: unknown;
  readonly format: DataFormat;
  readonly absolutePath: string;
  /** Display path of the root file. */
  readonly file: string;
  readonly sourceText: string;
  readonly locator: () => Promise<Locator>;
}

interface ModuleFile {
  readonly file: string;
  readonly absolutePath: string;
  readonly sourceText: string;
  /** Built on first use: a parse per file, paid only when a diagnostic lands there. */
  readonly locator: () => Locator;
}

function lazy<T>(make: () => T): () => T {
  let made: { value: T } | null = null;
  return () => (made ??= { value: make() }).value;
}

export interface InlinedModules {
  readonly value: unknown;
  /** Absolute paths of the module files read, in list order. */
  readonly inputs: readonly string[];
  readonly sources: ReadonlyMap<string, string>;
  readonly locator: () => Promise<Locator>;
  readonly diagnostics: readonly Diagnostic[];
}

export function dataFormatOf(path: string): DataFormat | null {
  const ext = extname(path).toLowerCase();
  return ext === ".yaml" || ext === ".yml" ? "yaml" : ext === ".json" ? "json" : ext === ".toml" ? "toml" : null;
}

export function dataLocator(format: DataFormat, text: string): Locator {
  return format === "toml" ? tomlLocator(text) : yamlLocator(text);
}

/** Why a module path is refused before the disk is touched, or null. */
export function refusedModulePath(entry: string): string | null {
  if (entry === "") return "an empty module path";
  if (/[\u0000-\u001f\u007f]/.test(entry)) return "a module path with a control character";
  if (entry.includes("\\")) return `${JSON.stringify(entry)} uses "\\": module paths use "/"`;
  if (isAbsolute(entry) || posix.isAbsolute(entry) || /^[A-Za-z]:/.test(entry)) return `${JSON.stringify(entry)} is absolute`;
  const normal = posix.normalize(entry);
  if (normal === ".." || normal.startsWith("../")) return `${JSON.stringify(entry)} leaves the root file's folder`;
  if (!dataFormatOf(normal)) return `${JSON.stringify(entry)} is not a .yaml, .yml, .json or .toml file`;
  return null;
}

/** The module paths a data config's text lists (for readers that fetch files one by one, such as a git revision). */
export function listedModulePaths(format: DataFormat, text: string): string[] {
  const parsed = parseData(format, text);
  if ("error" in parsed) return [];
  const modules = (parsed.value as { modules?: unknown } | null)?.modules;
  if (!Array.isArray(modules)) return [];
  return modules.filter((m): m is string => typeof m === "string" && refusedModulePath(m) === null).map((m) => posix.normalize(m));
}

export async function inlineDataModules(root: DataRoot, displayPath: (absolute: string) => string): Promise<InlinedModules> {
  const modules = (root.value as { modules?: unknown }).modules;
  const unchanged: InlinedModules = { value: root.value, inputs: [], sources: new Map(), locator: root.locator, diagnostics: [] };
  if (!Array.isArray(modules) || !modules.some((m) => typeof m === "string")) return unchanged;

  const diagnostics: Diagnostic[] = [];
  const rootLocate = lazy(() => dataLocator(root.format, root.sourceText));
  const atEntry = (i: number, code: CodeInfo, message: string, hint: string) => {
    const pos = rootLocate()(["modules", i]);
    diagnostics.push(diagnostic(code, { message, hint, file: root.file, path: `modules[${i}]`, line: pos?.line ?? 0, column: pos?.column ?? 0 }));
  };
  if (modules.length > MODULE_LIMITS.files) {
    atEntry(MODULE_LIMITS.files, coreCodes.inputLimit, `${modules.length.toLocaleString("en-US")} module files (the limit is ${MODULE_LIMITS.files.toLocaleString("en-US")})`, "merge small modules into their team's file");
    return { ...unchanged, diagnostics };
  }

  const folder = dirname(root.absolutePath);
  const realFolder = realpathSync(folder);
  const realRoot = realpathSync(root.absolutePath);
  const seen = new Map<string, number>();
  const loaded = new Map<number, ModuleFile>();
  const value: unknown[] = [...modules];
  let bytes = Buffer.byteLength(root.sourceText);
  const hint = `module paths are relative to ${root.file}'s folder, inside it, and name .yaml, .yml, .json or .toml files`;

  for (let i = 0; i < modules.length; i++) {
    const entry = modules[i];
    if (typeof entry !== "string") continue; // an inline module object: the schema judges it
    const refused = refusedModulePath(entry);
    if (refused) { atEntry(i, coreCodes.modulePathRefused, refused, hint); continue; }
    const absolutePath = resolve(folder, posix.normalize(entry));
    let real: string;
    try {
      real = realpathSync(absolutePath);
    } catch {
      atEntry(i, coreCodes.moduleUnreadable, `no module file ${JSON.stringify(entry)}`, `create it, or fix the path: ${hint}`);
      continue;
    }
    const inside = relative(realFolder, real);
    if (inside === "" || inside === ".." || inside.startsWith(`..${sep}`) || isAbsolute(inside)) {
      atEntry(i, coreCodes.modulePathRefused, `${JSON.stringify(entry)} leads out of the root file's folder through a symlink`, hint);
      continue;
    }
    const stat = statSync(real, { throwIfNoEntry: false });
    if (!stat?.isFile()) { atEntry(i, coreCodes.moduleUnreadable, `${JSON.stringify(entry)} is not a file`, hint); continue; }
    const size = stat.size;
    if (real === realRoot) { atEntry(i, coreCodes.moduleRepeated, `${JSON.stringify(entry)} is the root file itself`, "list the team files, not the root"); continue; }
    const before = seen.get(real);
    if (before !== undefined) { atEntry(i, coreCodes.moduleRepeated, `${JSON.stringify(entry)} is the file modules[${before}] already lists`, "list each module file once"); continue; }
    seen.set(real, i);
    bytes += size;
    if (bytes > MODULE_LIMITS.totalBytes) {
      atEntry(i, coreCodes.inputLimit, `the root and module files hold more than ${MODULE_LIMITS.totalBytes / 1024 / 1024} MiB`, "split the mesh into several configs");
      break;
    }
    let sourceText: string;
    try {
      sourceText = readFileSync(real, "utf8");
    } catch (error) {
      atEntry(i, coreCodes.moduleUnreadable, `cannot read ${JSON.stringify(entry)}: ${(error as { code?: string }).code ?? "read failed"}`, "make the file readable by the user running meshc");
      continue;
    }
    const file = displayPath(absolutePath);
    const format = dataFormatOf(real) ?? dataFormatOf(absolutePath)!;
    const parsed = parseData(format, sourceText);
    if ("error" in parsed) {
      diagnostics.push(diagnostic(coreCodes.configSyntax, { message: parsed.error, file, line: parsed.line, column: parsed.column, hint: `fix the ${format.toUpperCase()} syntax` }));
      continue;
    }
    const locator = lazy(() => dataLocator(format, sourceText));
    if (parsed.value !== null && typeof parsed.value === "object" && !Array.isArray(parsed.value) && "modules" in parsed.value) {
      const pos = locator()(["modules"]);
      diagnostics.push(diagnostic(coreCodes.moduleNested, {
        message: `module file ${file} lists modules`, file, path: "modules", line: pos?.line ?? 1, column: pos?.column ?? 1,
        hint: `list every module file in ${root.file}; modules are one level deep`,
      }));
      continue;
    }
    value[i] = parsed.value;
    loaded.set(i, { file, absolutePath, sourceText, locator });
  }

  // The limits on values (MESH1008: depth, sizes, counts) are checked on the composed value, so they hold across all files.
  const composed = { ...(root.value as object), modules: value };
  return {
    value: composed,
    inputs: [...loaded.values()].map((m) => m.absolutePath),
    sources: new Map([...loaded.values()].map((m) => [m.file, m.sourceText])),
    locator: async () => composeLocator(await root.locator(), loaded),
    diagnostics,
  };
}

/** `modules[i].rest` in module i's file; everything else in the root's. */
function composeLocator(rootLocate: Locator, loaded: ReadonlyMap<number, ModuleFile>): Locator {
  return (path: readonly PathSegment[]) => {
    const m = path[0] === "modules" && typeof path[1] === "number" ? loaded.get(path[1]) : undefined;
    if (!m) return rootLocate(path);
    const pos = m.locator()(path.slice(2)) ?? { line: 1, column: 1 };
    return { line: pos.line, column: pos.column, file: m.absolutePath };
  };
}
