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
import { mayHaveBadCharacters } from "./characters.ts";
import { mayBeBadRawValue } from "./raw-values.ts";

/**
 * What the walk saw on its way (checkLimits' `seen`): whether the character check and the
 * raw-value check could find anything. Either is a whole walk of the config of its own;
 * compile.ts runs it only when this says it may report.
 */
export interface RawScan { characters: boolean; rawValues: boolean }

export const LIMITS = {
  depth: 64,
  stringLength: 65_536,
  collectionSize: 200_000,
  totalElements: 2_000_000,
} as const;

/** A list or object being walked: its keys (null for a list) and the child now visited (counting down). */
interface Frame { readonly value: Record<string, unknown> | unknown[]; readonly keys: string[] | null; index: number }

/**
 * Reports the first limit the value passes (one diagnostic: the rest of the input is not
 * walked). Returns whether it was within them. `scanCharacters` false: the value's strings are
 * known clean for the character check (LoadedConfig.plainStrings), so none is scanned for it.
 */
export function checkLimits(value: unknown, report: Report, seen: RawScan = { characters: true, rawValues: true }, scanCharacters = true): boolean {
  return walkLimits(value, report, seen, 0, scanCharacters) >= 0;
}

/**
 * The walk: how many values `value` holds (itself included), or -1 at the first limit passed
 * (reported when `report` is given). `depth`: how deeply `value` sits in the config (watch
 * mode walks only the parts a save changed: analyze/limits-watched.ts).
 */
export function walkLimits(value: unknown, report: Report | null, seen: RawScan, depth = 0, scanCharacters = true): number {
  // Depth first, last child first, one frame per list or object: the path of the value
  // visited is the frames' current keys, built only to report (a path and an entry per
  // value made this walk a large share of the validate stage on a big mesh).
  const frames: Frame[] = [];
  const pathNow = (): PathSegment[] => frames.map((f) => (f.keys === null ? f.index : f.keys[f.index]!));
  let total = 0;
  // Whether strings are still scanned for the character check: not once one may be reported.
  let scan = scanCharacters && !seen.characters;
  const fail = (path: readonly PathSegment[], message: string, hint: string) => {
    const shown = formatPath(path.slice(0, 12)) + (path.length > 12 ? "..." : "");
    report?.(coreCodes.inputLimit, { message: `${message} at ${shown || "(top level)"}`, path: formatPath(path.slice(0, 12)), hint });
    return -1;
  };
  let v: unknown = value;
  for (;;) {
    if (++total > LIMITS.totalElements) return fail(pathNow(), `the config has more than ${LIMITS.totalElements.toLocaleString("en-US")} values`, "split the mesh into several configs");
    if (typeof v === "string") {
      if (v.length > LIMITS.stringLength) return fail(pathNow(), `a string of ${v.length.toLocaleString("en-US")} characters (the limit is ${LIMITS.stringLength.toLocaleString("en-US")})`, "shorten the value; no proxy field needs that much");
      if (scan && mayHaveBadCharacters(v)) {
        seen.characters = true;
        scan = false;
      }
      if (!seen.rawValues) {
        // The string's own key (in an object), or the key of the list holding it.
        const top = frames[frames.length - 1];
        const parent = frames[frames.length - 2];
        const key = top === undefined || top.keys === null ? null : top.keys[top.index]!;
        const listKey = top === undefined || top.keys !== null || parent === undefined || parent.keys === null ? null : parent.keys[parent.index]!;
        if (mayBeBadRawValue(key, listKey, v)) seen.rawValues = true;
      }
    } else if (v !== null && typeof v === "object") {
      if (frames.length + depth >= LIMITS.depth) return fail(pathNow(), `values nested more than ${LIMITS.depth} levels deep`, "no field of a mesh is nested this deep; look for a generated value that recurses");
      const list = Array.isArray(v);
      const keys = list ? null : Object.keys(v);
      const size = keys === null ? (v as unknown[]).length : keys.length;
      if (size > LIMITS.collectionSize) return fail(pathNow(), `${size.toLocaleString("en-US")} elements in one ${list ? "list" : "object"} (the limit is ${LIMITS.collectionSize.toLocaleString("en-US")})`, "split the mesh into several configs");
      if (keys !== null) {
        // Indexed: a for-of step allocates an iterator result in code not yet optimized (2.4 MB at 1,000 services).
        for (let i = 0; i < keys.length; i++) {
          const k = keys[i]!;
          if (k.length > LIMITS.stringLength) return fail(pathNow(), `a key of ${k.length.toLocaleString("en-US")} characters`, "shorten the key");
          if (scan && mayHaveBadCharacters(k)) {
            seen.characters = true;
            scan = false;
          }
        }
      }
      if (size > 0) frames.push({ value: v as Frame["value"], keys, index: size });
    }
    // The next value: the previous child of the innermost frame that has one left.
    let top = frames[frames.length - 1];
    while (top !== undefined && top.index === 0) { frames.pop(); top = frames[frames.length - 1]; }
    if (top === undefined) return total;
    top.index--;
    v = top.keys === null ? (top.value as unknown[])[top.index] : (top.value as Record<string, unknown>)[top.keys[top.index]!];
  }
}
