// The user's tsconfig.json, as the type-check of mesh.config.ts should see it: the nearest
// one next to or above the config, with `extends`, `paths`, `types` and `typeRoots` as
// their own `tsc` reads them. TypeScript 7 removed `baseUrl`; a project that still sets it
// (valid for their TypeScript 5) gets the equivalent `paths`, rooted at baseUrl, so meshc's
// check resolves what theirs resolves. The chain is read with TypeScript 6's API (bundled
// by ts-morph, a dependency already) because the native compiler has no JavaScript API.
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

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

/** What the generated tsconfig must override on top of `extends: <tsconfig>`; {} when nothing. */
export async function overridesFor(tsconfig: string): Promise<ProjectOverrides> {
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
