// Printing helpers shared by commands.
import { formatDiagnostics, type DiagnosticFormat } from "../diagnostics/format.ts";
import type { Diagnostic } from "../diagnostics/types.ts";
import type { LoadedConfig } from "../load/types.ts";
import { didYouMean } from "../suggest.ts";
import { rebaseForGithub, repositoryRoot } from "./github-paths.ts";

export function printDiagnostics(ds: readonly Diagnostic[], format: DiagnosticFormat, config: LoadedConfig | null, verbose: boolean): void {
  // No diagnostics, no excerpts: a watched config's text is decoded only when one is shown (load/index.ts).
  const sources = new Map(config && ds.length > 0 ? [[config.file, config.sourceText], ...(config.moduleSources ?? [])] : []);
  const shown = format === "github" ? rebaseForGithub(ds, process.cwd(), repositoryRoot(process.cwd())) : ds;
  const text = formatDiagnostics(shown, format, sources, verbose);
  if (format === "json") process.stdout.write(text);
  else if (text) process.stderr.write(text);
}

export function parseTargetList(list: string | undefined): string[] | undefined {
  return list ? list.split(",").map((s) => s.trim()).filter(Boolean) : undefined;
}

/** A `--target` name that is no target is a usage error (exit 2), caught before compiling. */
export async function unknownTargetMessage(names: readonly string[] | undefined): Promise<string | null> {
  if (!names) return null;
  const { targets } = await import("../../targets/index.ts");
  const known: string[] = targets.map((t) => t.name);
  const unknown = names.filter((n) => !known.includes(n));
  if (unknown.length === 0) return null;
  return unknown.map((n) => `meshc: unknown target "${n}"; ${didYouMean(n, known) ?? "no target is close"}\n`).join("")
    + `  targets: ${known.join(", ")}\n`;
}
