// A lock is trusted only when no entry reaches outside the bundle on disk. The check a lock read
// uses (`diskEscapeCheck`: one lstat per folder, shared by the entries of one read) must answer
// exactly what the walk of each entry on its own answers (`escapesThroughDiskByWalk`), whatever
// the folder holds: real folders and files, links to folders and files inside and outside it,
// dangling links, a file where a folder is expected; entries in any order, safe or not.
import { test } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { diskEscapeCheck, escapesThroughDiskByWalk } from "../../compiler/bundle-lock.ts";

const work = mkdtempSync(join(tmpdir(), "meshc-lock-escape-"));
const NAMES = ["a", "b", "c", "d"];

type Node = { kind: "dir"; children: Record<string, Node> } | { kind: "file" } | { kind: "link"; to: string };

const node: fc.Memo<Node> = fc.memo((depth) => depth <= 1
  ? fc.oneof(fc.constant<Node>({ kind: "file" }), link)
  : fc.oneof(
    { weight: 3, arbitrary: fc.dictionary(fc.constantFrom(...NAMES), node(depth - 1), { maxKeys: 3 }).map((children): Node => ({ kind: "dir", children })) },
    { weight: 1, arbitrary: fc.constant<Node>({ kind: "file" }) },
    { weight: 1, arbitrary: link },
  ));
// Link targets: inside the bundle (a folder, a file, nothing), outside it, or dangling.
const link = fc.constantFrom("../outside", "a", "a/b", "missing", "/nonexistent-meshc-target", "..", ".").map((to): Node => ({ kind: "link", to }));

function lay(dir: string, tree: Record<string, Node>): void {
  for (const [name, n] of Object.entries(tree)) {
    const p = join(dir, name);
    if (n.kind === "dir") { mkdirSync(p); lay(p, n.children); }
    else if (n.kind === "file") writeFileSync(p, "x");
    else symlinkSync(n.to, p);
  }
}

const segment = fc.constantFrom(...NAMES, "e", ".", "..", "");
const entry = fc.oneof(
  { weight: 4, arbitrary: fc.array(fc.constantFrom(...NAMES, "e"), { minLength: 1, maxLength: 4 }).map((s) => s.join("/")) },
  { weight: 1, arbitrary: fc.array(segment, { minLength: 1, maxLength: 4 }).map((s) => s.join("/")) },
);

test("the shared-folder check answers what the walk of each entry answers", () => {
  let run = 0;
  fc.assert(fc.property(fc.dictionary(fc.constantFrom(...NAMES), node(4), { maxKeys: 4 }), fc.array(entry, { minLength: 1, maxLength: 12 }), (tree, entries) => {
    const root = join(work, `r${run++}`, "bundle");
    mkdirSync(join(root, "..", "outside", "a"), { recursive: true });
    mkdirSync(root);
    lay(root, tree);
    const check = diskEscapeCheck(root);
    for (const rel of entries) assert.is(check(rel), escapesThroughDiskByWalk(root, rel), `${rel} in ${JSON.stringify(tree)}`);
  }), { numRuns: 300, seed: 14 });
});

test("a link anywhere on the way is refused, a plain path is not, the first entries' folders do not decide later ones wrongly", () => {
  const root = join(work, "fixed");
  mkdirSync(join(root, "envoy"), { recursive: true });
  mkdirSync(join(work, "elsewhere"));
  symlinkSync(join(work, "elsewhere"), join(root, "linked"));
  writeFileSync(join(root, "envoy", "web.yaml"), "x");
  symlinkSync(join(work, "elsewhere", "f"), join(root, "envoy", "dangling.yaml"));
  const check = diskEscapeCheck(root);
  assert.is(check("envoy/web.yaml"), null);
  assert.is(check("envoy/new.yaml"), null);
  assert.is(check("envoy/dangling.yaml"), "envoy/dangling.yaml goes through a symbolic link");
  assert.is(check("linked/keep.txt"), "linked/keep.txt goes through a symbolic link");
  assert.is(check("linked"), "linked goes through a symbolic link");
  assert.is(check("missing/deeper/file"), null);
});

test.after(() => rmSync(work, { recursive: true, force: true }));
test.run();
