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
import { build, transformSync } from "esbuild";
import { dirname, extname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

// index.ts in the repository, index.js in the package's dist/: the DSL's extension is ours.
const HERE = fileURLToPath(import.meta.url);
const DSL_ENTRY = join(dirname(HERE), "..", "dsl", `index${extname(HERE)}`);
const CHILD_ENTRY = join(dirname(HERE), `evaluate-child${extname(HERE)}`);

export const DEFAULT_CONFIG_TIMEOUT_MS = 10_000;
/** How long a child may take to start (node itself, before the config runs) on a busy machine. */
const STARTUP_LIMIT_MS = 60_000;

export interface EvaluatedConfig {
  readonly value: unknown;
  readonly inputs: readonly string[];
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

/** How to start the child: the compiled .js runs as is; the repository's .ts goes through esbuild's transform (no tsx start-up). */
function childCommand(): string[] {
  if (extname(CHILD_ENTRY) === ".js") return [CHILD_ENTRY];
  const { code } = transformSync(readFileSync(CHILD_ENTRY, "utf8"), { loader: "ts", format: "esm", target: "node20" });
  return ["--input-type=module", "--eval", code];
}

interface ChildOutcome { readonly message: string; readonly code: number | null; readonly signal: string | null; readonly timedOut: boolean; readonly stderr: string }

function runChild(bundled: string, cwd: string, timeoutMs: number): Promise<ChildOutcome> {
  return new Promise((done) => {
    const child = spawn(process.execPath, childCommand(), { cwd, stdio: ["pipe", "pipe", "pipe", "pipe"] });
    let message = "";
    let stderr = "";
    let timedOut = false;
    const stop = () => { timedOut = true; child.kill("SIGKILL"); };
    // Until the child is ready, only a generous start-up limit applies; the config's own limit starts at "R".
    let timer = setTimeout(stop, Math.max(STARTUP_LIMIT_MS, timeoutMs));
    let ready = false;
    // The config's output is shown as meshc's diagnostics' neighbour (stderr), never as a result.
    child.stdout!.on("data", (d: Buffer) => process.stderr.write(d));
    child.stderr!.on("data", (d: Buffer) => { stderr += d; });
    (child.stdio[3] as NodeJS.ReadableStream).on("data", (d: Buffer) => {
      message += d;
      if (!ready && message.startsWith("R")) {
        ready = true;
        clearTimeout(timer);
        timer = setTimeout(stop, timeoutMs);
      }
    });
    child.on("error", (error) => { stderr += String(error); });
    child.stdin!.on("error", () => { /* the child may exit before reading everything */ });
    child.stdin!.end(bundled);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      done({ message: message.slice(ready ? 1 : 0), code, signal, timedOut, stderr });
    });
  });
}

/** The last meaningful line of a crashed child's stderr (node prints the error last). */
function lastLine(stderr: string): string {
  const lines = stderr.split("\n").map((l) => l.trim()).filter((l) => l && !l.startsWith("at ") && !l.startsWith("Node.js v"));
  const line = lines[lines.length - 1] ?? "";
  return line.length > 200 ? `${line.slice(0, 200)}...` : line;
}

export async function evaluateTypescriptConfig(absolutePath: string, timeoutMs = configTimeoutMs()): Promise<EvaluatedConfig | EvaluateFailure> {
  let bundled: string;
  let inputs: string[];
  try {
    const result = await build({
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
    });
    bundled = result.outputFiles[0]!.text;
    inputs = Object.keys(result.metafile.inputs)
      .map((p) => resolve(dirname(absolutePath), p))
      .filter((p) => dirname(p) !== dirname(DSL_ENTRY) && !p.includes("/node_modules/"))
      .sort();
  } catch (error) {
    const first = (error as { errors?: { text: string; location?: { file: string; line: number; column: number } }[] }).errors?.[0];
    return {
      kind: "syntax", message: first?.text ?? String(error),
      file: first?.location ? resolve(dirname(absolutePath), first.location.file) : absolutePath,
      line: first?.location?.line ?? 0, column: (first?.location?.column ?? -1) + 1,
    };
  }
  const out = await runChild(bundled, process.cwd(), timeoutMs);
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
