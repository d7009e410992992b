import { test } from "uvu";
import * as assert from "uvu/assert";
import { diffBundles, formatBundleDiff, formatBundleDiffMarkdown } from "../../compiler/review/file-diff.ts";

const before = new Map([
  ["envoy/web.yaml", "a: 1\nb: 2\n"],
  ["envoy/payments.yaml", "p: 1\n"],
  ["nginx/web.conf", "server {}\n"],
  ["meshc.lock", "digest 1\n"],
]);
const after = new Map([
  ["envoy/web.yaml", "a: 1\nb: 3\n"],
  ["envoy/payments.yaml", "p: 1\n"],
  ["envoy/catalog.yaml", "c: 1\n"],
  ["meshc.lock", "digest 2\n"],
]);

test("files are grouped by target with added, removed and changed lists; identical files are left out", () => {
  const diff = diffBundles(before, after);
  assert.equal(diff.map((t) => [t.target, t.added, t.removed, t.changed]), [
    ["", [], [], ["meshc.lock"]],
    ["envoy", ["envoy/catalog.yaml"], [], ["envoy/web.yaml"]],
    ["nginx", [], ["nginx/web.conf"], []],
  ]);
  const web = diff[1].files.find((f) => f.path === "envoy/web.yaml")!;
  assert.equal([web.status, web.additions, web.deletions], ["changed", 1, 1]);
  assert.match(web.patch, /^--- a\/envoy\/web\.yaml\n\+\+\+ b\/envoy\/web\.yaml\n@@ -1,2 \+1,2 @@\n a: 1\n-b: 2\n\+b: 3\n$/);
  assert.match(diff[2].files[0].patch, /\+\+\+ \/dev\/null/);
  assert.equal(diffBundles(before, new Map(before)), []);
});

test("a removed line that starts with dashes is counted once, not mistaken for a header", () => {
  const [target] = diffBundles(new Map([["nginx/x.conf", "-- comment\nkeep\n"]]), new Map([["nginx/x.conf", "keep\n"]]));
  assert.equal([target.files[0].additions, target.files[0].deletions], [0, 1]);
});

test("ANSI colour only when asked", () => {
  const diff = diffBundles(before, after);
  const plain = formatBundleDiff(diff);
  assert.not.match(plain, /\u001b\[/);
  assert.match(plain, /^envoy: 1 changed, 1 added$/m);
  const color = formatBundleDiff(diff, { color: true });
  assert.match(color, /\u001b\[32m\+b: 3\u001b\[0m/);
  assert.match(color, /\u001b\[31m-b: 2\u001b\[0m/);
  assert.is(color.replace(/\u001b\[\d+m/g, ""), plain);
});

test("markdown: one collapsible block per target, a diff fence per file, longer fences around backticks", () => {
  const md = formatBundleDiffMarkdown(diffBundles(before, after));
  assert.is(md.match(/<details>/g)?.length, 3);
  assert.match(md, /<summary><b>envoy<\/b>: 1 changed, 1 added<\/summary>/);
  assert.match(md, /```diff\n--- a\/envoy\/web\.yaml/);
  const fenced = formatBundleDiffMarkdown(diffBundles(new Map([["docs/a.md", "```\nx\n```\n"]]), new Map([["docs/a.md", "y\n"]])));
  assert.match(fenced, /````diff\n/);
  assert.is(formatBundleDiffMarkdown([]), "_No file changes._\n");
});

test.run();
