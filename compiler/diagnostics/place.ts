// Places diagnostics at the user's line (a JSON path through the loader's locator) and
// sorts them by file, line, column and code, as compilers print them.
import { dirname, posix, relative, sep } from "node:path";
import { formatPath, parsePath } from "../load/locate.ts";
import { relocated } from "../load/modules.ts";
import type { LoadedConfig } from "../load/types.ts";
import type { Diagnostic } from "./types.ts";

export function sortDiagnostics(ds: readonly Diagnostic[]): Diagnostic[] {
  const key = (d: Diagnostic) => [d.file ?? "", d.line, d.column, d.code, d.path, d.message] as const;
  return [...ds].sort((a, b) => {
    const ka = key(a), kb = key(b);
    for (let i = 0; i < ka.length; i++) if (ka[i] !== kb[i]) return ka[i]! < kb[i]! ? -1 : 1;
    return 0;
  });
}

/** A file the config imports, shown as the config's own path is (relative to the working directory). */
function siblingDisplay(config: LoadedConfig, absolute: string): string {
  const rel = relative(dirname(config.absolutePath), absolute).split(sep).join("/");
  return posix.normalize(posix.join(posix.dirname(config.file), rel));
}

/**
 * Where a JSON path of the merged mesh is written: `file:line:column`, in the team file
 * when the part came from a module (for `meshc explain`'s config lines). Null when unknown.
 */
export async function configPosition(config: LoadedConfig, path: string): Promise<string | null> {
  const locate = await config.locator();
  const at = config.composition ? relocated(config.composition.origins, parsePath(path), "") : null;
  const pos = locate(at ? at.path : parsePath(path));
  if (!pos) return null;
  return `${pos.file ? siblingDisplay(config, pos.file) : config.file}:${pos.line}:${pos.column}`;
}

/**
 * A target's diagnostic about a part of the config (its path an IR `origin`, such as
 * `gateways.edge.routes[0]`) comes without a file: it is the config's, so it is placed at the
 * user's line like the checks' own. A path into the IR (`infra.workloads.web`) stays as it is.
 */
function ofConfig(d: Diagnostic, value: unknown, file: string): Diagnostic {
  if (d.file !== null || d.line !== 0 || !d.path || value === null || typeof value !== "object") return d;
  const first = /^[^.[]+/.exec(d.path)?.[0];
  return first !== undefined && Object.hasOwn(value, first) ? { ...d, file } : d;
}

/**
 * `placeable` says which diagnostics are worth a position: building the locator costs a
 * parse of the whole config (and, for .ts, loading the TypeScript parser: about 1 s), so a
 * caller that will not print the info notes (the CLI without --verbose or JSON) skips them,
 * and a compile whose diagnostics all have lines never builds it.
 */
export async function placeAndSort(all: readonly Diagnostic[], config: LoadedConfig | null, placeable: (d: Diagnostic) => boolean = () => true): Promise<Diagnostic[]> {
  const ds = config ? all.map((d) => ofConfig(d, config.value, config.file)) : all;
  const wanted = (d: Diagnostic) => !!config && d.file === config.file && d.line === 0 && placeable(d);
  const locate = ds.some(wanted) ? await config!.locator() : null;
  const placed = ds.map((d) => {
    if (!locate || !wanted(d)) return d;
    // A part merged from a team module is placed where the module wrote it (load/modules.ts).
    const at = config!.composition ? relocated(config!.composition.origins, parsePath(d.path), d.message) : null;
    const path = at ? at.path : parsePath(d.path);
    const pos = locate(path);
    const moved = at ? { ...d, path: formatPath(path), message: at.message } : d;
    if (!pos) return moved;
    const file = pos.file ? siblingDisplay(config!, pos.file) : moved.file;
    return { ...moved, file, line: pos.line, column: pos.column };
  });
  const unique = new Map(placed.map((d) => [`${d.code}|${d.file}|${d.line}|${d.column}|${d.path}|${d.message}`, d]));
  return sortDiagnostics([...unique.values()]);
}
