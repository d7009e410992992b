// Runs the bundled compile command (scripts/build.js writes it as a classic script) from the
// V8 code cache the build made for it. Node 20 caches no ES module's code: loading the 3.4 MB
// bundle as a module decoded and parsed it at every start (~150-200 ms of CPU at 1,000
// services, whatever the targets); from the cache V8 deserializes what the build compiled.
// A node whose V8 version or flags differ from the build's rejects the cache (V8 checks
// both), and the script is compiled from its source: slower, never different. V8 knows the
// script by its length only, so the two files are one build's pair: scripts/build.js empties
// dist/ first and makes the cache from the very script it wrote (a hand-edited script of the
// same length would run the cache's code).
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { Script } from "node:vm";

type Wrapper = (exports: object, module: { exports: object }, require: NodeRequire, moduleUrl: string) => void;

function compile(scriptUrl: URL, cachedData: Buffer | undefined): Script {
  // Latin-1: the build checks that the script is ASCII, so no UTF-8 decoding is needed.
  return new Script(readFileSync(scriptUrl, "latin1"), { filename: fileURLToPath(scriptUrl), cachedData });
}

function run(script: Script, moduleUrl: string): Record<string, unknown> {
  const module = { exports: {} };
  (script.runInThisContext() as Wrapper)(module.exports, module, createRequire(moduleUrl), moduleUrl);
  return module.exports;
}

function readCache(cacheUrl: URL): Buffer | undefined {
  try {
    return readFileSync(cacheUrl);
  } catch {
    return undefined; // no cache (a build that could not make one): compiled from the source
  }
}

/**
 * The build's warm-up run: every script runScript ran, with where its cache goes
 * (rememberScripts). Kept on the global object, not in a variable of this module: the compile
 * command's bundle holds a copy of this module of its own (the schema stage runs the verdict
 * validator's script through it), and the build's list must hold that copy's scripts too.
 */
const REMEMBERED = Symbol.for("meshc.script-loader.remembered");
const shared = globalThis as { [REMEMBERED]?: Map<string, { script: Script; cacheUrl: URL }> };

/** The script's exports; `moduleUrl` is what its modules see as import.meta.url and resolve `require` from. */
export function runScript(scriptUrl: URL, cacheUrl: URL, moduleUrl: string): Record<string, unknown> {
  const script = compile(scriptUrl, readCache(cacheUrl));
  if (process.env.MESHC_DEBUG && script.cachedDataRejected !== false) console.error(`meshc: ${fileURLToPath(scriptUrl)}: code cache ${script.cachedDataRejected ? "rejected" : "missing"}`);
  shared[REMEMBERED]?.set(scriptUrl.href, { script, cacheUrl });
  return run(script, moduleUrl);
}

/**
 * The build's steps: rememberScripts, then a run of the CLI (a compile of an example) that
 * loads its scripts through runScript, then writeCodeCaches writes V8's cache of each script
 * as that run left it: the bytecode of every function that ran, which a start would otherwise
 * compile on first call.
 */
export function rememberScripts(): void {
  shared[REMEMBERED] = new Map();
}

/** The caches of the scripts run since rememberScripts (see there); the scripts' URLs. */
export function writeCodeCaches(): string[] {
  const remembered = shared[REMEMBERED];
  for (const { script, cacheUrl } of remembered?.values() ?? []) writeFileSync(cacheUrl, script.createCachedData());
  return [...(remembered?.keys() ?? [])];
}
