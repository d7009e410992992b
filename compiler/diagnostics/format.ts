// Printing diagnostics: text like a compiler's (file:line:col, the source line and a
// caret), JSON for tools, and GitHub workflow annotations for CI.
import type { Diagnostic } from "./types.ts";

export type DiagnosticFormat = "text" | "json" | "github";

function caret(d: Diagnostic, sources: ReadonlyMap<string, string>): string {
  const text = d.file ? sources.get(d.file) : undefined;
  if (!text || d.line < 1) return "";
  const line = text.split(/\r?\n/)[d.line - 1];
  if (line === undefined) return "";
  const shown = line.replace(/\t/g, " ");
  const gutter = `${d.line} | `;
  return `\n  ${gutter}${shown}\n  ${" ".repeat(gutter.length)}${" ".repeat(Math.max(0, d.column - 1))}^`;
}

function location(d: Diagnostic): string {
  if (!d.file) return "meshc";
  return d.line > 0 ? `${d.file}:${d.line}:${d.column}` : d.file;
}

/** GitHub annotation values escape %, CR and LF; properties also : and ,. */
function ghData(s: string): string {
  return s.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
}
function ghProp(s: string): string {
  return ghData(s).replace(/:/g, "%3A").replace(/,/g, "%2C");
}

export function formatDiagnostics(ds: readonly Diagnostic[], format: DiagnosticFormat, sources: ReadonlyMap<string, string> = new Map(), verbose = false): string {
  const shown = verbose ? ds : ds.filter((d) => d.severity !== "info");
  if (format === "json") return JSON.stringify(ds, null, 2) + "\n";
  if (format === "github") {
    return shown.map((d) => {
      const level = d.severity === "error" ? "error" : d.severity === "warning" ? "warning" : "notice";
      const props = [d.file && `file=${ghProp(d.file)}`, d.line > 0 && `line=${d.line}`, d.column > 0 && `col=${d.column}`, `title=${ghProp(d.code)}`].filter(Boolean).join(",");
      return `::${level} ${props}::${ghData(`${d.message}${d.path ? ` (at ${d.path})` : ""}${d.hint ? ` — ${d.hint}` : ""}`)}\n`;
    }).join("");
  }
  return shown.map((d) => {
    const head = `${location(d)} ${d.severity} ${d.code} ${d.message}`;
    const at = d.path ? `\n  at ${d.path}` : "";
    const hint = d.hint ? `\n  hint: ${d.hint}` : "";
    return `${head}${caret(d, sources)}${at}${hint}\n`;
  }).join("");
}

export function summarizeDiagnostics(ds: readonly Diagnostic[]): string {
  const n = (s: string) => ds.filter((d) => d.severity === s).length;
  return `${n("error")} error(s), ${n("warning")} warning(s)`;
}
