// Watch mode's save gate (compiler/cli/watch.ts): a run starts at a save's first file event
// instead of after the debounce, and its gate lets it print and write only when no event
// came since it began and the files have been quiet for DEBOUNCE_MS. A run that a second
// write overtook (an editor saving in two steps) is dropped, and the save is compiled again
// once the files are quiet, from the final bytes.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEBOUNCE_MS, startWatching, type RunOutcome, type SaveGate } from "../../compiler/cli/watch.ts";
import { createTypescriptSession, evaluateTypescriptConfig, type TypescriptSession } from "../../compiler/load/typescript.ts";
import { compileFile } from "../../compiler/compile.ts";

import { sleep, until } from "../support/until.ts";

interface Run { read: string; passed: boolean; gatedAt: number }


test("a run overtaken by a second write is dropped; the final bytes are compiled once quiet", async () => {
  const dir = mkdtempSync(join(tmpdir(), "meshc-watch-gate-"));
  const file = join(dir, "mesh.json");
  writeFileSync(file, "v0");
  const runs: Run[] = [];
  let lastWrite = 0;
  const compile = async (gate: SaveGate): Promise<RunOutcome> => {
    const read = readFileSync(file, "utf8");
    // The editor's second step lands while this run compiles what the first step left.
    if (read === "v1-partial") {
      await sleep(5);
      writeFileSync(file, "v1");
      lastWrite = performance.now();
    }
    const passed = await gate();
    runs.push({ read, passed, gatedAt: performance.now() });
    return { inputs: [file], superseded: !passed };
  };
  const w = startWatching(compile, [file]);
  try {
    await w.first;
    assert.equal(runs.map((r) => [r.read, r.passed]), [["v0", true]]);
    await sleep(50);
    writeFileSync(file, "v1-partial");
    lastWrite = performance.now();
    assert.ok(await until(() => runs.some((r) => r.read === "v1" && r.passed)), JSON.stringify(runs));
    await sleep(4 * DEBOUNCE_MS);
    const after = runs.slice(1);
    // The partial read never passed its gate; the final bytes did, and only once.
    assert.ok(after.filter((r) => r.read === "v1-partial").every((r) => !r.passed), JSON.stringify(after));
    assert.is(after.filter((r) => r.passed).length, 1, JSON.stringify(after));
    const done = after.find((r) => r.passed)!;
    assert.ok(done.gatedAt - lastWrite >= DEBOUNCE_MS - 1, `passed ${done.gatedAt - lastWrite} ms after the last write`);
  } finally {
    w.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a single save is compiled at its first event, and its gate holds the result until the files are quiet", async () => {
  const dir = mkdtempSync(join(tmpdir(), "meshc-watch-gate-"));
  const file = join(dir, "mesh.json");
  writeFileSync(file, "v0");
  const started: number[] = [];
  const gated: number[] = [];
  const compile = async (gate: SaveGate): Promise<RunOutcome> => {
    started.push(performance.now());
    const passed = await gate();
    if (passed) gated.push(performance.now());
    return { inputs: [file], superseded: !passed };
  };
  const w = startWatching(compile, [file]);
  try {
    await w.first;
    await sleep(50);
    const saved = performance.now();
    writeFileSync(file, "v1");
    assert.ok(await until(() => gated.length >= 2));
    await sleep(4 * DEBOUNCE_MS);
    // One run for the save, held at its gate for the quiet time (the files were written once).
    assert.ok(started.length >= 2);
    assert.is(gated.length, 2);
    assert.ok(gated[1]! - saved >= DEBOUNCE_MS - 1, `passed ${gated[1]! - saved} ms after the save`);
  } finally {
    w.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a save during the first run is compiled: the files are watched before it starts", async () => {
  const dir = mkdtempSync(join(tmpdir(), "meshc-watch-gate-"));
  const file = join(dir, "mesh.json");
  writeFileSync(file, "v0");
  const runs: Run[] = [];
  const compile = async (gate: SaveGate): Promise<RunOutcome> => {
    const read = readFileSync(file, "utf8");
    // The user saves while the first compile (seconds for a large mesh) is still running.
    if (runs.length === 0) { writeFileSync(file, "v1"); await sleep(30); }
    const passed = await gate();
    runs.push({ read, passed, gatedAt: performance.now() });
    return { inputs: [file], superseded: !passed };
  };
  const w = startWatching(compile, [file]);
  try {
    await w.first;
    assert.ok(await until(() => runs.some((r) => r.read === "v1" && r.passed)), JSON.stringify(runs));
    assert.is(runs[0]!.passed, false, "the first run, overtaken by the save, is dropped");
  } finally {
    w.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a file the config starts to import in a folder watched already is watched without a gap: its save is compiled", async () => {
  const dir = mkdtempSync(join(tmpdir(), "meshc-watch-gate-"));
  const file = join(dir, "mesh.json");
  const team = join(dir, "team.json");
  writeFileSync(file, "v0");
  writeFileSync(team, "t0");
  const runs: { read: string; passed: boolean }[] = [];
  const compile = async (gate: SaveGate): Promise<RunOutcome> => {
    const read = `${readFileSync(file, "utf8")}+${readFileSync(team, "utf8")}`;
    const passed = await gate();
    runs.push({ read, passed });
    // From the second run on, the config reads team.json too.
    return { inputs: runs.length === 1 ? [file] : [file, team], superseded: !passed };
  };
  const w = startWatching(compile, [file]);
  try {
    await w.first;
    await sleep(50);
    writeFileSync(file, "v1");
    assert.ok(await until(() => runs.some((r) => r.read === "v1+t0" && r.passed)), JSON.stringify(runs));
    await sleep(50);
    writeFileSync(team, "t1");
    assert.ok(await until(() => runs.some((r) => r.read === "v1+t1" && r.passed)), JSON.stringify(runs));
  } finally {
    w.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

/** A mesh.config.ts holding `source` in a fresh folder, and a loader session; both gone after `body`. */
async function withConfig(source: string, body: (file: string, dir: string, session: TypescriptSession) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "meshc-watch-gate-"));
  const file = join(dir, "mesh.config.ts");
  writeFileSync(file, source);
  const session = createTypescriptSession();
  try {
    await body(file, dir, session);
  } finally {
    session.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}

test("a run evaluates a config that runs code only once the files are quiet, and never once overtaken (a truncated file read before its write)", () =>
  withConfig("const n = 1 + 1;\nexport default { name: `m${n}` };\n", async (file, _dir, session) => {
    session.overtaken = async () => true;
    const dropped = await evaluateTypescriptConfig(file, 10_000, session);
    assert.ok("kind" in dropped && /changed while it was read/.test(dropped.message), JSON.stringify(dropped));
    session.overtaken = async () => false;
    // A config that runs code waits for the files to be quiet (the gate) before it is bundled; overtaken meanwhile, it is not.
    session.settled = async () => false;
    const unsettled = await evaluateTypescriptConfig(file, 10_000, session);
    assert.ok("kind" in unsettled && /changed while it was read/.test(unsettled.message), JSON.stringify(unsettled));
    let waited = false;
    session.settled = async () => (waited = true);
    const evaluated = await evaluateTypescriptConfig(file, 10_000, session);
    assert.ok(waited, "the gate was awaited");
    assert.equal("value" in evaluated ? evaluated.value : evaluated, { name: "m2" });
  }));

// The config runs code (not data-only) and names an undefined handle: a load error that tsc also reports, with a place.
test("a run its gate drops does not type-check the file it could not load (tsc on the saved 1,000-service config took ~8.7 s before the save compiled)", () =>
  withConfig("const n: number = paymnets;\nexport default { name: `m${n}` };\n", async (file, dir, session) => {
    // Control: a run nobody overtook gets tsc's error as well as the load error.
    const kept = await compileFile(file, { cwd: dir, session });
    assert.ok(kept.diagnostics.length > 1 && kept.diagnostics.some((d) => /paymnets/.test(d.message) && d.line === 1), JSON.stringify(kept.diagnostics));
    // Overtaken: the loader returns at its gate and nothing else runs.
    session.settled = async () => false;
    session.overtaken = async () => true;
    const dropped = await compileFile(file, { cwd: dir, session });
    assert.equal(dropped.diagnostics.length, 1, JSON.stringify(dropped.diagnostics));
    assert.match(dropped.diagnostics[0]!.message, /changed while it was read/);
  }));

test.run();
