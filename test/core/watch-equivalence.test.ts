// Watch mode's incremental path against cold compiles, by property: a seeded sequence of
// random saves (a route's timeout, a route added or removed, a service renamed or added, an
// error introduced and then fixed, a team module's file edited, the team module taken in or
// out of the root) goes through the state `--watch` keeps between saves (loader session,
// emit memo, in-place writer), and after every save the bundle on disk must equal, byte for
// byte and lock included, a cold `meshc compile` of the same files into a fresh folder; a
// save with an error must fail both ways and leave the watched bundle as it was.
// The incremental IR is also checked against a full build at every save
// (MESHC_CHECK_INCREMENTAL_IR). MESHC_EQUIVALENCE_SEED / MESHC_EQUIVALENCE_STEPS replay or
// lengthen a run.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compileWatched, createWatchState, rehearseWatched, runCompile, type CompileCommandOptions } from "../../compiler/cli/compile-command.ts";

const SEED = Number(process.env.MESHC_EQUIVALENCE_SEED ?? 20261130);
const STEPS = Number(process.env.MESHC_EQUIVALENCE_STEPS ?? 18);
process.env.MESHC_CHECK_INCREMENTAL_IR = "1";

/** mulberry32: a small seeded generator, so a failing sequence replays from its seed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Route { name: string; from: string; to: string; match: { path: { prefix: string } }; timeout: string }
interface Mesh {
  name: string; trustDomain: string; namespace: string;
  services: Record<string, { ports: { http: { port: number; protocol: string } }; endpoints: string[] }>;
  routes: Route[];
  authorization: { allow: { from: string[]; to: string; paths?: string[] } }[];
}

const service = (ip: number) => ({ ports: { http: { port: 8080, protocol: "http" } }, endpoints: [`10.0.0.${ip}`] });

function readTree(dir: string, rel = "", out = new Map<string, string>()): Map<string, string> {
  for (const e of readdirSync(join(dir, rel), { withFileTypes: true })) {
    const p = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) readTree(dir, p, out);
    else out.set(p, readFileSync(join(dir, p), "utf8"));
  }
  return out;
}

/** The diagnostics a run printed: its output without the lines naming the folder written and the time taken. */
const said = (output: string) => output.split("\n").filter((l) => !/^meshc: (wrote|updated|watching) /.test(l)).join("\n");

function sameTree(actual: Map<string, string>, expected: Map<string, string>, step: string): void {
  const missing = [...expected.keys()].filter((k) => !actual.has(k));
  const extra = [...actual.keys()].filter((k) => !expected.has(k));
  const differ = [...expected.keys()].filter((k) => actual.has(k) && actual.get(k) !== expected.get(k));
  assert.equal({ missing, extra, differ }, { missing: [], extra: [], differ: [] }, `${step}: the watched bundle differs from a cold compile`);
}

test("random saves through the watch path give a cold compile's bundle, byte for byte", async () => {
  const work = mkdtempSync(join(tmpdir(), "meshc-watch-eq-"));
  const config = join(work, "mesh.config.ts");
  const team = join(work, "team.ts");
  const out = join(work, "out");
  const opts = (dir: string): CompileCommandOptions => ({ out: dir, format: "text", typecheck: false });
  const next = random(SEED);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!;
  let counter = 0;
  const mesh: Mesh = {
    name: "eq", trustDomain: "eq.example.com", namespace: "eq",
    services: { web: service(1), api: service(2), db: service(3), cache: service(4) },
    routes: [
      { name: "r-web-api", from: "web", to: "api", match: { path: { prefix: "/api" } }, timeout: "3s" },
      { name: "r-api-db", from: "api", to: "db", match: { path: { prefix: "/" } }, timeout: "2s" },
      { name: "r-api-cache", from: "api", to: "cache", match: { path: { prefix: "/c" } }, timeout: "1s" },
    ],
    authorization: [{ allow: { from: ["web"], to: "api" } }, { allow: { from: ["api"], to: "db" } }],
  };
  let withTeam = false;
  let teamTimeout = 2;
  let broken: Route | null = null;
  const writeTeam = () => writeFileSync(team, [
    `import { allow, defineModule, route, service } from "meshc";`,
    `const cart = service("cart", { ports: { http: { port: 8080, protocol: "http" } }, endpoints: ["10.1.0.1"] });`,
    `const stock = service("stock", { ports: { http: { port: 8080, protocol: "http" } }, endpoints: ["10.1.0.2"] });`,
    `export default defineModule({ name: "shop", owner: "@shop", services: [cart, stock],`,
    `  routes: [route({ from: cart, to: stock, match: { path: { prefix: "/s" } }, timeout: "${teamTimeout}s" })],`,
    `  authorization: [allow({ from: [cart], to: stock })] });`,
    "",
  ].join("\n"));
  // Without the team, the root is data only (load's fast path); with it, esbuild and the child evaluate it.
  // The data-only root's text as an editor may leave it (load/data-reparse.ts parses only what changed): indented, or
  // with the first route's timeout given twice (JSON keeps the last; the first is what a save edits).
  let pretty = false;
  let twice = false;
  const writeRoot = () => {
    let json = JSON.stringify(mesh, null, pretty ? 2 : undefined);
    if (twice) json = json.replace(/("timeout": ?)"/, `$1"${1 + Math.floor(next() * 9)}s", $1"`);
    writeFileSync(config, withTeam
      ? `import { defineMesh } from "meshc";\nimport shop from "./team.ts";\nexport default defineMesh(${json.slice(0, -1)}, "modules": [shop] });\n`
      : `import { defineMesh } from "meshc";\nexport default defineMesh(${json});\n`);
  };
  const names = () => Object.keys(mesh.services);
  const edits: Record<string, () => void> = {
    // First, so that the saves after them edit such a text.
    twice: () => { twice = !twice; },
    pretty: () => { pretty = !pretty; },
    // A save of the same mesh: with the timeout given twice, only the first (the one JSON drops) changes.
    resave: () => {},
    timeout: () => { pick(mesh.routes).timeout = `${1 + Math.floor(next() * 9)}s`; },
    addRoute: () => {
      const [from, to] = [pick(names()), pick(names())];
      if (from !== to) mesh.routes.push({ name: `r${++counter}`, from, to, match: { path: { prefix: `/p${counter}` } }, timeout: "4s" });
    },
    removeRoute: () => { if (mesh.routes.length > 1) mesh.routes.splice(Math.floor(next() * mesh.routes.length), 1); },
    renameService: () => {
      const old = pick(names());
      const renamed = `${old.replace(/-\d+$/, "")}-${++counter}`;
      mesh.services = Object.fromEntries(Object.entries(mesh.services).map(([k, v]) => [k === old ? renamed : k, v]));
      for (const r of mesh.routes) { if (r.from === old) r.from = renamed; if (r.to === old) r.to = renamed; }
      for (const a of mesh.authorization) { a.allow.from = a.allow.from.map((f) => (f === old ? renamed : f)); if (a.allow.to === old) a.allow.to = renamed; }
    },
    addRule: () => {
      const [from, to] = [pick(names()), pick(names())];
      if (from !== to) mesh.authorization.splice(Math.floor(next() * (mesh.authorization.length + 1)), 0, { allow: { from: [from], to } });
    },
    // A rule on a path the route from its caller never delivers: the unreachable-authorization
    // check warns while that route is the caller's only way in, and stops once it goes.
    pathRule: () => {
      const r = pick(mesh.routes);
      mesh.authorization.push({ allow: { from: [r.from], to: r.to, paths: [`/q${++counter}/*`] } });
    },
    removeRule: () => { if (mesh.authorization.length > 0) mesh.authorization.splice(Math.floor(next() * mesh.authorization.length), 1); },
    endpoint: () => { pick(Object.values(mesh.services)).endpoints = [`10.0.9.${++counter % 250}`]; },
    addService: () => { mesh.services[`svc-${++counter}`] = service(10 + counter); },
    breakIt: () => { broken = { name: `r${++counter}`, from: "web", to: "ghost", match: { path: { prefix: "/ghost" } }, timeout: "1s" }; mesh.routes.push(broken); },
    // A schema error inside a union (a path match in none of its forms): the save after a valid
    // one checks the changed routes only (schema-partial.ts) and must still explain it as a cold compile does.
    schemaBreak: () => { broken = { name: `r${++counter}`, from: "web", to: "api", match: { path: { prefx: "/typo" } } as unknown as Route["match"], timeout: "1s" }; mesh.routes.push(broken); },
    teamEdit: () => { withTeam = true; teamTimeout = teamTimeout % 9 + 1; },
    teamToggle: () => { withTeam = !withTeam; },
  };
  const kinds = Object.keys(edits);
  // The runs' own output (the CLI's lines, the broken saves' diagnostics) is shown only if the test fails.
  const write = process.stderr.write.bind(process.stderr);
  let log = "";
  process.stderr.write = ((chunk: string | Uint8Array) => { log += chunk.toString(); return true; }) as typeof process.stderr.write;
  try {
    writeTeam();
    writeRoot();
    const state = createWatchState();
    try {
      assert.is(await compileWatched(config, opts(out), state), 0, "the first run");
      const seen = new Set<string>();
      let warned = false;
      const firsts = [...kinds];
      for (let step = 0; step < STEPS; step++) {
        // An error is fixed by the save after the one that made it, as while typing.
        const kind = broken ? "fix" : firsts.shift() ?? pick(kinds);
        // Watch mode's rehearsal (cli/watch-rehearsal.ts) before the save: in full, or cut after
        // its edited run (a save came). The memos then describe the rehearsal's value, and the
        // save must still equal a cold compile; the rehearsal itself prints and writes nothing.
        if (step % 3 !== 2) {
          const cut = step % 3 === 1;
          let asked = 0;
          const mark = log.length;
          const before = readTree(out);
          await rehearseWatched(config, opts(out), state, () => cut && ++asked > 1);
          assert.is(log.slice(mark), "", `step ${step}: the rehearsal printed`);
          sameTree(readTree(out), before, `step ${step}: the rehearsal wrote to the bundle`);
        }
        if (kind === "fix") { mesh.routes = mesh.routes.filter((r) => r !== broken); broken = null; } else edits[kind]!();
        seen.add(kind);
        writeTeam();
        writeRoot();
        const what = `step ${step} (${kind}, seed ${SEED})`;
        const before = readTree(out);
        let mark = log.length;
        const watched = await compileWatched(config, opts(out), state);
        const watchedSays = said(log.slice(mark));
        if (watchedSays.includes("MESH2022")) warned = true;
        const coldOut = join(work, `cold-${step}`);
        mark = log.length;
        const cold = await runCompile(config, opts(coldOut));
        assert.is(watched, cold, `${what}: the watch run and the cold compile disagree on success`);
        // Diagnostics too (warnings and notes included): the checks' and emitters' memos must report what a cold compile reports.
        assert.equal(watchedSays, said(log.slice(mark)), `${what}: the watch run's diagnostics differ from the cold compile's`);
        if (cold === 0) sameTree(readTree(out), readTree(coldOut), what);
        else sameTree(readTree(out), before, `${what}: a failed save must leave the bundle`);
        rmSync(coldOut, { recursive: true, force: true });
      }
      assert.ok(seen.has("fix") && seen.has("twice") && seen.has("pretty") && seen.has("resave") && seen.has("teamEdit") && seen.has("renameService") && seen.has("schemaBreak"), `every kind of edit ran: ${[...seen].join(", ")}`);
      assert.ok(warned, "some save printed an unreachable-authorization warning, so the diagnostics were compared on more than errors");
    } finally {
      state.session.dispose();
    }
  } catch (error) {
    write(log.slice(-6000));
    throw error;
  } finally {
    process.stderr.write = write;
    rmSync(work, { recursive: true, force: true });
  }
});

// The in-place writer lists only the bundle's folders that changed since it last wrote, or
// that it wrote itself and has not listed since (compiler/bundle-dirs.ts): a key dropped
// into an untouched folder, into one the last save wrote, right after that save or once
// the writer has listed it, must still send the save through the whole write, which refuses it.
test("a private key dropped into the watched bundle between saves is refused, in an old folder or a just-written one", async () => {
  const work = mkdtempSync(join(tmpdir(), "meshc-watch-key-"));
  const config = join(work, "mesh.config.ts");
  const out = join(work, "out");
  const mesh = {
    name: "k", trustDomain: "k.example.com", namespace: "k", services: { web: service(1), api: service(2) },
    routes: [{ name: "r", from: "web", to: "api", match: { path: { prefix: "/" } }, timeout: "3s" }],
  };
  const save = (timeout: string) => { mesh.routes[0]!.timeout = timeout; writeFileSync(config, `import { defineMesh } from "meshc";\nexport default defineMesh(${JSON.stringify(mesh)});\n`); };
  const key = "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg\n-----END PRIVATE KEY-----\n";
  const write = process.stderr.write.bind(process.stderr);
  let log = "";
  process.stderr.write = ((chunk: string | Uint8Array) => { log += chunk.toString(); return true; }) as typeof process.stderr.write;
  const state = createWatchState();
  try {
    const opts: CompileCommandOptions = { out, format: "text", typecheck: false };
    save("3s");
    assert.is(await compileWatched(config, opts, state), 0, "the first run");
    let seconds = 3;
    // Past a clock tick and the writer's listing of what it wrote (60 ms after a save).
    const settle = () => new Promise((r) => setTimeout(r, 300));
    await settle();
    save(`${++seconds}s`);
    assert.is(await compileWatched(config, opts, state), 0, "an in-place save: certs/ is untouched since the first run, envoy/ just written");
    // When the key lands: after the writer listed the folder, right after the save, or right after it and before the listing.
    for (const [folder, when] of [["certs", "after"], ["envoy", "now"], ["envoy", "before"], ["envoy", "after"]] as const) {
      if (when === "after") await settle();
      const stray = join(out, folder, "stray.key");
      writeFileSync(stray, key);
      if (when === "before") await settle();
      save(`${++seconds}s`);
      log = "";
      assert.is(await compileWatched(config, opts, state), 1, `a key in ${folder}/ (dropped ${when === "now" ? "right after the save" : `${when} the listing`}) fails the save`);
      assert.ok(log.includes("holds a private key"), `the key in ${folder}/ is named: ${log}`);
      rmSync(stray);
      assert.is(await compileWatched(config, opts, state), 0, `without the key in ${folder}/ the save passes`);
      // An in-place save again, so the next case starts from a folder this process just wrote.
      save(`${++seconds}s`);
      assert.is(await compileWatched(config, opts, state), 0, "a save after the key is gone");
    }
  } catch (error) {
    write(log.slice(-4000));
    throw error;
  } finally {
    process.stderr.write = write;
    state.session.dispose();
    rmSync(work, { recursive: true, force: true });
  }
});

test.run();
