// Type-checks mesh.config.ts with the native compiler of typescript@7 (`tsc` is a Go
// binary: ~0.2 s for a large config). With a tsconfig.json next to or
// above the config, the check uses it (paths, types, strictness) through a generated
// project that extends it and lists only the config; without one, strict defaults.
// Only errors in the config's own files (and in the tsconfig itself) are reported.
import { type ChildProcess, spawn } from "node:child_process";
import { readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { basename, dirname, join, resolve } from "node:path";
import { coreCodes } from "./diagnostics/codes.ts";
import { diagnostic } from "./diagnostics/define.ts";
import type { Diagnostic } from "./diagnostics/types.ts";
import { typescriptPathFinder } from "./load/positions-ts.ts";
import { processAlive } from "./process-alive.ts";
import { findTsconfig, overridesFor } from "./typecheck-project.ts";

// The binary from its platform package, not `typescript@7` itself: that package's `tsc`
// bin would land in the user's node_modules/.bin and shadow their own TypeScript.
function nativeTsc(): string {
  const pkg = `@typescript/typescript-${process.platform}-${process.arch}`;
  const dir = dirname(createRequire(import.meta.url).resolve(`${pkg}/package.json`));
  return join(dir, "lib", process.platform === "win32" ? "tsc.exe" : "tsc");
}

const ALWAYS = ["--noEmit", "--pretty", "false", "--skipLibCheck", "--allowImportingTsExtensions"];
const DEFAULTS = [
  "--ignoreConfig", "--strict", "--target", "es2022", "--module", "nodenext", "--moduleResolution", "nodenext",
];

function run(exe: string, args: readonly string[], cwd: string, started = (_child: ChildProcess): void => {}): Promise<string> {
  return new Promise<string>((done) => {
    const child = spawn(exe, args, { cwd, stdio: ["ignore", "pipe", "pipe"] });
    started(child);
    let text = "";
    child.stdout.on("data", (d) => (text += d));
    child.stderr.on("data", (d) => (text += d));
    child.on("close", () => done(text));
    child.on("error", (e) => done(`error TS0: ${e.message}`));
  });
}

const SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

/**
 * Runs `body` with a file of ours in the user's folder: interrupted meanwhile (Ctrl-C, a CI
 * timeout's SIGTERM), meshc stops tsc, removes the file, then ends by the same signal. The
 * handlers are in place before the file exists, so no instant leaves it behind.
 */
async function withOwnFile<T>(path: string, body: (started: (child: ChildProcess) => void) => Promise<T>): Promise<T> {
  let child: ChildProcess | null = null;
  const remove = (): void => rmSync(path, { force: true });
  const onSignal = (signal: NodeJS.Signals): void => {
    for (const s of SIGNALS) process.removeListener(s, onSignal);
    child?.kill(signal);
    remove();
    process.kill(process.pid, signal);
  };
  for (const s of SIGNALS) process.once(s, onSignal);
  try {
    return await body((c) => (child = c));
  } finally {
    for (const s of SIGNALS) process.removeListener(s, onSignal);
    remove();
  }
}

const GENERATED = /^\.meshc-typecheck-(\d+)-\d+\.json$/;

/** Generated projects left next to a tsconfig by a meshc killed outright (SIGKILL, power loss) during its check. */
function removeDeadRunsProjects(folder: string): void {
  let names: string[];
  try { names = readdirSync(folder); } catch { return; }
  for (const name of names) {
    const m = GENERATED.exec(name);
    if (m && !processAlive(Number(m[1]))) rmSync(join(folder, name), { force: true });
  }
}

let generation = 0;

/** One run of tsc over a config: its output (errors), the folder it ran in, the tsconfig it used; `cancel` stops it (its output is then void). */
interface TscRun {
  readonly output: Promise<string>;
  readonly cwd: string;
  readonly tsconfig: string | null;
  cancel(): void;
}

function startTsc(configPath: string): TscRun {
  const exe = nativeTsc();
  const tsconfig = findTsconfig(configPath);
  let child: ChildProcess | null = null;
  let cancelled = false;
  const track = (c: ChildProcess): void => {
    child = c;
    if (cancelled) c.kill();
  };
  const cancel = (): void => {
    cancelled = true;
    child?.kill();
  };
  if (!tsconfig) return { output: run(exe, [...DEFAULTS, ...ALWAYS, configPath], dirname(configPath), track), cwd: dirname(configPath), tsconfig, cancel };
  // The generated project sits next to the user's tsconfig: `types` and `typeRoots`
  // resolve from that folder exactly as they do for the user's own tsc. Removed after, also
  // when meshc is interrupted; one killed outright leaves it for the next run to remove.
  const cwd = dirname(tsconfig);
  removeDeadRunsProjects(cwd);
  const project = join(cwd, `.meshc-typecheck-${process.pid}-${generation++}.json`);
  const output = overridesFor(tsconfig).then((overrides) => cancelled ? "" : withOwnFile(project, (started) => {
    writeFileSync(project, JSON.stringify({ extends: `./${basename(tsconfig)}`, compilerOptions: overrides, files: [resolve(configPath)], include: [] }));
    return run(exe, ["-p", project, ...ALWAYS], cwd, (c) => {
      started(c);
      track(c);
    });
  }));
  return { output, cwd, tsconfig, cancel };
}

/**
 * The type-check started before the config loaded (compile-command.ts): tsc needs only the
 * config's path, and a small mesh's compile otherwise waited for it after its own stages (tsc
 * took ~0.4-0.8 s of wall time from the end of the load). typecheckConfig of the same path
 * takes its output; cancelEarlyTypecheck stops one that nothing took (a config that is not
 * TypeScript, too large to type-check, or not type-checked in a run a newer save overtook).
 */
let early: { readonly configPath: string; readonly run: TscRun } | null = null;

export function startEarlyTypecheck(configPath: string): void {
  void cancelEarlyTypecheck();
  try {
    early = { configPath: resolve(configPath), run: startTsc(resolve(configPath)) };
  } catch {
    early = null; // (no native tsc for this platform): typecheckConfig meets the same error where it always did
  }
}

/** Stops the early type-check if nothing took it; resolves once its tsc ended and its generated project is removed. */
export async function cancelEarlyTypecheck(): Promise<void> {
  const left = early;
  early = null;
  if (!left) return;
  left.run.cancel();
  await left.run.output;
}

function takeEarly(configPath: string): TscRun | null {
  if (!early || early.configPath !== resolve(configPath)) return null;
  const taken = early.run;
  early = null;
  return taken;
}

/** `ownFiles`: the config's local files, or (for a config that did not evaluate, whose imports are unknown) a test of a path. */
export async function typecheckConfig(configPath: string, ownFiles: readonly string[] | ((abs: string) => boolean), display: (abs: string) => string): Promise<Diagnostic[]> {
  const tsc = takeEarly(configPath) ?? startTsc(configPath);
  const { cwd, tsconfig } = tsc;
  const output = await tsc.output;
  const ownSet = typeof ownFiles === "function" ? null : new Set(ownFiles.map((f) => resolve(f)));
  const own = { has: (f: string) => (ownSet ? ownSet.has(f) : (ownFiles as (abs: string) => boolean)(f)) };
  const out: Diagnostic[] = [];
  const errors = [...output.matchAll(/^(.+?)\((\d+),(\d+)\): error (TS\d+): (.*)$/gm)];
  // An error in the config gets the JSON path it is written at, so that meshc's own report of
  // the same mistake replaces it (diagnostics/dedupe.ts) and a different mistake stays.
  const config = resolve(configPath);
  const pathAt = errors.some((m) => resolve(cwd, m[1]!) === config)
    ? await typescriptPathFinder(config, readFileSync(config, "utf8"))
    : () => null;
  for (const m of errors) {
    const file = resolve(cwd, m[1]!);
    const inTsconfig = file.endsWith(".json");
    if (!own.has(file) && !inTsconfig) continue;
    out.push(diagnostic(coreCodes.typeError, {
      message: `${m[5]!} (${m[4]!})`, file: display(file), line: Number(m[2]), column: Number(m[3]),
      path: file === config ? pathAt(Number(m[2]), Number(m[3])) ?? "" : "",
      hint: inTsconfig
        ? "meshc type-checks with TypeScript 7 through your tsconfig.json; fix the option or pass --no-typecheck"
        : "fix the type error; tsc and your editor report it too (turn this check off with --no-typecheck)",
    }));
  }
  // Errors with no file (a bad option, a missing lib) mean the check did not run: say so.
  for (const m of output.matchAll(/^error (TS\d+): (.*)$/gm)) {
    out.push(diagnostic(coreCodes.typeError, { message: `the type-check could not run: ${m[2]!} (${m[1]!})`, file: display(tsconfig ?? configPath), hint: "fix your tsconfig.json for TypeScript 7, or pass --no-typecheck" }));
  }
  return out;
}

/**
 * A mesh.config.ts that threw while evaluating is still type-checked: a misspelled handle
 * (`to: paymnets`) is a ReferenceError at run time, named without a place, while tsc names
 * the file, line and column, with a did-you-mean. Errors in the config's folder count.
 */
export async function typeErrorsOfUnloadable(loadErrors: readonly Diagnostic[], absolutePath: string | null, display: (abs: string) => string): Promise<Diagnostic[]> {
  if (!absolutePath || !/\.m?ts$/.test(absolutePath) || !loadErrors.some((d) => d.code === coreCodes.configLoad.code)) return [];
  const folder = dirname(absolutePath);
  return typecheckConfig(absolutePath, (f) => f.startsWith(folder) && !f.includes("/node_modules/"), display);
}
