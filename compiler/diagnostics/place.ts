// Places diagnostics at the user's line (a JSON path through the loader's locator) and
// sorts them by file, line, column and code, as compilers print them.
import { parsePath } from "../load/locate.ts";
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

/**
 * `placeable` says which diagnostics are worth a position: building the locator costs a
 * parse of the whole config (and, for .ts, loading the TypeScript parser: about 1 s), so a
 * caller that will not print the info notes (the CLI without --verbose or JSON) skips them,
 * and a compile whose diagnostics all have lines never builds it.
 */
export async function placeAndSort(ds: readonly Diagnostic[], config: LoadedConfig | null, placeable: (d: Diagnostic) => boolean = () => true): Promise<Diagnostic[]> {
  const wanted = (d: Diagnostic) => !!config && d.file === config.file && d.line === 0 && placeable(d);
  const locate = ds.some(wanted) ? await config!.locator() : null;
  const placed = ds.map((d) => {
    if (!locate || !wanted(d)) return d;
    const pos = locate(parsePath(d.path));
    return pos ? { ...d, line: pos.line, column: pos.column } : d;
  });
  const unique = new Map(placed.map((d) => [`${d.code}|${d.file}|${d.line}|${d.column}|${d.path}|${d.message}`, d]));
  return sortDiagnostics([...unique.values()]);
}
