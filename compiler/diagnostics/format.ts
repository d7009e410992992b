// Printing diagnostics: text like a compiler's (file:line:col, the source line and a
// caret), JSON for tools, and GitHub workflow annotations for CI.
import type { Diagnostic } from "./types.ts";

export type DiagnosticFormat = "text" | "json" | "github";

/** Longest source excerpt shown under a diagnostic; a longer line shows a window around the column. */
export const EXCERPT_WIDTH = 120;
/** Diagnostics printed as text or annotations; the rest are counted ("and N more"). JSON lists all. */
export const MAX_SHOWN = 200;

/** Each source's lines, split once (not once per diagnostic: a one-line config with thousands of errors). */
function lineTable(sources: ReadonlyMap<string, string>): (file: string, line: number) => string | undefined {
  const cache = new Map<string, string[]>();
  return (file, line) => {
    let lines = cache.get(file);
    if (!lines) {
      const text = sources.get(file);
      if (text === undefined) return undefined;
      cache.set(file, (lines = text.split(/\r?\n/)));
    }
    return lines[line - 1];
  };
}

/** The part of `line` to print and where the caret goes in it: at most EXCERPT_WIDTH characters around `column`. */
export function excerpt(line: string, column: number): { text: string; caretAt: number } {
  const col = Math.max(0, column - 1);
  if (line.length <= EXCERPT_WIDTH) return { text: line, caretAt: col };
  const start = Math.max(0, Math.min(col - Math.floor(EXCERPT_WIDTH / 2), line.length - EXCERPT_WIDTH));
  const end = Math.min(line.length, start + EXCERPT_WIDTH);
  const head = start > 0 ? "..." : "";
  return { text: `${head}${line.slice(start, end)}${end < line.length ? "..." : ""}`, caretAt: head.length + col - start };
}

function caret(d: Diagnostic, lineOf: (file: string, line: number) => string | undefined): string {
  if (!d.file || d.line < 1) return "";
  const line = lineOf(d.file, d.line);
  if (line === undefined) return "";
  const { text, caretAt } = excerpt(line.replace(/\t/g, " "), d.column);
  const gutter = `${d.line} | `;
  return `\n  ${gutter}${text}\n  ${" ".repeat(gutter.length)}${" ".repeat(Math.max(0, caretAt))}^`;
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

/** Messages quote the user's values; a value can be 64 KiB, a printed message stays readable. */
const MAX_MESSAGE = 1_000;
const clip = (text: string) => (text.length > MAX_MESSAGE ? `${text.slice(0, MAX_MESSAGE)}... (${(text.length - MAX_MESSAGE).toLocaleString("en-US")} more characters)` : text);

function more(hidden: number, format: DiagnosticFormat): string {
  if (hidden <= 0) return "";
  const text = `and ${hidden.toLocaleString("en-US")} more diagnostic(s) not shown (--format json lists them all)`;
  return format === "github" ? `::notice title=meshc::${text}\n` : `meshc: ${text}\n`;
}

export function formatDiagnostics(ds: readonly Diagnostic[], format: DiagnosticFormat, sources: ReadonlyMap<string, string> = new Map(), verbose = false): string {
  const visible = verbose ? ds : ds.filter((d) => d.severity !== "info");
  if (format === "json") return JSON.stringify(ds, null, 2) + "\n";
  const shown = visible.slice(0, MAX_SHOWN);
  return formatShown(shown, format, lineTable(sources)) + more(visible.length - shown.length, format);
}

function formatShown(shown: readonly Diagnostic[], format: DiagnosticFormat, lineOf: (file: string, line: number) => string | undefined): string {
  if (format === "github") {
    return shown.map((d) => {
      const level = d.severity === "error" ? "error" : d.severity === "warning" ? "warning" : "notice";
      const props = [d.file && `file=${ghProp(d.file)}`, d.line > 0 && `line=${d.line}`, d.column > 0 && `col=${d.column}`, `title=${ghProp(d.owner ? `${d.code} [owner: ${d.owner}]` : d.code)}`].filter(Boolean).join(",");
      return `::${level} ${props}::${ghData(`${clip(d.message)}${d.path ? ` (at ${d.path})` : ""}${d.hint ? ` — ${d.hint}` : ""}`)}\n`;
    }).join("");
  }
  return shown.map((d) => {
    const head = `${location(d)} ${d.severity} ${d.code} ${clip(d.message)}${d.owner ? ` [owner: ${d.owner}]` : ""}`;
    const at = d.path ? `\n  at ${d.path}` : "";
    const hint = d.hint ? `\n  hint: ${d.hint}` : "";
    return `${head}${caret(d, lineOf)}${at}${hint}\n`;
  }).join("");
}

export function summarizeDiagnostics(ds: readonly Diagnostic[]): string {
  const n = (s: string) => ds.filter((d) => d.severity === s).length;
  return `${n("error")} error(s), ${n("warning")} warning(s)`;
}
