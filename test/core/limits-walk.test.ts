// The limits walk (analyze/limits.ts) against the iterative walk it replaced (kept here as
// the reference): on hostile values (limits passed at several places, keys and strings past
// their length, deep nesting, values the character and raw-value checks may report) both
// count the same values, report the same first limit at the same path, and set the same
// flags, with and without a starting depth (watch mode's walks of changed parts).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { coreCodes } from "../../compiler/diagnostics/codes.ts";
import { formatPath } from "../../compiler/load/locate.ts";
import type { PathSegment } from "../../compiler/load/types.ts";
import type { Report } from "../../compiler/analyze/context.ts";
import { mayHaveBadCharacters } from "../../compiler/analyze/characters.ts";
import { mayBeBadRawValue } from "../../compiler/analyze/raw-values.ts";
import { LIMITS, walkLimits, type RawScan } from "../../compiler/analyze/limits.ts";

function referenceWalk(value: unknown, report: Report | null, seen: RawScan, depth = 0, scanCharacters = true): number {
  // Depth first, last child first, one frame per list or object: the path of the value
  // visited is the frames' current keys, built only to report (a path and an entry per
  // value made this walk a large share of the validate stage on a big mesh).
  const frames: { readonly value: Record<string, unknown> | unknown[]; readonly keys: string[] | null; index: number }[] = [];
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
      if (size > 0) frames.push({ value: v as Record<string, unknown>, keys, index: size });
    }
    // The next value: the previous child of the innermost frame that has one left.
    let top = frames[frames.length - 1];
    while (top !== undefined && top.index === 0) { frames.pop(); top = frames[frames.length - 1]; }
    if (top === undefined) return total;
    top.index--;
    v = top.keys === null ? (top.value as unknown[])[top.index] : (top.value as Record<string, unknown>)[top.keys[top.index]!];
  }
}

type Found = { total: number; seen: RawScan; reports: unknown[] };
function both(value: unknown, depth = 0, scan = true, seen: RawScan = { characters: false, rawValues: false }): [Found, Found] {
  const run = (walk: typeof walkLimits): Found => {
    const reports: unknown[] = [];
    const s = { ...seen };
    const total = walk(value, (code, f) => { reports.push([code.code, f]); }, s, depth, scan);
    return { total, seen: s, reports };
  };
  return [run(walkLimits), run(referenceWalk)];
}

const long = "x".repeat(LIMITS.stringLength + 1);
const nest = (n: number, inner: unknown, list: boolean): unknown => { let v = inner; for (let i = 0; i < n; i++) v = list ? [v] : { [`k${i}`]: v }; return v; };
const cases: [string, unknown][] = [
  ["a plain mesh", { name: "x", services: { web: { ports: { http: { port: 8080 } }, endpoints: ["10.0.0.1", "10.0.0.2:80"] } }, routes: [{ timeout: "3s" }] }],
  ["scalars", 42], ["a string", "abc"], ["null", null], ["empty", { a: {}, b: [], c: [[]] }],
  ["a long string in a list in an object", { a: [1, { b: [long] }] }],
  ["a long key", { a: { [long]: 1 }, b: 2 }],
  ["a long key and a long string after it", { a: { [long]: 1 }, b: [long] }],
  ["a long string before a long key", { a: [long], b: { [long]: 1 } }],
  ["a long key beside a deeper failure", { a: { [long]: { c: [long] } } }],
  ["nesting 70 objects deep", nest(70, "v", false)],
  ["nesting 70 lists deep", nest(70, "v", true)],
  ["nesting 64 objects deep exactly", nest(63, "v", false)],
  ["nesting beside a long string", { z: nest(80, 1, true), a: [long] }],
  ["a list past the size limit", { a: { b: new Array(LIMITS.collectionSize + 1).fill(0) } }],
  ["an object past the size limit", { a: Object.fromEntries(Array.from({ length: LIMITS.collectionSize + 1 }, (_, i) => [`k${i}`, i])) }],
  ["past the total", { a: Array.from({ length: 11 }, () => new Array(LIMITS.collectionSize).fill(0)) }],
  ["bad characters in a value", { a: ["ok", "bad\u0007"] }],
  ["bad characters in a key", { a: { "k\u2028": 1 } }],
  ["a zero duration", { routes: [{ timeout: "0s" }] }],
  ["a malformed duration", { routes: [{ retries: { perTryTimeout: "soon" } }] }],
  ["a bad endpoint", { services: { a: { endpoints: ["10.0.0.1", "not an address!"] } } }],
  ["an endpoint list in a list", { a: [["not an address!"]] }],
  ["a duration key in a list", { a: [{ timeout: "x" }], timeout: ["0s"] }],
  ["a string at the top of a part", "0s"],
];

for (const [name, value] of cases) {
  test(`limits walk: ${name}`, () => {
    for (const depth of [0, 1, 2, 60]) {
      for (const scan of [true, false]) {
        const [now, reference] = both(value, depth, scan);
        assert.equal(now, reference, `depth ${depth}, scan ${scan}`);
      }
    }
    const [now, reference] = both(value, 0, true, { characters: true, rawValues: true });
    assert.equal(now, reference);
  });
}

test("limits walk: the first limit passed is reported, with its path", () => {
  const [now] = both({ a: { [long]: 1 }, b: [1, long] });
  assert.is(now.total, -1);
  assert.equal((now.reports[0] as [string, { path: string }])[1].path, formatPath(["b", 1]));
});

test.run();
