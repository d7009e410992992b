// Loads mesh.config.ts with a real TypeScript loader: esbuild bundles the config and the
// local modules it imports in memory (`meshc` resolves to this package's DSL), and the
// result is evaluated in a child node process (./evaluate-child.ts) with a time limit.
// A TypeScript config is code: a child keeps its process.exit(), crash or endless loop from
// ending or hanging meshc, and turns each into a load error (MESH1007, MESH1006), so a
// `compile --check` gate can never pass because the config stopped the process early.
// Nothing is written to disk, every load is fresh (watch mode sees edits to imported
// files), and esbuild's metafile lists the inputs.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { BuildContext, BuildOptions, BuildResult } from "esbuild";
import { dirname, extname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { jsonStringsAreClean } from "../analyze/characters.ts";
import { sameJson } from "../ir/share.ts";
import { reparseChanged } from "./data-reparse.ts";

// index.ts in the repository, index.js in the package's dist/: the DSL's extension is ours.
const HERE = fileURLToPath(import.meta.url);
const DSL_ENTRY = join(dirname(HERE), "..", "dsl", `index${extname(HERE)}`);
const CHILD_ENTRY = join(dirname(HERE), `evaluate-child${extname(HERE)}`);

/**
 * esbuild, loaded when a config runs code: a data-only config (what generators write) never
 * needs it. By require: node's ESM import of esbuild's CommonJS entry costs ~90 ms of CPU at
 * start, require ~20 ms (measured on node 20).
 */
const esbuild = () => createRequire(import.meta.url)("esbuild") as typeof import("esbuild");

export const DEFAULT_CONFIG_TIMEOUT_MS = 10_000;
/** How long a child may take to start (node itself, before the config runs) on a busy machine. */
const STARTUP_LIMIT_MS = 60_000;

export interface EvaluatedConfig {
  readonly value: unknown;
  readonly inputs: readonly string[];
  /** Every string of `value`, keys included, is clean for the character check (a data-only config's JSON text said so: dataOnlyValue). */
  readonly plainStrings?: boolean;
}

export type EvaluateFailure = {
  readonly kind: "syntax" | "runtime" | "timeout" | "exited";
  readonly message: string; readonly file: string | null; readonly line: number; readonly column: number;
};

/** The time limit: MESHC_CONFIG_TIMEOUT (seconds; the CLI's --config-timeout sets it), else 10 s. */
export function configTimeoutMs(): number {
  const s = Number(process.env.MESHC_CONFIG_TIMEOUT);
  return Number.isFinite(s) && s > 0 ? Math.round(s * 1000) : DEFAULT_CONFIG_TIMEOUT_MS;
}

let childArgs: string[] | null = null;

/** How to start the child: the compiled .js runs as is; the repository's .ts goes through esbuild's transform (no tsx start-up), once. */
function childCommand(): string[] {
  if (extname(CHILD_ENTRY) === ".js") return [CHILD_ENTRY];
  if (childArgs) return childArgs;
  const { code } = esbuild().transformSync(readFileSync(CHILD_ENTRY, "utf8"), { loader: "ts", format: "esm", target: "node20" });
  return (childArgs = ["--input-type=module", "--eval", code]);
}

interface ChildOutcome { readonly message: string; readonly code: number | null; readonly signal: string | null; readonly timedOut: boolean; readonly stderr: string }

/** A started child waiting for its bundle on stdin; its time limits start when the bundle is sent. */
interface Child {
  readonly outcome: Promise<ChildOutcome>;
  send(bundled: string, timeoutMs: number): void;
  stop(): void;
  /** Still waiting: a spare that died meanwhile is never handed a config. */
  alive(): boolean;
}

function startChild(cwd: string): Child {
  const child = spawn(process.execPath, childCommand(), { cwd, stdio: ["pipe", "pipe", "pipe", "pipe"] });
  let timer: NodeJS.Timeout | null = null;
  let timedOut = false;
  let limitMs = 0;
  let closed = false;
  const stop = () => { timedOut = true; child.kill("SIGKILL"); };
  const outcome = new Promise<ChildOutcome>((done) => {
    let message = "";
    let stderr = "";
    let ready = false;
    // The config's output is shown as meshc's diagnostics' neighbour (stderr), never as a result.
    child.stdout!.on("data", (d: Buffer) => process.stderr.write(d));
    child.stderr!.on("data", (d: Buffer) => { stderr += d; });
    (child.stdio[3] as NodeJS.ReadableStream).on("data", (d: Buffer) => {
      message += d;
      if (!ready && message.startsWith("R")) {
        ready = true;
        if (timer) clearTimeout(timer);
        timer = setTimeout(stop, limitMs);
      }
    });
    child.on("error", (error) => { stderr += String(error); });
    child.stdin!.on("error", () => { /* the child may exit before reading everything */ });
    child.on("close", (code, signal) => {
      closed = true;
      if (timer) clearTimeout(timer);
      done({ message: message.slice(ready ? 1 : 0), code, signal, timedOut, stderr });
    });
  });
  return {
    outcome,
    send(bundled, timeoutMs) {
      limitMs = timeoutMs;
      // Until the child is ready, only a generous start-up limit applies; the config's own limit starts at "R".
      // (A child that ended before its bundle came has its outcome already: no limit to wait out.)
      if (!closed) timer = setTimeout(stop, Math.max(STARTUP_LIMIT_MS, timeoutMs));
      child.stdin!.end(bundled);
    },
    stop: () => { child.kill("SIGKILL"); },
    alive: () => child.exitCode === null && child.signalCode === null,
  };
}

/** The last meaningful line of a crashed child's stderr (node prints the error last). */
function lastLine(stderr: string): string {
  const lines = stderr.split("\n").map((l) => l.trim()).filter((l) => l && !l.startsWith("at ") && !l.startsWith("Node.js v"));
  const line = lines[lines.length - 1] ?? "";
  return line.length > 200 ? `${line.slice(0, 200)}...` : line;
}

/**
 * Watch mode's loader state: an esbuild context per config (a rebuild re-parses only the
 * files whose contents changed) and a child started ahead of the next save, so neither
 * node's start-up nor esbuild's set-up is on the save's path. Every evaluation still runs in
 * a fresh process: nothing a config does survives into the next one.
 */
export interface TypescriptSession {
  build(absolutePath: string, options: BuildOptions & { metafile: true; write: false }): Promise<BuildResult<{ metafile: true; write: false }>>;
  child(cwd: string): Child;
  dispose(): void;
  /** Watch mode: whether a newer save already overtook this run (cli/watch.ts); asked before a child evaluates the config. */
  overtaken?: () => Promise<boolean>;
  /**
   * Watch mode: the run's gate (cli/watch.ts), awaited before a config that runs code is
   * bundled and evaluated: false when a newer save overtook the run. A run starts at a save's
   * first file event, and a file read between an editor's truncate and its write (empty, or
   * cut short) is no data-only config: evaluating it would be wasted, so such a config waits
   * for the files to be quiet first, as every save did before the gate.
   */
  settled?: () => Promise<boolean>;
  /** The last data-only config's JSON text and value: the next save parses only what changed (data-reparse.ts). */
  lastData: { readonly json: Buffer; readonly value: unknown } | null;
  /** Whether the last load read the config as data and ran no code (set by load/index.ts): watch mode rehearses a save only then. */
  ranNoCode?: boolean;
  /**
   * Watch mode's rehearsal (cli/watch-rehearsal.ts): an edit of the loaded value, applied in
   * memory after the load, never to the file nor to `lastData` (which stays the file's).
   */
  edit?: ((value: unknown) => unknown) | null;
}

/** After a save, the next child starts once this save's compile had the CPU for itself. */
const SPARE_DELAY_MS = 300;

export function createTypescriptSession(): TypescriptSession {
  let built: { path: string; ctx: Promise<BuildContext<{ metafile: true; write: false }>> } | null = null;
  let spare: { cwd: string; child: Child } | null = null;
  let timer: NodeJS.Timeout | null = null;
  const dropSpare = () => { spare?.child.stop(); spare = null; };
  return {
    lastData: null,
    async build(absolutePath, options) {
      if (built?.path !== absolutePath) {
        if (built) void built.ctx.then((c) => c.dispose());
        built = { path: absolutePath, ctx: esbuild().context(options) };
      }
      return (await built.ctx).rebuild();
    },
    child(cwd) {
      const ready = spare?.cwd === cwd && spare.child.alive() ? spare.child : null;
      if (!ready) dropSpare();
      spare = null;
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => { spare = { cwd, child: startChild(cwd) }; }, SPARE_DELAY_MS);
      timer.unref();
      return ready ?? startChild(cwd);
    },
    dispose() {
      if (timer) clearTimeout(timer);
      dropSpare();
      if (built) void built.ctx.then((c) => c.dispose());
      built = null;
    },
  };
}

const DATA_HEAD = /^\s*import\s*\{\s*defineMesh\s*\}\s*from\s*["']meshc["'];?\s*export\s+default\s+defineMesh\(/;
const DATA_TAIL = /\)\s*;?\s*$/;

/**
 * A config that is only `export default defineMesh(<JSON>)` (generated configs are) runs no
 * code: its value is the JSON itself, because defineMesh returns its argument and the child
 * hands the value back as JSON. Parsing it here skips the bundle, the child and V8 compiling a
 * megabyte-sized object literal, the bulk of a save at 1,000 services. `__proto__` is the one
 * key a literal and JSON.parse read differently: such a config takes the general path; -0
 * (which the child's JSON turns into 0) is made 0.
 */
export function dataOnlyValue(source: string | Buffer, session?: Pick<TypescriptSession, "lastData">): { value: unknown; plainStrings?: boolean } | null {
  const bytes = typeof source === "string" ? Buffer.from(source) : source;
  const last = session?.lastData;
  if (session) session.lastData = null;
  const span = jsonSpan(bytes);
  if (!span || bytes.indexOf("__proto__") >= 0) return null;
  // Bytes, not text: a save is compared with the last one and parsed in part without decoding the file (data-reparse.ts).
  const json = bytes.subarray(span[0], span[1]);
  // Watch mode: the last save's value with only the changed part parsed again (data-reparse.ts).
  const reused = last ? reparseChanged(last.json, last.value, json, withoutNegativeZero) : null;
  if (reused) {
    if (process.env.MESHC_CHECK_INCREMENTAL_IR === "1" && !sameJson(reused.value, withoutNegativeZero(JSON.parse(json.toString("utf8"))))) {
      throw new Error("the changed part's parse differs from a whole parse");
    }
    session!.lastData = { json, value: reused.value };
    return reused;
  }
  try {
    const text = json.toString("utf8");
    const value: unknown = JSON.parse(text);
    // A negative number follows `:`, `[` or `,` (and maybe blanks); without one, no -0 to find
    // and no walk of the whole value (~50-60 ms cold at 1,000 services). A string holding `:-`
    // only costs the walk.
    const fixed = NEGATIVE_NUMBER.test(text) ? withoutNegativeZero(value) : value;
    if (session) session.lastData = { json, value: fixed };
    // Its strings are the text's (JSON.parse made them; withoutNegativeZero changes numbers
    // only): one scan of the text says whether any could hold what the character check reports.
    return { value: fixed, plainStrings: jsonStringsAreClean(text) };
  } catch {
    return null;
  }
}

/** Past this many bytes, DATA_HEAD and DATA_TAIL are first matched on the text's first and last bytes only. */
const EDGE = 4096;

/**
 * Where the JSON of a data-only config lies in its bytes (between DATA_HEAD and DATA_TAIL), or
 * null. The head is anchored at the start and the tail at the end, so a match in an edge of
 * the text is the whole text's: matched there first, without decoding the rest; no match
 * there (a head or tail longer than the edge), the whole text decides.
 */
function jsonSpan(bytes: Buffer): [number, number] | null {
  const edges = bytes.length > 2 * EDGE;
  let head = edges ? DATA_HEAD.exec(bytes.toString("utf8", 0, EDGE)) : null;
  let tail = edges ? DATA_TAIL.exec(bytes.toString("utf8", bytes.length - EDGE)) : null;
  if (!head || !tail) {
    const text = bytes.toString("utf8");
    head = DATA_HEAD.exec(text);
    tail = DATA_TAIL.exec(text);
  }
  if (!head || !tail) return null;
  // Byte offsets: the head's text is the bytes' start and the tail's their end, decoded.
  const start = Buffer.byteLength(head[0]);
  const end = bytes.length - Buffer.byteLength(tail[0]);
  return end < start ? null : [start, end];
}

const NEGATIVE_NUMBER = /[:[,]\s*-/;

function withoutNegativeZero(value: unknown): unknown {
  if (Object.is(value, -0)) return 0;
  if (value !== null && typeof value === "object") {
    const o = value as Record<string, unknown>;
    for (const k of Object.keys(o)) {
      const v = o[k];
      if (v !== null && (typeof v === "object" || v === 0)) o[k] = withoutNegativeZero(v);
    }
  }
  return value;
}

/** What a run a newer save overtook gets instead of a bundle or a child (its gate drops it: cli/watch.ts). */
const overtaken = (file: string): EvaluateFailure => ({ kind: "runtime", message: "the config changed while it was read", file, line: 0, column: 0 });

/** `source`: the config's bytes (or text) when the caller read it already (load/index.ts). */
export async function evaluateTypescriptConfig(absolutePath: string, timeoutMs = configTimeoutMs(), session?: TypescriptSession, source?: string | Buffer): Promise<EvaluatedConfig | EvaluateFailure> {
  const data = dataOnlyValue(source ?? readFileSync(absolutePath), session);
  if (data) return { value: data.value, inputs: [absolutePath], ...(data.plainStrings ? { plainStrings: true } : {}) };
  if (session?.settled && !(await session.settled())) return overtaken(absolutePath);
  let bundled: string;
  let inputs: string[];
  // Outside watch mode (whose session keeps a child started ahead), the child starts before
  // esbuild bundles the config, so node's start-up in the child and esbuild's service start
  // and build overlap. It only waits for its bundle on stdin until then: its time limits start
  // when the bundle is sent, and a config that does not bundle stops it unused.
  const early = session ? null : startChild(process.cwd());
  try {
    const options: BuildOptions & { metafile: true; write: false } = {
      entryPoints: [absolutePath],
      bundle: true,
      write: false,
      format: "esm",
      platform: "node",
      target: "node20",
      metafile: true,
      logLevel: "silent",
      alias: { meshc: DSL_ENTRY },
      absWorkingDir: dirname(absolutePath),
    };
    const result = session ? await session.build(absolutePath, options) : await esbuild().build(options);
    bundled = result.outputFiles[0]!.text;
    inputs = Object.keys(result.metafile.inputs)
      .map((p) => resolve(dirname(absolutePath), p))
      .filter((p) => dirname(p) !== dirname(DSL_ENTRY) && !p.includes("/node_modules/"))
      .sort();
  } catch (error) {
    early?.stop();
    const first = (error as { errors?: { text: string; location?: { file: string; line: number; column: number } }[] }).errors?.[0];
    return {
      kind: "syntax", message: first?.text ?? String(error),
      file: first?.location ? resolve(dirname(absolutePath), first.location.file) : absolutePath,
      line: first?.location?.line ?? 0, column: (first?.location?.column ?? -1) + 1,
    };
  }
  // A run a newer save overtook is dropped at its gate: a half-written file is not worth a child.
  if (await session?.overtaken?.()) return overtaken(absolutePath);
  let out: ChildOutcome;
  if (session) {
    const child = session.child(process.cwd());
    child.send(bundled, timeoutMs);
    out = await child.outcome;
  } else {
    early!.send(bundled, timeoutMs);
    out = await early!.outcome;
  }
  const at = { file: absolutePath, line: 0, column: 0 };
  if (out.timedOut) return { kind: "timeout", message: `the config was still running after ${timeoutMs / 1000}s and was stopped`, ...at };
  let parsed: { value?: unknown; error?: string } | null = null;
  try { parsed = out.message ? JSON.parse(out.message) as { value?: unknown; error?: string } : null; } catch { parsed = null; }
  if (parsed === null || (!("value" in parsed) && typeof parsed.error !== "string")) {
    const how = out.signal ? `was killed by ${out.signal}` : out.code === 0 ? "called process.exit(0)" : `exited with code ${out.code}`;
    const why = out.code !== 0 && !out.signal ? lastLine(out.stderr) : "";
    return { kind: "exited", message: `the config ${how} before it produced its default export${why ? `: ${why}` : ""}`, ...at };
  }
  if (typeof parsed.error === "string") return { kind: "runtime", message: parsed.error, ...at };
  return { value: parsed.value, inputs };
}
