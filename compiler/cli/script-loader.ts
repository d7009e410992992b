// Runs the bundled compile command (scripts/build.js writes it as a classic script) from the
// V8 code cache the build made for it. Node 20 caches no ES module's code: loading the 3.4 MB
// bundle as a module decoded and parsed it at every start (~150-200 ms of CPU at 1,000
// services, whatever the targets); from the cache V8 deserializes what the build compiled.
// A node whose V8 version or flags differ from the build's rejects the cache (V8 checks
// both), and the script is compiled from its source: slower, never different. V8 knows the
// script by its length only, so the two files are one build's pair: scripts/build.js empties
// dist/ first and makes the cache from the very script it wrote (a hand-edited script of the
// same length would run the cache's code).
//
// The packages the compile command requires at run time (ts-morph, for the TypeScript parser
// that places a diagnostic in mesh.config.ts, loaded alone from ts-morph's dependency
// (load/typescript-parser.ts), or for reading a tsconfig with baseUrl) can run from
// code caches too: compiling ts-morph's 13 MB of CommonJS cost ~0.2-0.3 s of CPU at each
// compile that needs it. The build's warm-up remembers the large package files the script
// required (rememberScripts) and writes their caches and a list of them (writeCodeCaches);
// a run compiles a listed file from its cache when the installed package has the version the
// cache was made from and the file the same length (V8 checks the length, flags and version).
// Those caches are stored compressed (brotli): ts-morph's are 8.7 MB as V8 writes them (mostly
// the files' strings: TypeScript's messages, ts-morph-common's lib .d.ts texts), 1.1 MB
// compressed, which the package's install bound has room for; decompressing costs ~30 ms of
// CPU, compiling the files from their sources ~0.2-0.3 s. A diagnostic placed in
// mesh.config.ts needs only TypeScript's (2.6 MB as V8 writes it, 0.7 MB compressed).
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import Module, { createRequire, isBuiltin } from "node:module";
import { dirname, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { Script } from "node:vm";

/** node:zlib, for the packages' compressed caches only: a start that runs no package file from its cache does not load it. */
const zlib = () => createRequire(import.meta.url)("node:zlib") as typeof import("node:zlib");

type Wrapper = (exports: object, module: { exports: object }, require: NodeRequire, moduleUrl: string) => void;

/**
 * The name a script is compiled under, the same wherever the package lies: a code cache keeps
 * the name its script was compiled under and V8 shows that name in stack traces of code run
 * from the cache, so a cache made under the build's absolute path would carry the build
 * machine's folders into every install and every user's stack trace. `meshc/dist/...` for the
 * package's scripts, `<package>/<file>` (as in node_modules) for a package's files.
 */
export function scriptName(path: string): string {
  const posix = path.split(sep).join("/");
  const at = posix.lastIndexOf("/dist/");
  return flatString(at < 0 ? `meshc/${posix.slice(posix.lastIndexOf("/") + 1)}` : `meshc${posix.slice(at)}`);
}

/**
 * A fresh flat copy of `s`: a slice or a concatenation may keep the whole string it came from
 * as its parent, and a code cache writes a script's name as V8 holds it (the absolute path
 * came back that way).
 */
function flatString(s: string): string {
  return Buffer.from(s, "utf8").toString("utf8");
}

function compile(scriptUrl: URL, cachedData: Buffer | undefined): Script {
  // Latin-1: the build checks that the script is ASCII, so no UTF-8 decoding is needed.
  return new Script(readFileSync(scriptUrl, "latin1"), { filename: scriptName(fileURLToPath(scriptUrl)), cachedData });
}

function run(script: Script, moduleUrl: string, packagesUrl?: URL): Record<string, unknown> {
  const module = { exports: {} };
  (script.runInThisContext() as Wrapper)(module.exports, module, packageRequire(moduleUrl, packagesUrl), moduleUrl);
  return module.exports;
}

/** A package file listed in the packages' list: where in node_modules, the package's version, its length, its cache (beside the list). */
interface PackageFile { readonly file: string; readonly version: string; readonly length: number; readonly cache: string }
/** Package files shorter than this compile from their source: a cache file of their own would cost more than it saves. */
const PACKAGE_FILE_MIN_LENGTH = 256 * 1024;

type CompileHook = (this: NodeModule, content: string, filename: string) => unknown;
const moduleProto = (Module as unknown as { prototype: { _compile: CompileHook } }).prototype;

/** The file's place in node_modules (`@scope/name/dist/x.js`) and its package's folder; null outside node_modules. */
function inPackage(filename: string): { file: string; packageJson: string } | null {
  const path = filename.split(sep).join("/");
  const at = path.lastIndexOf("/node_modules/");
  if (at < 0) return null;
  const file = path.slice(at + "/node_modules/".length);
  const parts = file.split("/");
  const name = parts.slice(0, parts[0]!.startsWith("@") ? 2 : 1).join("/");
  return { file, packageJson: `${filename.slice(0, at + "/node_modules/".length + name.length)}${sep}package.json` };
}

function versionOf(packageJson: string): string | undefined {
  try {
    return (JSON.parse(readFileSync(packageJson, "utf8")) as { version?: string }).version;
  } catch {
    return undefined;
  }
}

function readPackageList(packagesUrl: URL): Map<string, PackageFile> {
  try {
    return new Map((JSON.parse(readFileSync(packagesUrl, "utf8")) as PackageFile[]).map((p) => [p.file, p]));
  } catch {
    return new Map(); // no list (a build that could not make one): every file compiles from its source
  }
}

/** A CommonJS module's code, as node runs it, compiled with `cachedData`. */
function runModule(module: NodeModule, content: string, filename: string, name: string, cachedData: Buffer | undefined): { result: unknown; script: Script } {
  // Compiled under its place in node_modules (`ts-morph/dist/ts-morph.js`), not its absolute path: see scriptName.
  const script = new Script(Module.wrap(content), { filename: flatString(name), cachedData });
  if (cachedData && process.env.MESHC_DEBUG && script.cachedDataRejected !== false) console.error(`meshc: ${filename}: code cache rejected`);
  const local = createRequire(filename);
  const require = Object.assign((id: string) => module.require(id), { resolve: local.resolve, cache: local.cache, main: local.main, extensions: local.extensions });
  const wrapper = script.runInThisContext() as (exports: unknown, require: NodeRequire, module: NodeModule, filename: string, dirname: string) => unknown;
  return { result: wrapper.call(module.exports, module.exports, require as NodeRequire, module, filename, dirname(filename)), script };
}

/**
 * The `require` a script runs with: node's, from `moduleUrl`. With a packages' list, a package
 * it requires compiles its listed files from their caches (while that require runs, and for
 * those files only); during the build's warm-up, it remembers the large files instead (the
 * build also requires ts-morph through it: scripts/build.js).
 */
export function packageRequire(moduleUrl: string, packagesUrl: URL | undefined): NodeRequire {
  const base = createRequire(moduleUrl);
  if (!packagesUrl) return base;
  let listed: Map<string, PackageFile> | undefined;
  const hook = (original: CompileHook): CompileHook => function (this: NodeModule, content: string, filename: string) {
    const at = inPackage(filename);
    const remembered = shared[REMEMBERED_PACKAGES];
    if (at && remembered && content.length >= PACKAGE_FILE_MIN_LENGTH) {
      const version = versionOf(at.packageJson);
      if (version === undefined) return original.call(this, content, filename);
      const { result, script } = runModule(this, content, filename, at.file, undefined);
      remembered.set(at.file, { packagesUrl, script, file: { file: at.file, version, length: content.length, cache: `${at.file.replaceAll("/", "+")}.cache.br` } });
      return result;
    }
    const entry = at ? (listed ??= readPackageList(packagesUrl)).get(at.file) : undefined;
    if (!at || !entry) return original.call(this, content, filename);
    if (entry.length !== content.length || versionOf(at.packageJson) !== entry.version) {
      if (process.env.MESHC_DEBUG) console.error(`meshc: ${filename}: code cache made for another version`);
      return original.call(this, content, filename);
    }
    return runModule(this, content, filename, at.file, readCompressedCache(new URL(entry.cache, packagesUrl))).result;
  };
  const wrapped = (id: string): unknown => {
    if (isBuiltin(id)) return base(id);
    const original = moduleProto._compile;
    moduleProto._compile = hook(original);
    try {
      return base(id);
    } finally {
      moduleProto._compile = original;
    }
  };
  return Object.assign(wrapped, { resolve: base.resolve, cache: base.cache, main: base.main, extensions: base.extensions }) as NodeRequire;
}

function readCache(cacheUrl: URL): Buffer | undefined {
  try {
    return readFileSync(cacheUrl);
  } catch {
    return undefined; // no cache (a build that could not make one): compiled from the source
  }
}

function readCompressedCache(cacheUrl: URL): Buffer | undefined {
  try {
    return zlib().brotliDecompressSync(readFileSync(cacheUrl));
  } catch {
    return undefined; // no cache, or not one this build wrote: compiled from the source
  }
}

/**
 * The build's warm-up run: every script runScript ran, with where its cache goes
 * (rememberScripts). Kept on the global object, not in a variable of this module: the compile
 * command's bundle holds a copy of this module of its own (the schema stage runs the verdict
 * validator's script through it), and the build's list must hold that copy's scripts too.
 */
const REMEMBERED = Symbol.for("meshc.script-loader.remembered");
const REMEMBERED_PACKAGES = Symbol.for("meshc.script-loader.remembered-packages");
const shared = globalThis as {
  [REMEMBERED]?: Map<string, { script: Script; cacheUrl: URL }>;
  [REMEMBERED_PACKAGES]?: Map<string, { packagesUrl: URL; script: Script; file: PackageFile }>;
};

/**
 * The script's exports; `moduleUrl` is what its modules see as import.meta.url and resolve
 * `require` from. `packagesUrl`: the list of the packages' files that run from code caches
 * (see packageRequire), written by the build's warm-up.
 */
export function runScript(scriptUrl: URL, cacheUrl: URL, moduleUrl: string, packagesUrl?: URL): Record<string, unknown> {
  const script = compile(scriptUrl, readCache(cacheUrl));
  if (process.env.MESHC_DEBUG && script.cachedDataRejected !== false) console.error(`meshc: ${fileURLToPath(scriptUrl)}: code cache ${script.cachedDataRejected ? "rejected" : "missing"}`);
  shared[REMEMBERED]?.set(scriptUrl.href, { script, cacheUrl });
  return run(script, moduleUrl, packagesUrl);
}

/**
 * The build's steps: rememberScripts, then a run of the CLI (a compile of an example) that
 * loads its scripts through runScript, then writeCodeCaches writes V8's cache of each script
 * as that run left it: the bytecode of every function that ran, which a start would otherwise
 * compile on first call.
 */
export function rememberScripts(): void {
  shared[REMEMBERED] = new Map();
  shared[REMEMBERED_PACKAGES] = new Map();
}

/**
 * The caches of the scripts run since rememberScripts (see there), and of the package files
 * they required, with each list of those; the scripts' URLs and the package files' places.
 */
export function writeCodeCaches(): string[] {
  const remembered = shared[REMEMBERED];
  for (const { script, cacheUrl } of remembered?.values() ?? []) writeFileSync(cacheUrl, script.createCachedData());
  const lists = new Map<string, PackageFile[]>();
  for (const { packagesUrl, script, file } of shared[REMEMBERED_PACKAGES]?.values() ?? []) {
    mkdirSync(new URL(".", packagesUrl), { recursive: true });
    const cache = script.createCachedData();
    const { brotliCompressSync, constants } = zlib();
    writeFileSync(new URL(file.cache, packagesUrl), brotliCompressSync(cache, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: cache.length } }));
    lists.set(packagesUrl.href, [...(lists.get(packagesUrl.href) ?? []), file]);
  }
  for (const [href, files] of lists) writeFileSync(new URL(href), `${JSON.stringify(files.sort((a, b) => a.file.localeCompare(b.file)), null, 2)}\n`);
  return [...(remembered?.keys() ?? []), ...[...lists.values()].flat().map((f) => f.file)];
}
