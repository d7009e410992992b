// The user's tsconfig.json, as the type-check of mesh.config.ts should see it: the nearest
// one next to or above the config, with `extends`, `paths`, `types` and `typeRoots` as
// their own `tsc` reads them. TypeScript 7 removed `baseUrl`; a project that still sets it
// (valid for their TypeScript 5) gets the equivalent `paths`, rooted at baseUrl, so meshc's
// check resolves what theirs resolves. The chain is read with TypeScript 6's API (bundled
// by ts-morph, a dependency already) because the native compiler has no JavaScript API.
// Loading that API costs ~0.25-0.8 s of CPU (ts-morph's 12 MB of JavaScript compiled at every
// start), and most tsconfigs name no baseUrl: a chain whose every file can be read as plain
// JSON with comments, and none of which holds the text `baseUrl`, has none, and needs no
// overrides. Anything else (a package in `extends`, a file JSON cannot read, an escape that
// could spell the key) is read by TypeScript as before.
import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, isAbsolute, join, resolve } from "node:path";

export function findTsconfig(configPath: string): string | null {
  for (let dir = dirname(resolve(configPath)); ; dir = dirname(dir)) {
    const candidate = join(dir, "tsconfig.json");
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) return null;
  }
}

export interface ProjectOverrides {
  readonly baseUrl?: null;
  readonly paths?: Record<string, string[]>;
}

/**
 * JSON with comments and trailing commas, as tsconfig.json is written; undefined when JSON
 * cannot read what is left (TypeScript's own reader, more lenient, then decides).
 */
export function parseJsonc(text: string): unknown {
  let out = "";
  let pendingComma = "";
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === "\"") {
      let j = i + 1;
      while (j < text.length && text[j] !== "\"") j += text[j] === "\\" ? 2 : 1;
      out += pendingComma + text.slice(i, j + 1);
      pendingComma = "";
      i = j;
    } else if (c === "/" && text[i + 1] === "/") {
      while (i < text.length && text[i] !== "\n") i++;
      i--;
    } else if (c === "/" && text[i + 1] === "*") {
      const end = text.indexOf("*/", i + 2);
      if (end < 0) return undefined;
      i = end + 1;
    } else if (c === ",") {
      out += pendingComma;
      pendingComma = ",";
    } else if (c === "}" || c === "]") {
      out += c; // a comma just before a closing bracket is dropped
      pendingComma = "";
    } else if (/\s/.test(c)) {
      out += c;
    } else {
      out += pendingComma + c;
      pendingComma = "";
    }
  }
  try {
    return JSON.parse(out + pendingComma);
  } catch {
    return undefined;
  }
}

const isFile = (path: string): boolean => statSync(path, { throwIfNoEntry: false })?.isFile() ?? false;

/**
 * The texts of the tsconfig and every file its `extends` chain names by path, as TypeScript
 * finds them (a path without `.json` also tries `<path>.json`); null when reading them as
 * plain JSON cannot say (a package specifier, a missing or unparsable file, a cycle).
 */
export function chainTexts(tsconfig: string): string[] | null {
  const texts: string[] = [];
  const seen = new Set<string>();
  const pending = [resolve(tsconfig)];
  while (pending.length > 0) {
    const file = pending.shift()!;
    if (seen.has(file)) return null;
    seen.add(file);
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch {
      return null;
    }
    texts.push(text);
    const json = parseJsonc(text.replace(/^\uFEFF/, ""));
    if (typeof json !== "object" || json === null || Array.isArray(json)) return null;
    const extended = (json as { extends?: unknown }).extends;
    if (extended === undefined) continue;
    const list = Array.isArray(extended) ? extended : [extended];
    for (const entry of list) {
      if (typeof entry !== "string") return null;
      const name = entry.replaceAll("\\", "/");
      if (!(isAbsolute(name) || name.startsWith("./") || name.startsWith("../"))) return null;
      let path = resolve(dirname(file), name);
      if (!isFile(path) && !path.endsWith(".json")) path += ".json";
      if (!isFile(path)) return null;
      pending.push(path);
    }
  }
  return texts;
}

/** What the generated tsconfig must override on top of `extends: <tsconfig>`; {} when nothing. */
export async function overridesFor(tsconfig: string): Promise<ProjectOverrides> {
  // No file of the chain can set baseUrl (an escape in a key could spell it: TypeScript reads those).
  const texts = chainTexts(tsconfig);
  if (texts && !texts.some((t) => t.includes("baseUrl") || t.includes("\\u"))) return {};
  const { ts } = await import("ts-morph");
  const read = ts.readConfigFile(tsconfig, ts.sys.readFile);
  if (read.error) return {};
  const parsed = ts.parseJsonConfigFileContent(read.config, ts.sys, dirname(tsconfig), undefined, tsconfig);
  const baseUrl = parsed.options.baseUrl;
  if (!baseUrl) return {};
  const pathsBase = (parsed.options as { pathsBasePath?: string }).pathsBasePath ?? baseUrl;
  const paths: Record<string, string[]> = {};
  for (const [key, targets] of Object.entries(parsed.options.paths ?? {})) {
    // With baseUrl set, TypeScript 5 resolves `paths` targets against baseUrl.
    paths[key] = targets.map((t) => resolve(baseUrl ?? pathsBase, t));
  }
  // baseUrl alone also made bare specifiers resolve from it ("utils/x" -> <baseUrl>/utils/x).
  paths["*"] ??= [join(baseUrl, "*")];
  return { baseUrl: null, paths };
}
