// Type-checks mesh.config.ts with the native compiler of typescript@7 (`tsc` is a Go
// binary: ~0.2 s for a large config). Only errors in the config's own files are reported.
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { coreCodes } from "./diagnostics/codes.ts";
import { diagnostic } from "./diagnostics/define.ts";
import type { Diagnostic } from "./diagnostics/types.ts";

async function nativeTsc(): Promise<string> {
  const require = createRequire(import.meta.url);
  const pkgDir = dirname(require.resolve("typescript/package.json"));
  const mod = (await import(pathToFileURL(join(pkgDir, "lib", "getExePath.js")).href)) as { default: () => string };
  return mod.default();
}

const OPTIONS = [
  "--noEmit", "--ignoreConfig", "--pretty", "false", "--strict", "--skipLibCheck", "--target", "es2022",
  "--module", "nodenext", "--moduleResolution", "nodenext", "--allowImportingTsExtensions",
];

export async function typecheckConfig(configPath: string, ownFiles: readonly string[], display: (abs: string) => string): Promise<Diagnostic[]> {
  const exe = await nativeTsc();
  const cwd = dirname(configPath);
  const output = await new Promise<string>((done) => {
    const child = spawn(exe, [...OPTIONS, configPath], { cwd, stdio: ["ignore", "pipe", "pipe"] });
    let text = "";
    child.stdout.on("data", (d) => (text += d));
    child.stderr.on("data", (d) => (text += d));
    child.on("close", () => done(text));
    child.on("error", (e) => done(`internal: ${e.message}`));
  });
  const own = new Set(ownFiles.map((f) => resolve(f)));
  const out: Diagnostic[] = [];
  for (const m of output.matchAll(/^(.+?)\((\d+),(\d+)\): error (TS\d+): (.*)$/gm)) {
    const file = resolve(cwd, m[1]!);
    if (!own.has(file)) continue;
    out.push(diagnostic(coreCodes.typeError, {
      message: `${m[5]!} (${m[4]!})`, file: display(file), line: Number(m[2]), column: Number(m[3]),
      hint: "fix the type error; your editor shows it too (turn this check off with --no-typecheck)",
    }));
  }
  // Errors with no file (a bad option, a missing lib) mean the check did not run: say so.
  for (const m of output.matchAll(/^error (TS\d+): (.*)$/gm)) {
    out.push(diagnostic(coreCodes.typeError, { message: `the type-check could not run: ${m[2]!} (${m[1]!})`, file: display(configPath), hint: "report this with your TypeScript setup, or pass --no-typecheck" }));
  }
  return out;
}
