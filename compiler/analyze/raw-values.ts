// Checks that need the user's raw text because normalization cannot represent a bad value:
// durations of zero (the schema checks their form) and malformed endpoints.
import { coreCodes } from "../diagnostics/codes.ts";
import { formatPath } from "../load/locate.ts";
import type { PathSegment } from "../load/types.ts";
import { parseDuration, parseEndpoint } from "../normalize/values.ts";
import type { Report } from "./context.ts";

const DURATION_KEYS = new Set(["timeout", "perTryTimeout", "connectTimeout", "interval", "ejectFor", "per", "fixed", "ttl", "lifetime", "renewBefore"]);
const ENDPOINT_LISTS = new Set(["endpoints", "addresses"]);

/** Whether checkRawValues could report the string `v` under key `key` (an object's field) or in a list under `listKey`. */
export function mayBeBadRawValue(key: string | null, listKey: string | null, v: string): boolean {
  if (key !== null) {
    if (!DURATION_KEYS.has(key)) return false;
    const parsed = parseDuration(v);
    return parsed === null || parsed === 0;
  }
  return listKey !== null && ENDPOINT_LISTS.has(listKey) && !parseEndpoint(v);
}

export function checkRawValues(value: unknown, report: Report, path: PathSegment[] = []): void {
  // One path, extended and restored on the way down (copied only to report), as in
  // characters.ts: a new array per value was most of this walk's cost on a large mesh.
  if (Array.isArray(value)) {
    const key = path[path.length - 1];
    const endpoints = typeof key === "string" && ENDPOINT_LISTS.has(key);
    for (let i = 0; i < value.length; i++) {
      const v: unknown = value[i];
      if (endpoints && typeof v === "string" && !parseEndpoint(v)) {
        report(coreCodes.badEndpoint, { message: `endpoint ${JSON.stringify(v)} is not an address`, path: formatPath([...path, i]), hint: "write an IP address or lowercase DNS name, optionally with :port (1-65535): 10.0.1.10:8080" });
      }
      if (v !== null && typeof v === "object") {
        path.push(i);
        checkRawValues(v, report, path);
        path.pop();
      }
    }
  } else if (value !== null && typeof value === "object") {
    for (const k of Object.keys(value)) {
      const v = (value as Record<string, unknown>)[k];
      if (typeof v === "string") {
        if (!DURATION_KEYS.has(k)) continue;
        const parsed = parseDuration(v);
        if (parsed === null || parsed === 0) {
          report(coreCodes.badDuration, {
            message: parsed === 0 ? `${formatPath([...path, k])} is zero` : `${JSON.stringify(v)} is not a duration`,
            path: formatPath([...path, k]), hint: "durations are whole numbers with a unit, greater than zero: 250ms, 2s, 1m30s",
          });
        }
      } else if (v !== null && typeof v === "object") {
        path.push(k);
        checkRawValues(v, report, path);
        path.pop();
      }
    }
  }
}
