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
  const walk = new LimitsWalk(seen, depth, scanCharacters);
  if (walk.visit(value, null, null, 0)) return walk.total;
  // The failed value's path, collected on the way back up (innermost key first).
  const path = walk.failedAt.reverse();
  const shown = formatPath(path.slice(0, 12)) + (path.length > 12 ? "..." : "");
  report?.(coreCodes.inputLimit, { message: `${walk.message} at ${shown || "(top level)"}`, path: formatPath(path.slice(0, 12)), hint: walk.hint });
  return -1;
}

/**
 * Depth first, last child first (the order the first limit passed is reported in). Recursive,
 * but no deeper than LIMITS.depth: a value nested deeper is reported before it is entered, so
 * no input can exhaust the stack here. The path of the value visited is not kept on the way
 * down: a failure collects it on the way back up (a path, or a frame, per value made this walk
 * a large share of the validate stage on a big mesh).
 */
class LimitsWalk {
  total = 0;
  /** Whether strings are still scanned for the character check: not once one may be reported. */
  scan: boolean;
  /** The failed value's path, innermost segment first; its message and hint. */
  readonly failedAt: PathSegment[] = [];
  message = "";
  hint = "";
  constructor(readonly seen: RawScan, readonly depth: number, scanCharacters: boolean) {
    this.scan = scanCharacters && !seen.characters;
  }

  private fail(message: string, hint: string): false {
    this.message = message;
    this.hint = hint;
    return false;
  }

  /**
   * `key`: the value's own key (in an object); `listKey`: the key of the list holding it (a
   * list in an object); `level`: how many lists and objects hold it within the walked value.
   */
  visit(v: unknown, key: string | null, listKey: string | null, level: number): boolean {
    if (++this.total > LIMITS.totalElements) return this.fail(`the config has more than ${LIMITS.totalElements.toLocaleString("en-US")} values`, "split the mesh into several configs");
    if (typeof v === "string") {
      if (v.length > LIMITS.stringLength) return this.fail(`a string of ${v.length.toLocaleString("en-US")} characters (the limit is ${LIMITS.stringLength.toLocaleString("en-US")})`, "shorten the value; no proxy field needs that much");
      if (this.scan && mayHaveBadCharacters(v)) {
        this.seen.characters = true;
        this.scan = false;
      }
      if (!this.seen.rawValues && mayBeBadRawValue(key, listKey, v)) this.seen.rawValues = true;
      return true;
    }
    if (v === null || typeof v !== "object") return true;
    if (level + this.depth >= LIMITS.depth) return this.fail(`values nested more than ${LIMITS.depth} levels deep`, "no field of a mesh is nested this deep; look for a generated value that recurses");
    if (Array.isArray(v)) {
      if (v.length > LIMITS.collectionSize) return this.fail(`${v.length.toLocaleString("en-US")} elements in one list (the limit is ${LIMITS.collectionSize.toLocaleString("en-US")})`, "split the mesh into several configs");
      // Its elements' list key: its own key, when it sits in an object.
      for (let i = v.length - 1; i >= 0; i--) {
        if (!this.visit(v[i], null, key, level + 1)) { this.failedAt.push(i); return false; }
      }
      return true;
    }
    const keys = Object.keys(v);
    if (keys.length > LIMITS.collectionSize) return this.fail(`${keys.length.toLocaleString("en-US")} elements in one object (the limit is ${LIMITS.collectionSize.toLocaleString("en-US")})`, "split the mesh into several configs");
    // Indexed: a for-of step allocates an iterator result in code not yet optimized (2.4 MB at 1,000 services).
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]!;
      if (k.length > LIMITS.stringLength) return this.fail(`a key of ${k.length.toLocaleString("en-US")} characters`, "shorten the key");
      if (this.scan && mayHaveBadCharacters(k)) {
        this.seen.characters = true;
        this.scan = false;
      }
    }
    for (let i = keys.length - 1; i >= 0; i--) {
      const k = keys[i]!;
      if (!this.visit((v as Record<string, unknown>)[k], k, null, level + 1)) { this.failedAt.push(k); return false; }
    }
    return true;
  }
}
