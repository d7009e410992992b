#!/usr/bin/env node
// `npm run build` (and `prepare`, so a fresh clone's `npm install` builds): compiles the
// sources to JavaScript + .d.ts in dist/ with the native TypeScript compiler, then copies
// the files the compiled modules read next to themselves at run time (JSON schemas,
// handlebars templates), so every `new URL(..., import.meta.url)` resolves in dist as in
// the sources. dist/ mirrors the repository: dist/compiler, dist/targets, dist/schemas.
import { spawnSync } from "node:child_process";
import { chmodSync, cpSync, existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, extname, join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { createRequire } from "node:module";
import * as esbuild from "esbuild";
import { nativeTsc } from "./native-tsc.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const DIST = join(ROOT, "dist");
// Sources and docs are not run-time assets; meshc.js is the tsx launcher for development.
const NOT_ASSETS = new Set([".ts", ".md", ".js"]);

function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

rmSync(DIST, { recursive: true, force: true });
const tsc = spawnSync(nativeTsc(), ["-p", join(ROOT, "tsconfig.build.json")], { stdio: "inherit", cwd: ROOT });
if (tsc.status !== 0) {
  console.error("meshc build: tsc failed");
  process.exit(1);
}
for (const top of ["compiler", "targets", "schemas"]) {
  for (const file of walk(join(ROOT, top))) {
    // A .js under templates/ is data a target reads (nginx's njs module), not a launcher.
    const template = extname(file) === ".js" && relative(ROOT, file).split(/[\\/]/).includes("templates");
    if ((NOT_ASSETS.has(extname(file)) && !template) || file.endsWith(".test.ts")) continue;
    cpSync(file, join(DIST, relative(ROOT, file)));
  }
}
// Compiled modules read `../package.json` (the version) relative to themselves; in dist
// that is this stub, which also marks dist's .js and .d.ts files as ES modules.
const { version } = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
writeFileSync(join(DIST, "package.json"), JSON.stringify({ type: "module", version, private: true }, null, 2) + "\n");
chmodSync(join(DIST, "compiler", "cli", "bin.js"), 0o755);

// The Envoy verifier's protos: only the files that loading the bootstrap and the message
// named by every `@type` the targets can write reaches (the names are the string literals
// in their sources; google.protobuf types are protobufjs's own), copied from @grpc/grpc-js-xds, a devDependency, beside the compiled
// loader. The package then needs neither grpc-js-xds nor its gRPC stack.
const PROTO_NAME = /["'`]((?:envoy|xds|udpa)(?:\.[a-z0-9_]+)+\.[A-Z][A-Za-z0-9]*)["'`]/g;
const typeNames = [...new Set(walk(join(ROOT, "targets"))
  .filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts"))
  .flatMap((f) => [...readFileSync(f, "utf8").matchAll(PROTO_NAME)].map((m) => m[1])))].sort();
const protosModule = join(DIST, "targets", "envoy", "verify", "protos.js");
const { collectProtoFiles } = await import(pathToFileURL(protosModule).href);
const { files: protoFiles, root: protoRoot } = collectProtoFiles(typeNames);
for (const { folder, file } of protoFiles) cpSync(join(folder, file), join(dirname(protosModule), "protos", file));
// Every message of those protos as the verifier's plain plans (verify/type-plans.ts): the
// compiler reads this table instead of loading protobufjs and parsing the .proto files at start.
const { collectPlanTable, PLAN_TABLE_FILE } = await import(pathToFileURL(join(DIST, "targets", "envoy", "verify", "type-plans.js")).href);
writeFileSync(join(dirname(protosModule), PLAN_TABLE_FILE), JSON.stringify(collectPlanTable(protoRoot)));
// The mesh schema's validator as ajv standalone code: compiler/schema.js loads it instead of
// compiling the schema (and loading ajv's compiler) on every start.
const { standaloneValidatorSource, verdictValidatorSource } = await import(pathToFileURL(join(DIST, "compiler", "schema.js")).href);
writeFileSync(join(DIST, "compiler", "mesh-schema.validate.cjs"), standaloneValidatorSource());
// The Kubernetes target's Gateway API models likewise (targets/kubernetes/schema/gateway-api.ts):
// their schemas were compiled with ajv at every compile that verified Kubernetes output.
const gatewayApi = join(DIST, "targets", "kubernetes", "schema", "gateway-api.js");
const { standaloneGatewaySources } = await import(pathToFileURL(gatewayApi).href);
const gatewaySources = standaloneGatewaySources();
// The models' validators as a classic script, cached by the warm-up below (see the verdict validator).
const gatewayScript = `(function (exports, module, require) {${gatewaySources.models}\n})`;
if (/[^\x00-\x7f]/.test(gatewayScript)) {
  console.error("meshc build: the Gateway API validators are not ASCII (script-loader.ts reads them as Latin-1)");
  process.exit(1);
}
writeFileSync(join(dirname(gatewayApi), "gateway-api.models.script.js"), gatewayScript);
writeFileSync(join(dirname(gatewayApi), "gateway-api.additions.validate.cjs"), gatewaySources.additions);
// And the same schema compiled for a verdict only (schema.ts): what a valid config is checked by,
// as a classic script in the script loader's wrapper (script-loader.ts), run from the code
// cache the warm-up compile below makes for it. ajv writes the schema's strings as JSON: ASCII
// is checked, not assumed (the loader reads the script as Latin-1).
const verdictScript = `(function (exports, module, require) {${verdictValidatorSource()}\n})`;
if (/[^\x00-\x7f]/.test(verdictScript)) {
  console.error("meshc build: the verdict validator is not ASCII (script-loader.ts reads it as Latin-1)");
  process.exit(1);
}
writeFileSync(join(DIST, "compiler", "mesh-schema.verdict.script.js"), verdictScript);
// The handlebars templates of nginx and HAProxy compiled to plain string-building functions
// (compiler/template-compiler.ts, through compiler/handlebars-templates.ts). A construct the
// compiler does not translate stops the build here: it must never render differently.
const { precompiledSource } = await import(pathToFileURL(join(DIST, "compiler", "handlebars-templates.js")).href);
const { nginxTemplates } = await import(pathToFileURL(join(DIST, "targets", "nginx", "render.js")).href);
const { haproxyTemplates } = await import(pathToFileURL(join(DIST, "targets", "haproxy", "render.js")).href);
for (const set of [nginxTemplates, haproxyTemplates]) {
  let source;
  try {
    source = precompiledSource(set);
  } catch (error) {
    console.error(`meshc build: ${error.message}`);
    process.exit(1);
  }
  writeFileSync(set.precompiledPath, source);
}

// What works from the sources and would fail in the package: a sibling module named with
// its .ts extension (an import, or a `new URL(..., import.meta.url)` for a child process)
// where dist holds only the .js, or tsx (a devDependency) loaded at run time.
const TS_SIBLING = /(?:from |import\(|new URL\(\s*)["'`](\.{1,2}\/[^"'`]*\.ts)["'`]/g;
const TSX = /(?:from |import\()["']tsx(?:\/[^"']*)?["']/;
function needsSources(file) {
  const text = readFileSync(file, "utf8");
  const sourceDir = dirname(join(ROOT, relative(DIST, file)));
  return TSX.test(text) || [...text.matchAll(TS_SIBLING)].some((m) => existsSync(join(sourceDir, m[1])));
}
const stale = walk(DIST).filter((f) => f.endsWith(".js") && needsSources(f));
if (stale.length || !existsSync(join(DIST, "compiler", "testing.d.ts"))) {
  console.error(`meshc build: compiled modules still need the TypeScript sources or tsx: ${stale.map((f) => relative(ROOT, f)).join(", ")}`);
  process.exit(1);
}

// Node's built-in modules that only some compiles use, required on their first use instead of
// when the script starts: child_process (a TypeScript config that runs code, tsc, the
// verifiers; and commander's executable subcommands, which meshc has none of), worker_threads
// (the parallel emit of a large mesh) and zlib (the packages' compressed code caches). A JSON,
// YAML, TOML or data-only TypeScript config loads none of them. The bundles require a built-in
// once, at their top level, into a variable used only as `name.member`: that variable becomes
// an object whose properties require the module on first read. Any other use of it (passed
// whole, spread, `in`) stops the build, as would a binding of another form.
const LAZY_BUILTINS = /(?<=[;{}]|^)((?:var |const |let )?)([A-Za-z_$][\w$]*)=require\("(?:node:)?(child_process|worker_threads|zlib)"\)(?=;)/g;
const LAZY_HELPER = "var __meshcLazyBuiltin=(id)=>{let m;return new Proxy({},{get:(_,k)=>(m??=require(id))[k]})};";
function lazyBuiltins(text, what) {
  const made = [];
  const out = text.replace(LAZY_BUILTINS, (all, decl, name, id) => {
    made.push({ name, id });
    return `${decl}${name}=__meshcLazyBuiltin("node:${id}")`;
  });
  for (const { name, id } of made) {
    const uses = [...out.matchAll(new RegExp(`(?<![\\w$.])${name.replace(/\$/g, "\\$")}(?![\\w$])(.?)`, "g"))];
    // Allowed besides `name.`: the binding itself, and its declaration in a `var a,name,b;` list.
    const declared = (m) => (m[1] === "," || m[1] === ";") && /(?:\bvar |,)$/.test(out.slice(Math.max(0, m.index - 4), m.index));
    const bad = uses.filter((m) => m[1] !== "." && !out.startsWith(`${name}=__meshcLazyBuiltin(`, m.index) && !declared(m));
    if (bad.length > 0) {
      console.error(`meshc build: ${what}: ${name} (node:${id}) is used other than as ${name}.member: ${out.slice(Math.max(0, bad[0].index - 60), bad[0].index + 60)}`);
      process.exit(1);
    }
  }
  const left = /require\("(?:node:)?(child_process|worker_threads|zlib)"\)/.exec(out);
  if (left) {
    console.error(`meshc build: ${what}: a require of node:${left[1]} the build could not make lazy: ${out.slice(Math.max(0, left.index - 80), left.index + 60)}`);
    process.exit(1);
  }
  return out;
}

// `meshc compile` starts from one file: the compile command and everything it imports
// (meshc's ~200 modules and the packages they load at start, kubernetes-models' hundreds of
// small ESM files among them) bundled by esbuild into one script that the compiled command's
// replacement runs (below), so the CLI's lazy `import("./compile-command.js")` loads it. Measured at 1,000 services: module
// loading was ~0.5 s of CPU, the bundle halves it. Every other dist module stays as tsc wrote
// it: `import "meshc"` and `meshc/testing` load the unbundled modules, as do child processes
// and workers started by file name. A bundled module's `import.meta.url` becomes the URL of
// the dist file it came from, so assets beside it (templates, protos, the precompiled schema
// validator) and child-process scripts resolve as before. Packages loaded only on demand stay
// external (ts-morph, typescript, viz; @peculiar/x509 and reflect-metadata, which only the
// certificates of `--verify` (nginx -t, haproxy -c) load: ~0.75 MB of the bundle with the ASN.1
// packages they bring, read at every start for nothing) as does esbuild (a native binary); protobufjs, handlebars
// (only to compile templates from the sources), the compiled templates and ajv's compiler are
// loaded through `createRequire`, which esbuild leaves alone.
const COMMAND = join(DIST, "compiler", "cli", "compile-command.js");
const ownFile = new RegExp(`^${DIST.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}[\\/].*\\.js$`);
// The bundle runs as a classic script compiled from a V8 code cache. Node 20 has no code
// cache for ES modules: reading the 3.4 MB bundle as UTF-8 and compiling it cost ~150-200 ms
// of every start (TextDecoder ~20-50 ms, V8's parse ~130-160 ms), and each function was
// compiled again on its first call; from the cache, V8 deserializes what the build compiled.
// So the bundle is CommonJS inside a function (compile-command.script.js) that takes
// `require` and the module URL, and compile-command.js becomes a small ES module that runs
// it (script-loader.ts) and re-exports what the command exported. The cache is V8's own
// format: a node whose V8 or flags differ rejects it, and the script compiles from its source.
const SCRIPT = COMMAND.replace(/\.js$/, ".script.js");
const CACHE = COMMAND.replace(/\.js$/, ".script.cache");
// Read before the bundle replaces the compiled command.
const exported = Object.keys(await import(pathToFileURL(COMMAND).href));
if (exported.length === 0 || exported.some((name) => !/^[A-Za-z_$][\w$]*$/.test(name))) {
  console.error(`meshc build: unexpected exports of the compile command: ${exported.join(", ")}`);
  process.exit(1);
}
const rebase = {
  name: "meshc-import-meta-url",
  setup(build) {
    build.onLoad({ filter: ownFile }, (args) => {
      const text = readFileSync(args.path, "utf8");
      const from = relative(dirname(COMMAND), args.path).split("\\").join("/");
      return { contents: text.replaceAll("import.meta.url", `new URL(${JSON.stringify(from)}, __meshcModuleUrl).href`), loader: "js" };
    });
  },
};
const bundled = await esbuild.build({
  entryPoints: [COMMAND], outfile: SCRIPT, bundle: true, write: false,
  format: "cjs", platform: "node", target: "node20", charset: "ascii", logLevel: "warning",
  external: ["esbuild", "ts-morph", "typescript", "@viz-js/viz", "@peculiar/x509", "reflect-metadata"], plugins: [rebase],
  // Without the indentation and line breaks: every start reads the script and copies it into a
  // V8 string (the cache holds no source), 3.4 -> 2.6 MB. Names stay (no identifier minifying:
  // error messages and `name`s are unchanged). From the cache, the read, the copy and the first
  // touch of their pages cost ~30 -> ~23 ms of CPU a start (medians of 5 alternating pairs).
  minifyWhitespace: true,
  // import("ts-morph") (a CommonJS package) as require: a script has no module loader of its own.
  supported: { "dynamic-import": false },
  // The wrapper gives `require` (bundled CommonJS packages call it for node's built-ins) and the URL.
  banner: { js: `(function (exports, module, require, __meshcModuleUrl) {"use strict";${LAZY_HELPER}` }, footer: { js: "})" },
});
// esbuild escapes strings, not regular-expression literals (a `µs` unit): \uXXXX means the same
// character in both. Latin-1 then reads the file without UTF-8 decoding (script-loader.ts).
const scriptText = lazyBuiltins(bundled.outputFiles[0].text, "the bundled compile command").replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
// A module's own import.meta (one esbuild could not rebase: a package's) would be an empty object here.
const unrebased = /\bimport\.meta\b|\bimport_meta\d*\b/.exec(scriptText);
// (A JSDoc type `import('./index.js')` is no import; neither is a method named `import`.)
const dynamicImport = /(?<![.\w$])import\(\s*(?!['"]\.\/index\.js['"]\))["'`]|await\s+import\(/.exec(scriptText);
if (unrebased || dynamicImport || TSX.test(scriptText)) {
  const at = (unrebased ?? dynamicImport)?.index ?? 0;
  console.error(`meshc build: the bundled compile command reads import.meta of a module it cannot rebase (a bundled package?), imports dynamically, or loads tsx: ${scriptText.slice(Math.max(0, at - 80), at + 80)}`);
  process.exit(1);
}
writeFileSync(SCRIPT, scriptText);
// commander the same way (the CLI's main.js loads it at every start, before any command): one
// CommonJS script, in the same wrapper, from its own code cache. Compiling its modules at each
// start cost ~15 ms of CPU and building the program ~7 ms more (functions compiled on first
// call); from the cache ~10 + ~1 ms. A CommonJS package: no "use strict" added around it.
const COMMANDER_SCRIPT = join(DIST, "compiler", "cli", "commander.script.js");
const commander = await esbuild.build({
  entryPoints: [createRequire(import.meta.url).resolve("commander")], bundle: true, write: false,
  format: "cjs", platform: "node", target: "node20", charset: "ascii", logLevel: "warning", minifyWhitespace: true,
  banner: { js: `(function (exports, module, require, __meshcModuleUrl) {${LAZY_HELPER}` }, footer: { js: "})" },
});
const commanderText = lazyBuiltins(commander.outputFiles[0].text, "the bundled commander");
if (/[^\x00-\x7f]/.test(commanderText)) {
  console.error("meshc build: the bundled commander is not ASCII (script-loader.ts reads it as Latin-1)");
  process.exit(1);
}
writeFileSync(COMMANDER_SCRIPT, commanderText);
writeFileSync(COMMAND, `// Generated by scripts/build.js: runs the bundled compile command (compile-command.script.js)
// from its V8 code cache when this node accepts it (see scripts/build.js).
import { runScript } from "./script-loader.js";
const loaded = runScript(new URL("./compile-command.script.js", import.meta.url), new URL("./compile-command.script.cache", import.meta.url), import.meta.url, new URL("./compile-command.packages/packages.json", import.meta.url));
export const { ${exported.join(", ")} } = loaded;
`);
// The caches are made by a node with the CLI's own flags (bin.js sets the heap's growth and the
// optimization budget before loading commander and the command): V8 rejects a cache made under
// other flags. The run is the CLI's own (main.js, as bin.js runs it), so each script's cache
// holds what a compile runs of it.
const made = spawnSync(process.execPath, ["--input-type=module", "--eval", `
  import { boundHeapGrowth } from ${JSON.stringify(pathToFileURL(join(DIST, "compiler", "cli", "heap.js")).href)};
  import { delayOptimization } from ${JSON.stringify(pathToFileURL(join(DIST, "compiler", "cli", "tiering.js")).href)};
  import { packageRequire, rememberScripts, writeCodeCaches } from ${JSON.stringify(pathToFileURL(join(DIST, "compiler", "cli", "script-loader.js")).href)};
  import { mkdtempSync, rmSync } from "node:fs";
  import { tmpdir } from "node:os";
  import { join } from "node:path";
  boundHeapGrowth();
  delayOptimization();
  rememberScripts();
  const { main } = await import(${JSON.stringify(pathToFileURL(join(DIST, "compiler", "cli", "main.js")).href)});
  // Warmed by a whole compile of an example (every target, the default verifiers), so the
  // cache holds the emit's functions too, not only the stages every compile runs: a function
  // missing from it is parsed and compiled from the source on its first call. The cache grows
  // 1.2 -> 1.8 MB. 1,000 services, every target, least CPU of N under load: 4.52 -> 4.16 s in
  // one set, within the noise in two others (3.79 / 3.94, 4.06 / 3.90 s); the emit stage's CPU
  // 2.52 -> 2.37 s; certs alone unchanged (1.08 / 1.10, 1.03 / 1.03 s).
  const dir = mkdtempSync(join(tmpdir(), "meshc-code-cache-"));
  try {
    const code = await main(["compile", ${JSON.stringify(join(ROOT, "examples", "shop", "mesh.config.ts"))}, "--out", join(dir, "bundle"), "--no-typecheck", "--format", "json"]);
    if (code !== 0) throw new Error("the example failed to compile");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  // The example's warnings are placed in its config with TypeScript's parser (loaded alone:
  // compiler/load/typescript-parser.ts): its large file runs from a cache too (script-loader.ts),
  // listed in compile-command.packages/. ts-morph itself (a tsconfig with baseUrl loads it:
  // compiler/typecheck-project.ts) is required here as the command's script requires it, so
  // its large files get caches as well.
  packageRequire(${JSON.stringify(pathToFileURL(COMMAND).href)}, new URL("./compile-command.packages/packages.json", ${JSON.stringify(pathToFileURL(COMMAND).href)}))("ts-morph");
  const cached = writeCodeCaches().map((href) => href.slice(href.lastIndexOf("/") + 1)).sort().join(", ");
  if (cached !== "commander.script.js, compile-command.script.js, gateway-api.models.script.js, mesh-schema.verdict.script.js, ts-morph-common.js, ts-morph.js, typescript.js") throw new Error("cached " + cached);
`], { stdio: ["ignore", "ignore", "inherit"], cwd: ROOT });
if (made.status !== 0) {
  console.error("meshc build: making the compile command's code cache failed");
  process.exit(1);
}

