// Watch mode's in-place writer keeps an emit unit's files whole when the save hands it the
// very list of the last write's partition (compiler/bundle-update.ts `units`), with no record
// per file. These tests hand the writer lists as the emit memo does, and also as a buggy
// emitter or memo would (a list it never wrote, a fresh file on a kept path, a part dropped),
// and demand the lock and files on disk a whole write of the same files would give.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { lockFileFor, stageBundle, LOCK_FILE } from "../../compiler/bundle.ts";
import { sha256, type OwnedEntry } from "../../compiler/bundle-lock.ts";
import { openBundleUpdate, settleWritten, updateFolder, writtenWhole, type WrittenBundle } from "../../compiler/bundle-update.ts";
import { recoverDeadRuns } from "../../compiler/bundle-swap.ts";
import { compileWatched, createWatchState } from "../../compiler/cli/compile-command.ts";

const INPUT = "0".repeat(64);
const owned = (path: string, content: string): OwnedEntry => ({ path, sha256: sha256(content) });

/** A bundle written whole from `units` (each a list of path -> content), as watch mode's first run leaves it. */
function firstWrite(out: string, units: Record<string, string>[]): { written: WrittenBundle; lists: OwnedEntry[][] } {
  const lists = units.map((u) => Object.entries(u).map(([p, c]) => owned(p, c)));
  const entries = lists.flat();
  const lock = lockFileFor(entries, INPUT);
  for (const u of units) for (const [p, c] of Object.entries(u)) { mkdirSync(dirname(join(out, p)), { recursive: true }); writeFileSync(join(out, p), c); }
  writeFileSync(join(out, LOCK_FILE), lock.content);
  return { written: writtenWhole(out, Buffer.from(lock.content), new Map(entries.map((e) => [e.path, e.sha256])), lists), lists };
}

function tree(dir: string, rel = "", into = new Map<string, string>()): Map<string, string> {
  for (const e of readdirSync(join(dir, rel), { withFileTypes: true })) {
    const p = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) tree(dir, p, into); else into.set(p, readFileSync(join(dir, p), "utf8"));
  }
  return into;
}

/** The bundle a whole write of `files` gives: the files and their lock. */
const expected = (files: Record<string, string>) => new Map([...Object.entries(files), [LOCK_FILE, lockFileFor(Object.entries(files).map(([p, c]) => owned(p, c)), INPUT).content]]);

const sameBundle = (out: string, files: Record<string, string>, what: string) =>
  assert.equal(Object.fromEntries([...tree(out)].sort()), Object.fromEntries([...expected(files)].sort()), what);

function withFolder(run: (out: string) => void) {
  const work = mkdtempSync(join(tmpdir(), "meshc-units-"));
  try { run(join(work, "out")); } finally { rmSync(work, { recursive: true, force: true }); }
}

const A = { "envoy/a.yaml": "a1", "nginx/a.conf": "a2" };
const B = { "envoy/b.yaml": "b1" };

test("a save that keeps the last write's lists and hands in one changed unit updates that file and the lock, and the next save keeps the new list whole", () => withFolder((out) => {
  const { written, lists } = firstWrite(out, [A, B]);
  assert.ok(written.units?.size === 2, "the first write's lists partition its files");
  const update = openBundleUpdate(out, written);
  update.keep!(lists[0]!);
  update.add([{ path: "envoy/b.yaml", content: "b2" }]);
  const b2 = [owned("envoy/b.yaml", "b2")];
  update.remember!(b2);
  const r = update.commit(INPUT, () => stageBundle(out));
  assert.is(r.changed, 1);
  sameBundle(out, { ...A, "envoy/b.yaml": "b2" }, "one file and the lock changed");
  assert.ok(r.written?.units?.has(b2) && r.written.units.has(lists[0]!) && !r.written.units.has(lists[1]!), "the new list replaces the old one in the partition");
  assert.is(r.written?.files.get("envoy/b.yaml"), sha256("b2"));
  // The next save keeps both lists whole: nothing changes on disk.
  const next = openBundleUpdate(out, r.written!);
  next.keep!(lists[0]!);
  next.keep!(b2);
  const r2 = next.commit(INPUT, () => stageBundle(out));
  assert.is(r2.changed, 0);
  sameBundle(out, { ...A, "envoy/b.yaml": "b2" }, "a save with nothing changed");
  assert.is(r2.written?.units?.size, 2);
}));

test("a kept list the last write did not hand in (an equal copy) is recorded file by file, with the same result", () => withFolder((out) => {
  const { written } = firstWrite(out, [A, B]);
  const update = openBundleUpdate(out, written);
  update.keep!(Object.entries(A).map(([p, c]) => owned(p, c)));
  update.keep!(Object.entries(B).map(([p, c]) => owned(p, c)));
  const r = update.commit(INPUT, () => stageBundle(out));
  assert.is(r.changed, 0);
  sameBundle(out, { ...A, ...B }, "nothing changed");
  assert.is(r.written?.units?.size, 2, "the copies partition the files: they are the next save's lists");
}));

test("a fresh file on a kept list's path while another list's file is not handed in is not the same paths: the whole write drops the missing file", () => withFolder((out) => {
  const { written, lists } = firstWrite(out, [A, B]);
  const update = openBundleUpdate(out, written);
  // As many files as before, every path known: only the part not kept (B) shows that envoy/b.yaml is gone.
  update.keep!(lists[0]!);
  update.add([{ path: "envoy/a.yaml", content: "a9" }]);
  update.remember!([owned("envoy/a.yaml", "a9")]);
  const r = update.commit(INPUT, () => stageBundle(out));
  assert.equal(r.diagnostics, []);
  sameBundle(out, { "envoy/a.yaml": "a9", "nginx/a.conf": "a2" }, "the bundle a whole write of the run's files gives");
  assert.is(r.written?.units ?? null, null, "two lists name envoy/a.yaml: no partition for the next save");
}));

test("a list kept twice is not two parts: the whole write, and the file of the part not handed in is gone", () => withFolder((out) => {
  const { written, lists } = firstWrite(out, [{ "envoy/a.yaml": "a1" }, { "envoy/b.yaml": "b1" }, { "envoy/c.yaml": "c1" }]);
  const update = openBundleUpdate(out, written);
  update.keep!(lists[0]!);
  update.keep!(lists[0]!);
  update.keep!(lists[1]!);
  const r = update.commit(INPUT, () => stageBundle(out));
  assert.equal(r.diagnostics, []);
  sameBundle(out, { "envoy/a.yaml": "a1", "envoy/b.yaml": "b1" }, "c is not in the run");
}));

test("a remembered list that does not match the files handed in gives no partition for the next save", () => withFolder((out) => {
  const { written, lists } = firstWrite(out, [A, B]);
  const update = openBundleUpdate(out, written);
  update.keep!(lists[0]!);
  update.add([{ path: "envoy/b.yaml", content: "b2" }]);
  update.remember!([owned("envoy/b.yaml", "b3")]);
  const r = update.commit(INPUT, () => stageBundle(out));
  sameBundle(out, { ...A, "envoy/b.yaml": "b2" }, "the files handed in are written");
  assert.is(r.written?.units ?? null, null, "a list that is not what was written is never kept whole later");
}));

test("the files a save replaces stay linked in the update folder until the save is settled, off the save's path; a dead run's folder is removed by the next run", () => withFolder((out) => {
  const { written, lists } = firstWrite(out, [A, B]);
  const update = openBundleUpdate(out, written);
  update.keep!(lists[0]!);
  update.add([{ path: "envoy/b.yaml", content: "b2" }]);
  update.remember!([owned("envoy/b.yaml", "b2")]);
  const r = update.commit(INPUT, () => stageBundle(out));
  sameBundle(out, { ...A, "envoy/b.yaml": "b2" }, "the save is written");
  const kept = readdirSync(updateFolder(out)).filter((n) => n.endsWith(".old")).map((n) => readFileSync(join(updateFolder(out), n), "utf8"));
  assert.ok(kept.includes("b1") && kept.some((c) => c.includes(sha256("b1"))), "the old file and the old lock are still linked, so the save freed no blocks");
  settleWritten(out, r.written!);
  assert.not.ok(existsSync(updateFolder(out)), "removed once settled");
  // A run that died before settling: its folder goes with the next run's recovery.
  const dead = updateFolder(out).replace(`-${process.pid}-old`, "-999999998-old");
  mkdirSync(dead);
  writeFileSync(join(dead, "1.old"), "x");
  recoverDeadRuns(out);
  assert.not.ok(existsSync(dead));
}));

/** The lock on disk with envoy/b.yaml's digest replaced by another of the same width (same size, other bytes). */
function forgeLock(out: string): void {
  const path = join(out, LOCK_FILE);
  writeFileSync(path, readFileSync(path, "utf8").replace(sha256("b1"), sha256("forged")));
}

const tick = () => new Promise((r) => setTimeout(r, 80));

test("a lock edited after the writer vouched for its times is read again, and the save rewrites it", async () => {
  const work = mkdtempSync(join(tmpdir(), "meshc-units-"));
  const out = join(work, "out");
  try {
    const { written, lists } = firstWrite(out, [A, B]);
    await tick();
    settleWritten(out, written);
    assert.ok(written.lockStat, "the lock's times vouch for it once older than a tick and read back equal");
    forgeLock(out);
    const update = openBundleUpdate(out, written);
    update.keep!(lists[0]!);
    update.keep!(lists[1]!);
    const r = update.commit(INPUT, () => stageBundle(out));
    assert.equal(r.diagnostics, []);
    sameBundle(out, { ...A, ...B }, "the forged lock is replaced by the bundle's own");
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});

test("a lock edited before the writer looks at it is never vouched for", async () => {
  const work = mkdtempSync(join(tmpdir(), "meshc-units-"));
  const out = join(work, "out");
  try {
    const { written, lists } = firstWrite(out, [A, B]);
    forgeLock(out);
    await tick();
    settleWritten(out, written);
    assert.is(written.lockStat, null);
    const update = openBundleUpdate(out, written);
    update.keep!(lists[0]!);
    update.keep!(lists[1]!);
    update.commit(INPUT, () => stageBundle(out));
    sameBundle(out, { ...A, ...B }, "the forged lock is replaced by the bundle's own");
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});

test("watch mode hands the writer the memo's lists: after the first run and after a save, they partition the bundle", async () => {
  const work = mkdtempSync(join(tmpdir(), "meshc-units-watch-"));
  const config = join(work, "mesh.config.ts");
  const service = (ip: number) => ({ ports: { http: { port: 8080, protocol: "http" } }, endpoints: [`10.0.0.${ip}`] });
  const mesh = { name: "u", trustDomain: "u.example.com", namespace: "u", services: { web: service(1), api: service(2), db: service(3) },
    routes: [{ name: "r", from: "web", to: "api", match: { path: { prefix: "/" } }, timeout: "3s" }] };
  const save = (t: string) => { mesh.routes[0]!.timeout = t; writeFileSync(config, `import { defineMesh } from "meshc";\nexport default defineMesh(${JSON.stringify(mesh)});\n`); };
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = (() => true) as typeof process.stderr.write;
  const state = createWatchState();
  try {
    const opts = { out: join(work, "out"), format: "text" as const, typecheck: false };
    const partitioned = (what: string) => {
      const w = state.written!;
      const lists = [...(w.units ?? [])];
      assert.ok(lists.length > 0, `${what}: the writer knows the memo's lists`);
      assert.is(lists.length, state.memo.last.size, `${what}: one list per emit unit`);
      assert.is(lists.reduce((n, l) => n + l.length, 0), w.files.size, `${what}: as many files as the bundle`);
      for (const l of lists) for (const e of l) assert.is(w.files.get(e.path), e.sha256, `${what}: ${e.path}`);
      // The very arrays the memo will hand to `keep` at the next save: so that save keeps them whole.
      assert.ok([...state.memo.last.values()].every((m) => w.units!.has(m.files)), `${what}: the memo's own lists`);
    };
    save("3s");
    assert.is(await compileWatched(config, opts, state), 0);
    partitioned("the first run");
    save("4s");
    assert.is(await compileWatched(config, opts, state), 0);
    partitioned("a save");
    save("5s");
    assert.is(await compileWatched(config, opts, state), 0);
    partitioned("the next save");
  } finally {
    process.stderr.write = write;
    state.session.dispose();
    rmSync(work, { recursive: true, force: true });
  }
});

test.run();
