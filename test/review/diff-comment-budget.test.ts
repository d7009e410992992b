// Issue 13's "done" criterion through the real binary: a one-line `defaults.timeout` change
// on a generated mesh gives a PR comment (`meshc diff --format markdown`, every target's file
// diffs and the graph included) under GitHub's 65,536 characters that says what changed and
// what it touches. 50 services already overflow the budget with file diffs alone, so the
// folding is exercised here (each run compiles both sides to every target); 1,000 was measured by hand (see the report of this change), and
// test/review/diff-causes.test.ts checks the cause summary of 1,000 in memory.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { generateMesh } from "../../bench/generate.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const BIN = join(ROOT, "compiler", "cli", "meshc.js");
const dir = mkdtempSync(join(tmpdir(), "meshc-diff-budget-"));

function side(name: string, timeout: string): string {
  const mesh = generateMesh(50);
  mkdirSync(join(dir, name));
  writeFileSync(join(dir, name, "mesh.json"), JSON.stringify({ ...mesh, defaults: { timeout } }));
  return join(name, "mesh.json");
}
const before = side("old", "15s");
const after = side("new", "4s");

function diff(...args: string[]): string {
  const r = spawnSync(process.execPath, [BIN, "diff", before, after, "--format", "markdown", ...args], { cwd: dir, encoding: "utf8", maxBuffer: 1 << 26 });
  assert.is(r.status, 0, r.stderr);
  return r.stdout;
}

test("50 services, defaults.timeout 15s -> 4s: one comment under the budget naming the change, its reach, the graph and what was left out", () => {
  const md = diff();
  assert.ok(md.length <= 60_000 && md.length < 65_536, `${md.length} characters`);
  // What changed, once, and what it touches.
  assert.is(md.split("#### defaults.timeout 15s -> 4s").length - 1, 1);
  assert.match(md, /\*\*1 cause\*\*, reaching 100 routes on 50 proxies/);
  assert.match(md, /e\.g\. svc-\d+ -> svc-\d+ \(r\d+-(items|any)\)/);
  // The graph, with changed edges marked, within the budget.
  const graph = /```mermaid\n([\s\S]*?)```/.exec(md);
  assert.ok(graph, "the mesh graph is in the comment");
  assert.match(graph![1]!, /"changed: r\d+-(items|any)[^"]*"/);
  assert.match(graph![1]!, /linkStyle [\d,]+ stroke:#bf8700/);
  // File diffs: some shown, the rest stood in for, and a note says so and how to see all.
  assert.match(md, /#### Files/);
  assert.match(md, /- \*\*(envoy|nginx|haproxy|kubernetes)\*\*: 50 changed \(diff left out\)/);
  assert.match(md, /> \*\*Left out to stay under 60,000 characters:\*\*.*the file diffs of \d+ targets?/);
  assert.match(md, /--format json` \(every change\)/);
});

test("a tight --max-chars keeps the summary and a smaller graph, and never passes the budget", () => {
  const md = diff("--max-chars", "3500");
  assert.ok(md.length <= 3500, `${md.length} > 3500`);
  assert.match(md, /#### defaults\.timeout 15s -> 4s/);
  assert.match(md, /100 routes on 50 proxies/);
  // The 60-edge graph does not fit; a smaller version of it does, and says what it left out.
  const graph = /```mermaid\n([\s\S]*?)```/.exec(md);
  assert.ok(graph, md);
  const edges = (graph![1]!.match(/-->|-\.->|-\.-x/g) ?? []).length;
  assert.ok(edges > 0 && edges <= 20, `${edges} edges`);
  assert.match(md, /unchanged or farther edges left out \(limit (20|5)\)/);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
