// Watch mode's rehearsal (compiler/cli/watch-rehearsal.ts): once the first bundle is written,
// the save path runs in memory (an edited route timeout, then the file as it is), each run
// dropped at its gate. What must hold: it prints and writes nothing (also checked between the
// saves of test/core/watch-equivalence.test.ts, whose bundles must still equal cold compiles),
// it never modifies the loaded value the next save's reparse starts from, it runs once and only
// for a config that runs no code, and a save during it is compiled after it.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compileWatched, createWatchState, rehearsalOf, type CompileCommandOptions } from "../../compiler/cli/compile-command.ts";
import { DEBOUNCE_MS, startWatching, type RunOutcome, type SaveGate } from "../../compiler/cli/watch.ts";
import { rehearsalEdit } from "../../compiler/cli/watch-rehearsal.ts";

import { sleep, until } from "../support/until.ts";


function deepFreeze<T>(v: T): T {
  if (v !== null && typeof v === "object") { Object.freeze(v); for (const x of Object.values(v)) deepFreeze(x); }
  return v;
}

test("the rehearsal's edit lengthens the first plain route timeout in new objects and leaves the loaded value alone", () => {
  const value = deepFreeze({ name: "m", routes: [{ name: "a" }, { name: "b", timeout: "3s" }, { name: "c", timeout: "9s" }], services: {} });
  const before = JSON.stringify(value);
  const edited = rehearsalEdit(value) as typeof value;
  assert.is(JSON.stringify(value), before, "the loaded value is the loader's, kept for the next save's reparse");
  assert.equal(edited.routes.map((r) => (r as { timeout?: string }).timeout), [undefined, "4s", "9s"]);
  // Unchanged parts are the loaded value's own objects (the memos find them by identity).
  assert.ok(edited.routes[0] === value.routes[0] && edited.routes[2] === value.routes[2] && edited.services === value.services);
  assert.is(rehearsalEdit({ routes: [{ timeout: "soon" }] }), null);
  assert.is(rehearsalEdit({ services: {} }), null);
});

test("the rehearsal runs after the first run, no save runs during it, and a save during it is compiled after it", async () => {
  const dir = mkdtempSync(join(tmpdir(), "meshc-watch-rehearsal-"));
  const file = join(dir, "mesh.json");
  writeFileSync(file, "v0");
  const log: string[] = [];
  let rehearsing = false;
  let overlapped = false;
  const compile = async (gate: SaveGate): Promise<RunOutcome> => {
    if (rehearsing) overlapped = true;
    const read = readFileSync(file, "utf8");
    const passed = await gate();
    log.push(`run ${read} ${passed}`);
    return { inputs: [file], superseded: !passed };
  };
  let rehearsals = 0;
  const rehearse = async (overtaken: () => boolean) => {
    rehearsals++;
    if (rehearsals > 1) return; // as compile-command.ts's: once
    rehearsing = true;
    log.push("rehearsal");
    writeFileSync(file, "v1"); // the user saves while it runs
    const seen = await until(() => overtaken(), 2_000);
    log.push(`overtaken ${seen}`);
    await sleep(3 * DEBOUNCE_MS);
    rehearsing = false;
  };
  const w = startWatching(compile, [file], rehearse);
  try {
    await w.first;
    assert.ok(await until(() => log.includes("run v1 true")), log.join(", "));
    assert.equal(log, ["run v0 true", "rehearsal", "overtaken true", "run v1 true"]);
    assert.ok(!overlapped, "a run started while the rehearsal ran");
    // Called again after the save (it decides itself to do nothing), never after a dropped run.
    assert.is(rehearsals, 2);
  } finally {
    w.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

const service = (ip: number) => ({ ports: { http: { port: 8080, protocol: "http" } }, endpoints: [`10.0.0.${ip}`] });

function listTree(dir: string, rel = "", out = new Map<string, string>()): Map<string, string> {
  for (const e of readdirSync(join(dir, rel), { withFileTypes: true })) {
    const p = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) listTree(dir, p, out);
    else { const s = statSync(join(dir, p), { bigint: true }); out.set(p, `${s.ino} ${s.mtimeNs} ${s.ctimeNs}`); }
  }
  return out;
}

test("watch mode rehearses once, after a bundle is written, a config that runs no code, and touches neither the folder nor the terminal", async () => {
  const work = mkdtempSync(join(tmpdir(), "meshc-watch-rehearsal-"));
  const config = join(work, "mesh.config.ts");
  const out = join(work, "out");
  const mesh = {
    name: "r", trustDomain: "r.example.com", namespace: "r", services: { web: service(1), api: service(2) },
    routes: [{ name: "r", from: "web", to: "api", match: { path: { prefix: "/" } }, timeout: "3s" }],
  };
  const opts: CompileCommandOptions = { out, format: "text", typecheck: false };
  const write = process.stderr.write.bind(process.stderr);
  const writeOut = process.stdout.write.bind(process.stdout);
  let printed = "";
  const capture = ((chunk: string | Uint8Array) => { printed += chunk.toString(); return true; }) as typeof process.stderr.write;
  process.stderr.write = capture;
  process.stdout.write = capture;
  /** The runs a rehearsal made: each sets the loader's edit (the edited run) or clears it. */
  const spy = (state: ReturnType<typeof createWatchState>) => {
    const edits: string[] = [];
    let edit: unknown = null;
    Object.defineProperty(state.session, "edit", { get: () => edit, set: (v) => { if (v) edits.push("edit"); edit = v; }, configurable: true });
    return edits;
  };
  try {
    writeFileSync(config, `import { defineMesh } from "meshc";\nexport default defineMesh(${JSON.stringify(mesh)});\n`);
    const state = createWatchState();
    const edits = spy(state);
    const rehearsal = rehearsalOf(config, opts, state);
    await rehearsal(() => false);
    assert.equal(edits, [], "nothing written yet: no rehearsal");
    assert.is(await compileWatched(config, opts, state), 0);
    await sleep(200); // the writer's settling after a save (compile-command.ts SETTLE_MS)
    const tree = listTree(work);
    printed = "";
    await rehearsal(() => false);
    assert.equal(edits, ["edit"], "one edited run");
    assert.is(printed, "", "the rehearsal printed");
    assert.equal(listTree(work), tree, "the rehearsal wrote, renamed or removed a file");
    await rehearsal(() => false);
    assert.equal(edits, ["edit"], "once only");
    // --verify all (nginx -t and haproxy -c write temporary files) and a config that runs code: none.
    const verifyAll = rehearsalOf(config, { ...opts, verify: true }, state);
    const argv = process.argv;
    process.argv = [...argv, "--verify"];
    try { await verifyAll(() => false); } finally { process.argv = argv; }
    writeFileSync(config, `import { defineMesh } from "meshc";\nconst n = 3;\nexport default defineMesh(${JSON.stringify(mesh).replace('"3s"', "`${n}s`")});\n`);
    assert.is(await compileWatched(config, opts, state), 0);
    await rehearsalOf(config, opts, state)(() => false);
    assert.equal(edits, ["edit"], "neither --verify all nor a config that runs code is rehearsed");
    state.session.dispose();
  } catch (error) {
    write(printed.slice(-4000));
    throw error;
  } finally {
    process.stderr.write = write;
    process.stdout.write = writeOut;
    rmSync(work, { recursive: true, force: true });
  }
});

test.run();
