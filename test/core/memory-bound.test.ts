// Streaming keeps memory to the mesh's model and one chunk of proxies, never the bundle
// (emit-stream.ts): a generated mesh compiles, every target, through the CLI under a heap
// limit that its live set fits with room to spare, but that the same compile exceeds when
// something keeps every file it writes (as a stage retaining the whole bundle would: the
// fixture retain-written.cjs). And the CLI's heap policy (cli/heap.ts) yields to the user's.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { generateMesh } from "../../bench/generate.ts";
import { HEAP_GROWING_PERCENT, heapFlags } from "../../compiler/cli/heap.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const BIN = join(ROOT, "compiler", "cli", "meshc.js");
const RETAIN = join(ROOT, "test", "core", "fixtures", "retain-written.cjs");
/** Services: the bundle (~56 MB here, all targets) then outweighs what the compile keeps live. */
const SERVICES = 1000;
/**
 * Old-generation limit (MB) of the compile, between the two measured: at most ~59 MB live after
 * a full collection (run from the sources with tsx, code included), ~115 MB with the bundle kept.
 */
const HEAP_LIMIT_MB = 90;

const work = mkdtempSync(join(tmpdir(), "meshc-memory-"));
writeFileSync(join(work, "mesh.json"), JSON.stringify(generateMesh(SERVICES)));

function compileUnderLimit(out: string, preload: string[]) {
  return spawnSync(process.execPath, [`--max-old-space-size=${HEAP_LIMIT_MB}`, ...preload, BIN, "compile", "mesh.json", "--out", out, "--no-typecheck"], {
    cwd: work, encoding: "utf8", env: { ...process.env, NODE_OPTIONS: "" }, maxBuffer: 1 << 26,
  });
}

test("a generated mesh compiles under a heap limit that its whole bundle would not fit", () => {
  const r = compileUnderLimit("bounded", []);
  assert.is(r.status, 0, r.stderr.slice(-2000));
  const lock = JSON.parse(readFileSync(join(work, "bounded", "meshc.lock.json"), "utf8")) as { files: unknown[] };
  assert.ok(lock.files.length > SERVICES * 10, `every target wrote its files (${lock.files.length})`);
});

test("the same compile dies of that limit when every written file is kept (the limit catches a retained bundle)", () => {
  const r = compileUnderLimit("retained", ["--require", RETAIN]);
  assert.is.not(r.status, 0, "keeping the bundle must not fit the limit, or the test above proves nothing");
  assert.match(r.stderr, /heap limit|heap out of memory/i);
  assert.not.ok(existsSync(join(work, "retained", "meshc.lock.json")), "nothing was committed");
});

test("the CLI bounds the heap's growth unless the user chose a heap policy", () => {
  assert.equal(heapFlags([], ""), [`--heap-growing-percent=${HEAP_GROWING_PERCENT}`]);
  assert.equal(heapFlags(["--max-old-space-size=600"], ""), []);
  assert.equal(heapFlags([], "--max_old_space_size=600"), []);
  assert.equal(heapFlags(["--heap-growing-percent=80"], ""), []);
  assert.equal(heapFlags(["--inspect"], "--enable-source-maps"), [`--heap-growing-percent=${HEAP_GROWING_PERCENT}`]);
});

test.after(() => rmSync(work, { recursive: true, force: true }));
test.run();
