// The package as a user gets it: `npm pack` this repository, install the tarball into a
// user's project that already has its own typescript@5 and uvu, and use it with nothing but
// the README: the install's size and dependency tree (no test-only package, no EBADENGINE),
// `meshc init` and every script it scaffolds, `validate`, `compile` (the showcase, Envoy
// checked against the shipped protos; a large mesh in worker threads, the same bytes as in
// one thread), plain-Node imports of `meshc` and `meshc/testing`,
// the user's `tsc --noEmit` on a `tsc --init` config, the README's policy tests as written
// under `node --test` and uvu, and the user's `tsc` left theirs. Also: the repository's own
// install leaves its lockfile unchanged. Dependencies come from the registry through npm's
// cache; every step has a time bound.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { generateMesh } from "../../bench/generate.ts";
import { MIN_PARALLEL_PROXIES } from "../../compiler/emit-workers.ts";

/** Every file under `dir`, by path relative to it, sorted. */
function readTree(dir: string, rel = ""): Map<string, string> {
  const out = new Map<string, string>();
  for (const e of readdirSync(join(dir, rel), { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const p = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) for (const [k, v] of readTree(dir, p)) out.set(k, v);
    else out.set(p, readFileSync(join(dir, p), "utf8"));
  }
  return out;
}

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const work = mkdtempSync(join(tmpdir(), "meshc-package-"));
const project = join(work, "project");
// `npm test` exports npm_* settings; the user's npm must not inherit this repository's.
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.toLowerCase().startsWith("npm_")));
const npm = process.platform === "win32" ? "npm.cmd" : "npm";

function run(cmd: string, args: string[], cwd: string, timeoutMs = 120_000) {
  const r = spawnSync(cmd, args, { cwd, env, encoding: "utf8", timeout: timeoutMs, maxBuffer: 1 << 26 });
  return { code: r.status, out: `${r.stdout ?? ""}${r.stderr ?? ""}`, stdout: r.stdout ?? "" };
}

let tarball = "";

test("npm pack: compiled JavaScript and types, no tests, snapshots, benchmarks or CI", () => {
  const r = run(npm, ["pack", "--pack-destination", work], ROOT, 300_000);
  assert.is(r.code, 0, r.out);
  tarball = join(work, readdirSync(work).find((f) => f.endsWith(".tgz"))!);
  const listing = run("tar", ["tzf", tarball], work);
  const files = listing.stdout.split("\n").filter(Boolean).map((f) => f.replace(/^package\//, ""));
  for (const f of ["dist/compiler/cli/bin.js", "dist/compiler/dsl/index.d.ts", "dist/compiler/testing.js", "dist/compiler/testing.d.ts", "dist/schemas/mesh.schema.json", "dist/targets/nginx/templates/server.hbs"]) {
    assert.ok(files.includes(f), `${f} is in the tarball`);
  }
  assert.equal(files.filter((f) => /^(test|snapshots|bench|\.ci|examples|scripts)\//.test(f)), []);
  assert.equal(files.filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts")), [], "no TypeScript sources");
  const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
  for (const dev of ["tsx", "uvu", "fast-check", "@grpc/grpc-js", "@grpc/grpc-js-xds", "@grpc/proto-loader", "typescript"]) assert.not.ok(pkg.dependencies[dev], `${dev} is not a runtime dependency`);
  // The Envoy verifier's protos: the few files it loads, not @grpc/grpc-js-xds's 600.
  const protos = files.filter((f) => f.startsWith("dist/targets/envoy/verify/protos/") && f.endsWith(".proto"));
  assert.ok(protos.includes("dist/targets/envoy/verify/protos/envoy/config/bootstrap/v3/bootstrap.proto"), "the bootstrap proto is shipped");
  assert.ok(protos.length > 20 && protos.length < 200, `${protos.length} protos`);
  // ...and their messages precompiled for the walker, which then needs no .proto parsing at start.
  assert.ok(files.includes("dist/targets/envoy/verify/envoy-plans.json"), "the verifier's plan table is shipped");
});

/** Disk use of a folder in KiB (du counts every hard-linked file once). */
const diskKiB = (dir: string) => Number(run("du", ["-sk", dir], work).stdout.split("\t")[0]);
/** Runtime dependencies only: what the repository needs for its tests stays out of a user's install. */
const TEST_ONLY = ["tsx", "uvu", "fast-check", "handlebars", "@grpc/grpc-js", "@grpc/grpc-js-xds", "@grpc/proto-loader", "@types/node", "typescript"];
/**
 * meshc's own install, measured at 122.5 MiB (the native tsc 28, kubernetes-models 22, ts-morph 14, esbuild 11;
 * the code caches of ts-morph's and the Gateway API validators' scripts ~2, compressed).
 */
const MAX_INSTALL_MIB = 130;

test("installs into a user's project next to their own typescript@5: small, runtime dependencies only", () => {
  mkdirSync(project);
  writeFileSync(join(project, "package.json"), JSON.stringify({ name: "user-project", version: "1.0.0", private: true, type: "module" }, null, 2) + "\n");
  const own = run(npm, ["install", "--prefer-offline", "--no-audit", "--no-fund", "typescript@5", "uvu@0.5.6"], project, 600_000);
  assert.is(own.code, 0, own.out);
  const tsManifest = readFileSync(join(project, "node_modules", "typescript", "package.json"), "utf8");
  const before = diskKiB(join(project, "node_modules"));
  const r = run(npm, ["install", "--prefer-offline", "--no-audit", "--no-fund", tarball], project, 600_000);
  assert.is(r.code, 0, r.out);
  assert.not.match(r.out, /EBADENGINE/, "every dependency admits the Node meshc's engines admit");
  const installed = (diskKiB(join(project, "node_modules")) - before) / 1024;
  assert.ok(installed < MAX_INSTALL_MIB, `meshc installs ${installed.toFixed(1)} MiB (bound ${MAX_INSTALL_MIB})`);
  // The dependency tree npm resolved for meshc, and what is on disk, hold no test-only package.
  const tree = JSON.parse(run(npm, ["ls", "--all", "--json"], project).stdout);
  const names = new Set<string>();
  const walk = (node: { dependencies?: Record<string, unknown> }) => {
    for (const [name, child] of Object.entries(node.dependencies ?? {})) if (!names.has(name)) { names.add(name); walk(child as typeof node); }
  };
  walk(tree.dependencies.meshc);
  assert.ok(names.has("protobufjs") && names.has("ts-morph"), "the tree was read");
  assert.equal(TEST_ONLY.filter((name) => names.has(name)), [], "no test-only package in meshc's tree");
  for (const name of ["tsx", "fast-check", "@grpc"]) assert.not.ok(existsSync(join(project, "node_modules", name)), `${name} is not installed`);
  // The user's typescript, and `tsc`, are untouched.
  assert.is(readFileSync(join(project, "node_modules", "typescript", "package.json"), "utf8"), tsManifest, "node_modules/typescript is the user's");
  assert.is(realpathSync(join(project, "node_modules", ".bin", "tsc")), realpathSync(join(project, "node_modules", "typescript", "bin", "tsc")));
  assert.match(run("npx", ["tsc", "--version"], project).out, /Version 5\./);
});

test("the user's tsc --noEmit (a tsc --init config) accepts a file importing meshc and meshc/testing", () => {
  const app = join(project, "app");
  mkdirSync(app);
  assert.is(run("npx", ["tsc", "--init"], app).code, 0);
  writeFileSync(join(app, "use.ts"), `import { defineMesh } from "meshc";
import { compile, compileConfig, explain, type InMemoryResult } from "meshc/testing";

export const mesh = defineMesh({
  name: "t", trustDomain: "t.example.com", namespace: "t",
  services: { web: { ports: { http: { port: 8080, protocol: "http" } }, endpoints: ["10.0.0.1"] } },
});
const result: InMemoryResult = await compile(mesh);
const errors: readonly string[] = result.errors;
export const used = [errors, compileConfig, explain];
`);
  const r = run("npx", ["tsc", "--noEmit", "-p", "app"], project);
  assert.is(r.code, 0, r.out);
  const typo = run("npx", ["tsc", "--noEmit", "-p", "app"], project);
  assert.is(typo.code, 0);
  writeFileSync(join(app, "typo.ts"), `import { defineMesh } from "meshc";\nexport default defineMesh({ name: "t", trustDomain: "t", namespace: "t", services: { web: { ports: { http: { port: 1, protocol: "http" } }, endpoints: [] } }, routes: [{ from: "web", to: "wbe" }] });\n`);
  const bad = run("npx", ["tsc", "--noEmit", "-p", "app"], project);
  assert.is(bad.code, 2, "a misspelled service is a type error in the user's own tsc");
  assert.match(bad.out, /typo\.ts/);
  assert.not.match(bad.out, /node_modules/);
  rmSync(join(app, "typo.ts"));
});

test("npx meshc init, validate (type-checked), compile and compile --check", () => {
  const init = run("npx", ["meshc", "init"], project);
  assert.is(init.code, 0, init.out);
  const pkg = JSON.parse(readFileSync(join(project, "package.json"), "utf8"));
  assert.ok(pkg.dependencies.meshc, "the user's dependency is kept");
  assert.ok(pkg.scripts["mesh:test"] && pkg.scripts["mesh:compile"]);
  assert.ok(existsSync(join(project, ".github", "workflows", "meshc.yml")));
  const validate = run("npx", ["meshc", "validate"], project);
  assert.is(validate.code, 0, validate.out);
  assert.match(validate.out, /valid: 0 error/);
  writeFileSync(join(project, "broken.config.ts"), readFileSync(join(project, "mesh.config.ts"), "utf8").replace('to: "api", match', 'to: "apx", match'));
  const broken = run("npx", ["meshc", "validate", "broken.config.ts"], project);
  assert.is(broken.code, 1);
  assert.match(broken.out, /MESH2001[^\n]*"apx"/);
  assert.is((broken.out.match(/ error MESH/g) ?? []).length, 1, `one mistake, one diagnostic:\n${broken.out}`);
  rmSync(join(project, "broken.config.ts"));
  const compile = run(npm, ["run", "mesh:compile"], project);
  assert.is(compile.code, 0, compile.out);
  assert.ok(existsSync(join(project, "mesh-bundle", "meshc.lock.json")));
  assert.is(run(npm, ["run", "mesh:check"], project).code, 0);
});

test("the showcase mesh compiles from the package: every target, Envoy checked against the shipped protos", () => {
  cpSync(join(ROOT, "examples", "shop"), join(project, "shop"), { recursive: true });
  const r = run("npx", ["meshc", "compile", "shop/mesh.config.ts", "--out", "shop-out"], project, 300_000);
  assert.is(r.code, 0, r.out);
  assert.match(r.out, /\(envoy, nginx, haproxy, kubernetes, certs\)[^\n]*0 error/);
  assert.not.match(r.out, /MESH4115|MESH4004/, "the Envoy verifier ran");
  assert.ok(readdirSync(join(project, "shop-out", "envoy")).length > 0);
});

test("a large mesh compiles from the package in worker threads (their entry resolves there) to the same bytes as in one", () => {
  writeFileSync(join(project, "large.json"), JSON.stringify(generateMesh(MIN_PARALLEL_PROXIES + 40)));
  const compileWith = (workers: string, out: string) => {
    const r = spawnSync("npx", ["meshc", "compile", "large.json", "--no-typecheck", "--target", "envoy,nginx,haproxy", "--out", out], {
      // Workers only: the main thread would otherwise emit every chunk itself if the worker were slow to start.
      cwd: project, encoding: "utf8", timeout: 300_000, env: { ...env, MESHC_WORKERS: workers, MESHC_TEST_WORKERS_ONLY: "1" },
    });
    assert.is(r.status, 0, `${r.stdout}${r.stderr}`);
    return readTree(join(project, out));
  };
  const one = compileWith("1", "large-one");
  const two = compileWith("2", "large-two");
  assert.ok(one.size > MIN_PARALLEL_PROXIES * 3, "a real bundle");
  assert.equal([...two.keys()], [...one.keys()]);
  for (const [path, content] of one) if (two.get(path) !== content) assert.unreachable(`${path} differs`);
});

test("plain Node imports both entry points (no TypeScript loader)", () => {
  const script = `import { defineMesh } from "meshc"; import * as testing from "meshc/testing";
console.log(typeof defineMesh, typeof testing.compile, typeof testing.compileConfig, typeof testing.explain);`;
  const r = run(process.execPath, ["--input-type=module", "-e", script], project);
  assert.is(r.code, 0, r.out);
  assert.is(r.stdout.trim(), "function function function function");
});

/** The ```js blocks of one README section, verbatim: what a user copies. */
function readmeBlocks(section: string): string[] {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const start = readme.indexOf(`\n## ${section}\n`);
  assert.ok(start >= 0, `README has "## ${section}"`);
  const body = readme.slice(start + 1).split(/\n## /)[0]!;
  return [...body.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]!);
}

test("the scaffolded policy test passes under node --test; the README's examples run as written, under node --test and uvu", () => {
  const node = run(npm, ["run", "mesh:test"], project);
  assert.is(node.code, 0, node.out);
  assert.match(node.out, /# pass 2/);
  assert.match(node.out, /# fail 0/);
  assert.is(run(npm, ["run", "mesh:validate"], project).code, 0, "every scaffolded script runs");
  const [nodeExample, uvuExample] = readmeBlocks("Test your policies");
  assert.ok(nodeExample && uvuExample, "the README shows a node --test and a uvu example");
  writeFileSync(join(project, "test", "readme-policies.test.mjs"), nodeExample);
  const fromReadme = run(process.execPath, ["--test", "test/readme-policies.test.mjs"], project);
  assert.is(fromReadme.code, 0, fromReadme.out);
  assert.match(fromReadme.out, /# fail 0/);
  rmSync(join(project, "test", "readme-policies.test.mjs"));
  // The README's uvu example and command, verbatim (the command is the one it prints).
  writeFileSync(join(project, "test", "mesh-policies.uvu.mjs"), uvuExample);
  const uvu = run("npx", ["uvu", "test", "\\.uvu\\.mjs$"], project);
  assert.is(uvu.code, 0, uvu.out);
  assert.match(uvu.out.replace(/\x1b\[[0-9;]*m/g, ""), /Passed:\s+1\b/);
  // And it can fail: the same test against a mesh that lets api call web.
  writeFileSync(join(project, "mesh.config.ts"), readFileSync(join(project, "mesh.config.ts"), "utf8").replace(`from: ["web"], to: "api"`, `from: ["web", "api"], to: "web"`));
  assert.is.not(run("npx", ["uvu", "test", "\\.uvu\\.mjs$"], project).code, 0, "the uvu example fails when the policy changes");
});

test("the repository's own install admits Node 20 and leaves package-lock.json as committed", () => {
  const clone = join(work, "clone");
  mkdirSync(clone);
  for (const f of ["package.json", "package-lock.json"]) cpSync(join(ROOT, f), join(clone, f));
  const r = run(npm, ["install", "--ignore-scripts", "--prefer-offline", "--no-audit", "--no-fund"], clone, 600_000);
  assert.is(r.code, 0, r.out);
  assert.not.match(r.out, /EBADENGINE/);
  assert.is(readFileSync(join(clone, "package-lock.json"), "utf8"), readFileSync(join(ROOT, "package-lock.json"), "utf8"), "the lockfile is unchanged");
});

test.after(() => rmSync(work, { recursive: true, force: true }));
test.run();
