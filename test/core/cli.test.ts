// The CLI contract through the real binary: exit codes, determinism across runs, --check
// drift, dangerous --out refusals, an error leaving the old bundle intact, formats.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const BIN = join(ROOT, "compiler", "cli", "meshc.js");
const MINIMAL = join(ROOT, "examples", "minimal", "mesh.config.ts");
const work = mkdtempSync(join(tmpdir(), "meshc-cli-"));

function meshc(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: opts.cwd ?? work, encoding: "utf8", env: { ...process.env, ...opts.env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function readTree(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string, rel: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name), `${rel}${e.name}/`);
      else out.set(`${rel}${e.name}`, readFileSync(join(d, e.name), "utf8"));
    }
  };
  walk(dir, "");
  return out;
}

const fast = ["--target", "envoy,certs", "--no-typecheck"];

test("compile writes a bundle with a lock file; a second run is byte-identical", () => {
  const a = meshc(["compile", MINIMAL, "--out", "a", ...fast]);
  const b = meshc(["compile", MINIMAL, "--out", "b", ...fast]);
  assert.is(a.code, 0, a.stderr);
  assert.is(b.code, 0, b.stderr);
  const ta = readTree(join(work, "a"));
  assert.ok(ta.has("meshc.lock.json") && ta.has("envoy/web.yaml") && ta.has("certs/manifest.toml"));
  assert.equal(ta, readTree(join(work, "b")));
  const lock = JSON.parse(ta.get("meshc.lock.json")!);
  assert.is(lock.files.length, ta.size - 1);
  assert.match(a.stderr, /wrote \d+ files/);
});

test("MESHC_TIMINGS=1: wall, CPU and page faults by stage, the same stages in each split", () => {
  const r = meshc(["compile", MINIMAL, "--out", "timed", ...fast], { env: { MESHC_TIMINGS: "1" } });
  assert.is(r.code, 0, r.stderr);
  const split = (label: string) => {
    const line = new RegExp(`meshc: ${label}: ([^;\\n]*)`).exec(r.stderr)?.[1] ?? "";
    return new Map([...line.matchAll(/(\w+) (\d+)/g)].map((m) => [m[1]!, Number(m[2])]));
  };
  const [wall, cpu, faults] = [split("timings"), split("cpu by stage"), split("page faults by stage")];
  const stages = [...cpu.keys()].filter((k) => k !== "rest");
  assert.ok(stages.includes("start") && stages.includes("emit") && stages.includes("write"), r.stderr);
  assert.equal([...faults.keys()], stages, "the page faults are split by the CPU split's stages");
  assert.ok(stages.every((k) => wall.has(k)), "and by the wall split's");
  const total = Number(/page faults by stage: [^\n]*; total (\d+)/.exec(r.stderr)?.[1]);
  const summed = [...faults.values()].reduce((a, b) => a + b, 0);
  // node's own start touches thousands of pages; the stages' counts are parts of the process's total.
  assert.ok(faults.get("start")! > 1000 && summed <= total, `${summed} of ${total}: ${r.stderr}`);
});

test("--check: 0 when up to date, 1 listing the drift, and writes nothing", () => {
  meshc(["compile", MINIMAL, "--out", "c", ...fast]);
  assert.is(meshc(["compile", MINIMAL, "--out", "c", "--check", ...fast]).code, 0);
  writeFileSync(join(work, "c", "envoy", "web.yaml"), "tampered\n");
  rmSync(join(work, "c", "envoy", "api.yaml"));
  const r = meshc(["compile", MINIMAL, "--out", "c", "--check", ...fast]);
  assert.is(r.code, 1);
  assert.match(r.stderr, /MESH4002/);
  assert.match(r.stderr, /changed envoy\/web\.yaml/);
  assert.match(r.stderr, /added envoy\/api\.yaml/);
  assert.is(readFileSync(join(work, "c", "envoy", "web.yaml"), "utf8"), "tampered\n");
});

test("an error in the config leaves the existing bundle untouched", () => {
  meshc(["compile", MINIMAL, "--out", "d", ...fast]);
  const before = readTree(join(work, "d"));
  const broken = join(work, "broken.json");
  writeFileSync(broken, JSON.stringify({ name: "x", trustDomain: "x.example", namespace: "x", services: { web: { ports: { http: { port: 1, protocol: "htp" } } } } }));
  const r = meshc(["compile", broken, "--out", "d", ...fast]);
  assert.is(r.code, 1);
  assert.match(r.stderr, /MESH1104/);
  assert.equal(readTree(join(work, "d")), before);
});

test("dangerous --out is refused: /, home, project root, foreign folder; --adopt keeps foreign files", () => {
  for (const out of ["/", homedir(), work]) {
    const r = meshc(["compile", MINIMAL, "--out", out, ...fast]);
    assert.is(r.code, 1, out);
    assert.match(r.stderr, /MESH4001/);
  }
  mkdirSync(join(work, "foreign"));
  writeFileSync(join(work, "foreign", "notes.txt"), "mine\n");
  const refused = meshc(["compile", MINIMAL, "--out", "foreign", ...fast]);
  assert.is(refused.code, 1);
  assert.match(refused.stderr, /MESH4001/);
  const adopted = meshc(["compile", MINIMAL, "--out", "foreign", "--adopt", ...fast]);
  assert.is(adopted.code, 0, adopted.stderr);
  assert.is(readFileSync(join(work, "foreign", "notes.txt"), "utf8"), "mine\n");
  // A recompile with fewer targets removes only meshc's own stale files.
  const fewer = meshc(["compile", MINIMAL, "--out", "foreign", "--target", "certs", "--no-typecheck"]);
  assert.is(fewer.code, 0, fewer.stderr);
  assert.not.ok(existsSync(join(work, "foreign", "envoy", "web.yaml")));
  assert.is(readFileSync(join(work, "foreign", "notes.txt"), "utf8"), "mine\n");
});

test("a symlinked bundle folder is refused (MESH4003); a write failure is MESH4005", () => {
  mkdirSync(join(work, "real"));
  symlinkSync(join(work, "real"), join(work, "link"));
  const r = meshc(["compile", MINIMAL, "--out", "link", ...fast]);
  assert.is(r.code, 1);
  assert.match(r.stderr, /MESH4003/);
  writeFileSync(join(work, "a-file"), "x");
  const w = meshc(["compile", MINIMAL, "--out", "a-file/bundle", ...fast]);
  assert.is(w.code, 1);
  assert.match(w.stderr, /MESH4005/);
});

test("load errors: missing config, TS syntax error, a throwing config, a type error", () => {
  assert.match(meshc(["compile", "nope.ts", ...fast]).stderr, /MESH1001/);
  const empty = mkdtempSync(join(tmpdir(), "meshc-empty-"));
  const none = meshc(["validate"], { cwd: empty });
  assert.is(none.code, 1);
  assert.match(none.stderr, /MESH1001/);
  writeFileSync(join(work, "syntax.ts"), "export default {\n  name: ,\n};\n");
  const syntax = meshc(["validate", "syntax.ts"]);
  assert.match(syntax.stderr, /syntax\.ts:2:\d+ error MESH1002/);
  writeFileSync(join(work, "throws.ts"), "throw new Error('nope');\nexport default {};\n");
  assert.match(meshc(["validate", "throws.ts"]).stderr, /MESH1003/);
  // The typo is both a type error and MESH2001 on line 13: reported once, as MESH2001; a
  // mistake only TypeScript sees (the last line) stays MESH1004.
  const typo = readFileSync(MINIMAL, "utf8").replace(`to: "api", match`, `to: "apj", match`) + `const port: number = "8080";\n`;
  const dir = join(ROOT, "examples", "minimal");
  const typoFile = join(dir, ".typo.mesh.config.ts");
  writeFileSync(typoFile, typo);
  try {
    const r = meshc(["validate", typoFile], { cwd: dir });
    assert.is(r.code, 1);
    assert.match(r.stderr, /\.typo\.mesh\.config\.ts:13:\d+ error MESH2001/);
    assert.not.match(r.stderr, /\.typo\.mesh\.config\.ts:13:\d+ error MESH1004/);
    const last = typo.trimEnd().split("\n").length;
    assert.match(r.stderr, new RegExp(`\\.typo\\.mesh\\.config\\.ts:${last}:\\d+ error MESH1004`));
  } finally {
    rmSync(typoFile);
  }
});

test("formats: json is parseable, github gives annotations, text has a caret", () => {
  const bad = join(work, "bad.yaml");
  writeFileSync(bad, "name: x\ntrustDomain: x.example\nnamespace: x\nservices:\n  web:\n    ports: { http: { port: 80, protocol: http } }\n    endpont: [10.0.0.1]\n");
  const json = meshc(["validate", bad, "--format", "json"]);
  const parsed = JSON.parse(json.stdout);
  assert.equal(parsed.map((d: { code: string }) => d.code), ["MESH1101"]);
  assert.is(parsed[0].line, 7);
  assert.match(meshc(["validate", bad, "--format", "github"]).stderr, /^::error file=.*bad\.yaml,line=7,col=5,title=MESH1101::/m);
  const text = meshc(["validate", bad]);
  assert.match(text.stderr, /bad\.yaml:7:5 error MESH1101 unknown field "endpont"/);
  assert.match(text.stderr, /\^/);
  assert.match(text.stderr, /did you mean "endpoints"/);
});

test("usage errors exit 2; --help for every command; --emit ir prints YAML", () => {
  assert.is(meshc(["compile", "--bogus"]).code, 2);
  for (const cmd of ["compile", "validate", "init", "diff", "snapshot", "explain"]) {
    const h = meshc([cmd, "--help"]);
    assert.is(h.code, 0, cmd);
    assert.match(h.stdout, /Usage: meshc/);
  }
  const ir = meshc(["compile", MINIMAL, "--emit", "ir", ...fast]);
  assert.is(ir.code, 0);
  assert.match(ir.stdout, /^version: 1$/m);
  assert.match(ir.stdout, /spiffe:\/\/minimal\.example\.com\/ns\/minimal\/sa\/web/);
});

test("--verify without the tool warns with MESH4004", () => {
  const r = meshc(["compile", MINIMAL, "--out", "v", "--target", "haproxy", "--no-typecheck", "--verify"], { env: { PATH: dirname(process.execPath) } });
  assert.match(r.stderr, /MESH4004/);
});

test("--watch recompiles on save and reports errors as you type", async () => {
  const { spawn } = await import("node:child_process");
  const dir = join(work, "watched");
  mkdirSync(dir);
  const config = join(dir, "mesh.json");
  const good = { name: "w", trustDomain: "w.example.com", namespace: "w", services: { web: { ports: { http: { port: 8080, protocol: "http" } }, endpoints: ["10.0.0.1"] } } };
  writeFileSync(config, JSON.stringify(good));
  const child = spawn(process.execPath, [BIN, "compile", config, "--out", join(work, "watched-out"), "--target", "certs", "--watch"], { cwd: work });
  let stderr = "";
  child.stderr.on("data", (d) => (stderr += d));
  const until = async (pattern: RegExp, count: number) => {
    for (let i = 0; i < 2400 && (stderr.match(pattern) ?? []).length < count; i++) await new Promise((r) => setTimeout(r, 50));
    return (stderr.match(pattern) ?? []).length >= count;
  };
  try {
    assert.ok(await until(/watching 1 file/g, 1), stderr);
    writeFileSync(config, JSON.stringify({ ...good, services: { web: { ...good.services.web, endpoint: [] } } }));
    assert.ok(await until(/MESH1101/g, 1), stderr);
    writeFileSync(config, JSON.stringify(good));
    assert.ok(await until(/(wrote \d+ files|updated \d+ changed file)/g, 2), stderr);
  } finally {
    child.kill();
  }
});

test("init writes a starter that compiles", () => {
  const dir = join(work, "starter");
  assert.is(meshc(["init", dir]).code, 0);
  assert.is(meshc(["init", dir]).code, 1, "does not overwrite");
  const r = meshc(["compile", join(dir, "mesh.config.ts"), "--out", join(work, "starter-out"), "--no-typecheck"]);
  assert.is(r.code, 0, r.stderr);
});

test.after(() => rmSync(work, { recursive: true, force: true }));
test.run();
