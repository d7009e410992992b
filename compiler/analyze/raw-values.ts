// Checks that need the user's raw text because normalization cannot represent a bad value:
// durations of zero (the schema checks their form) and malformed endpoints.
import { coreCodes } from "../diagnostics/codes.ts";
import { formatPath } from "../load/locate.ts";
import type { PathSegment } from "../load/types.ts";
import { parseDuration, parseEndpoint } from "../normalize/values.ts";
import type { Report } from "./context.ts";

const DURATION_KEYS = new Set(["timeout", "perTryTimeout", "connectTimeout", "interval", "ejectFor", "per", "fixed", "ttl", "lifetime", "renewBefore"]);
const ENDPOINT_LISTS = new Set(["endpoints", "addresses"]);

export function checkRawValues(value: unknown, report: Report, path: PathSegment[] = []): void {
  if (Array.isArray(value)) {
    const key = path[path.length - 1];
    value.forEach((v, i) => {
      if (typeof key === "string" && ENDPOINT_LISTS.has(key) && typeof v === "string" && !parseEndpoint(v)) {
        report(coreCodes.badEndpoint, { message: `endpoint ${JSON.stringify(v)} is not an address`, path: formatPath([...path, i]), hint: "write an IP address or lowercase DNS name, optionally with :port (1-65535): 10.0.1.10:8080" });
      }
      checkRawValues(v, report, [...path, i]);
    });
  } else if (value !== null && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      if (DURATION_KEYS.has(k) && typeof v === "string") {
        const parsed = parseDuration(v);
        if (parsed === null || parsed === 0) {
          report(coreCodes.badDuration, {
            message: parsed === 0 ? `${formatPath([...path, k])} is zero` : `${JSON.stringify(v)} is not a duration`,
            path: formatPath([...path, k]), hint: "durations are whole numbers with a unit, greater than zero: 250ms, 2s, 1m30s",
          });
        }
      }
      checkRawValues(v, report, [...path, k]);
    }
  }
}
