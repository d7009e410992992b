// ir/sort.ts skips Array.prototype.sort for lists already in order: the result must be what
// sort gives, element for element (stable order of equal keys included), for consistent
// comparators and for the IR's inconsistent ones (`a.name < b.name ? -1 : 1` never says 0).
import { test } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import { sortInPlace, sortStrings } from "../../compiler/ir/sort.ts";

type Item = { key: number; id: number };
const items = fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 12 }).map((keys) => keys.map((key, id): Item => ({ key, id })));
const comparators: [string, (a: Item, b: Item) => number][] = [
  ["consistent", (a, b) => a.key - b.key],
  ["descending", (a, b) => b.key - a.key],
  ["never zero", (a, b) => (a.key < b.key ? -1 : 1)],
  ["never zero, reversed", (a, b) => (a.key > b.key ? -1 : 1)],
  // Says "before" one way and "equal" the other: only a check in TimSort's direction (next against previous) agrees with sort.
  ["one-sided", (a, b) => (a.key < b.key ? -1 : 0)],
];

test("sortInPlace gives what sort gives, for any list, in order or not", () => {
  for (const [name, cmp] of comparators) {
    fc.assert(fc.property(items, fc.boolean(), (list, presort) => {
      const input = presort ? [...list].sort(cmp) : list; // half of the runs start in order
      const expected = [...input].sort(cmp).map((x) => x.id);
      const copy = [...input];
      const got = sortInPlace(copy, cmp);
      return got === copy && JSON.stringify(got.map((x) => x.id)) === JSON.stringify(expected);
    }), { numRuns: 2000 });
    assert.ok(true, name);
  }
});

test("sortStrings gives what sort() gives", () => {
  fc.assert(fc.property(fc.array(fc.constantFrom("a", "b", "B", "a:1", "é", "ab", ""), { maxLength: 10 }), fc.boolean(), (list, presort) => {
    const input = presort ? [...list].sort() : list;
    return JSON.stringify(sortStrings([...input])) === JSON.stringify([...input].sort());
  }), { numRuns: 3000 });
});

test.run();
