// Limits on the raw config, checked first, before anything walks it recursively (the
// character scan, ajv, the locators, normalize): nesting depth, string length, elements of
// one array or object, and elements in all. This walk is iterative, so no input can exhaust
// the stack here, and every later walk is bounded by MAX_DEPTH. The limits are far above any
// real mesh (the schema's deepest field is about 10 levels down; the benchmark's largest
// mesh has 2,000 services and 20,000 routes) and far below what would hurt.
import { coreCodes } from "../diagnostics/codes.ts";
import { formatPath } from "../load/locate.ts";
import type { PathSegment } from "../load/types.ts";
import type { Report } from "./context.ts";

export const LIMITS = {
  depth: 64,
  stringLength: 65_536,
  collectionSize: 200_000,
  totalElements: 2_000_000,
} as const;

/** Reports the first limit the value passes (one diagnostic: the rest of the input is not walked). Returns whether it was within them. */
export function checkLimits(value: unknown, report: Report): boolean {
  const stack: { value: unknown; path: PathSegment[] }[] = [{ value, path: [] }];
  let total = 0;
  const fail = (path: readonly PathSegment[], message: string, hint: string) => {
    const shown = formatPath(path.slice(0, 12)) + (path.length > 12 ? "..." : "");
    report(coreCodes.inputLimit, { message: `${message} at ${shown || "(top level)"}`, path: formatPath(path.slice(0, 12)), hint });
    return false;
  };
  while (stack.length > 0) {
    const { value: v, path } = stack.pop()!;
    if (++total > LIMITS.totalElements) return fail(path, `the config has more than ${LIMITS.totalElements.toLocaleString("en-US")} values`, "split the mesh into several configs");
    if (typeof v === "string") {
      if (v.length > LIMITS.stringLength) return fail(path, `a string of ${v.length.toLocaleString("en-US")} characters (the limit is ${LIMITS.stringLength.toLocaleString("en-US")})`, "shorten the value; no proxy field needs that much");
      continue;
    }
    if (v === null || typeof v !== "object") continue;
    if (path.length >= LIMITS.depth) return fail(path, `values nested more than ${LIMITS.depth} levels deep`, "no field of a mesh is nested this deep; look for a generated value that recurses");
    const entries: [PathSegment, unknown][] = Array.isArray(v) ? v.map((x, i) => [i, x]) : Object.entries(v);
    if (entries.length > LIMITS.collectionSize) return fail(path, `${entries.length.toLocaleString("en-US")} elements in one ${Array.isArray(v) ? "list" : "object"} (the limit is ${LIMITS.collectionSize.toLocaleString("en-US")})`, "split the mesh into several configs");
    for (const [k, x] of entries) {
      if (typeof k === "string" && k.length > LIMITS.stringLength) return fail(path, `a key of ${k.length.toLocaleString("en-US")} characters`, "shorten the key");
      stack.push({ value: x, path: [...path, k] });
    }
  }
  return true;
}
