// The serializer's shared subtrees (shareSubtree): their kept text is what writing them
// afresh gives, at every depth and position (member, list item, list in a list), and
// sharing freezes the whole subtree, also under a parent that was frozen already.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { isSharedSubtree, shareSubtree, toYaml } from "../../compiler/serialize.ts";

const subtree = () => ({
  name: "x", list: [1, "two", null, [], {}, ["a", ["b"]], { deep: { text: "line one\nline two\n" } }],
  empty: {}, none: [], yes: "yes", multi: " lead\nsecond", undef: undefined,
});

test("a shared subtree's text equals the unshared one, wherever it sits, first use and kept", () => {
  const shared = shareSubtree(subtree());
  const sharedList = shareSubtree([subtree(), "s", [subtree()]]);
  const place = (s: unknown, l: unknown) => ({
    top: s, list: [s, [s, l], { inner: { deeper: s } }], other: l, nested: { a: { b: { c: [l, s] } } },
  });
  const fresh = toYaml(place(subtree(), [subtree(), "s", [subtree()]]));
  for (let round = 0; round < 3; round++) assert.is(toYaml(place(shared, sharedList)), fresh);
  assert.is(toYaml({ only: [sharedList] }), toYaml({ only: [[subtree(), "s", [subtree()]]] }));
});

test("sharing freezes the whole subtree, even under a parent already frozen", () => {
  const inner = { value: 1, list: [{ x: 1 }] };
  const outer = Object.freeze({ inner });
  shareSubtree(outer);
  assert.ok(Object.isFrozen(inner) && Object.isFrozen(inner.list) && Object.isFrozen(inner.list[0]));
  assert.throws(() => { (inner as { value: number }).value = 2; }, TypeError);
  assert.ok(isSharedSubtree(outer));
  // A shallow-frozen object deeper down: its members are frozen too.
  const deep = { value: 1 };
  const holder = { list: [Object.freeze({ deep })] };
  shareSubtree(holder);
  assert.ok(Object.isFrozen(holder.list) && Object.isFrozen(deep));
});

test("empty collections and scalars are never kept", () => {
  assert.not.ok(isSharedSubtree(shareSubtree({})));
  assert.not.ok(isSharedSubtree(shareSubtree([])));
  assert.not.ok(isSharedSubtree(shareSubtree({ gone: undefined })));
  assert.is(shareSubtree("text"), "text");
  assert.is(toYaml({ a: shareSubtree({}), b: shareSubtree([]) }), "a: {}\nb: []\n");
});

test("leading keys first (apiVersion, kind, metadata), the rest in code-unit order, whatever the insertion order", () => {
  const orders = [
    { zeta: 1, metadata: { b: 1, a: 2 }, Kind: 0, kind: "K", "a b": 2, alpha: 3, apiVersion: "v1", address: 4 },
    { apiVersion: "v1", kind: "K", metadata: { a: 2, b: 1 }, "a b": 2, Kind: 0, address: 4, alpha: 3, zeta: 1 },
    { metadata: { a: 2, b: 1 }, zeta: 1, alpha: 3 },
    { kind: "K", apiVersion: "v1", a: 1 },
  ];
  const lines = (v: unknown) => toYaml(v).split("\n").filter((l) => !l.startsWith(" ") && l !== "").map((l) => l.split(":")[0]);
  assert.equal(lines(orders[0]), ["apiVersion", "kind", "metadata", "Kind", "\"a b\"", "address", "alpha", "zeta"]);
  assert.equal(lines(orders[1]), lines(orders[0]));
  assert.equal(lines(orders[2]), ["metadata", "alpha", "zeta"]);
  assert.equal(lines(orders[3]), ["apiVersion", "kind", "a"]);
});

test.run();
