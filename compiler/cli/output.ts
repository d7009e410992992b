// Printing helpers shared by commands.
import { formatDiagnostics, type DiagnosticFormat } from "../diagnostics/format.ts";
import type { Diagnostic } from "../diagnostics/types.ts";
import type { LoadedConfig } from "../load/types.ts";
import { rebaseForGithub, repositoryRoot } from "./github-paths.ts";

export function printDiagnostics(ds: readonly Diagnostic[], format: DiagnosticFormat, config: LoadedConfig | null, verbose: boolean): void {
  const sources = new Map(config ? [[config.file, config.sourceText]] : []);
  const shown = format === "github" ? rebaseForGithub(ds, process.cwd(), repositoryRoot(process.cwd())) : ds;
  const text = formatDiagnostics(shown, format, sources, verbose);
  if (format === "json") process.stdout.write(text);
  else if (text) process.stderr.write(text);
}

export function parseTargetList(list: string | undefined): string[] | undefined {
  return list ? list.split(",").map((s) => s.trim()).filter(Boolean) : undefined;
}
