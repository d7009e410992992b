// File-level diff of two bundles (path -> content): unified diffs per file, files
// grouped by target (the first path segment), rendered for a terminal (optionally with
// ANSI colour) or as markdown for a pull-request comment.
import { createTwoFilesPatch } from "diff";

export type FileStatus = "added" | "removed" | "changed";

export interface FileDiff {
  readonly path: string;
  /** The first path segment ("envoy", "nginx", ...); "" for a file at the bundle root. */
  readonly target: string;
  readonly status: FileStatus;
  /** Unified diff with `a/` and `b/` file headers (`/dev/null` for an added or removed file). */
  readonly patch: string;
  readonly additions: number;
  readonly deletions: number;
}

export interface TargetDiff {
  readonly target: string;
  /** Sorted paths. */
  readonly added: readonly string[];
  readonly removed: readonly string[];
  readonly changed: readonly string[];
  readonly files: readonly FileDiff[];
}

export interface BundleDiffOptions {
  /** Lines of context around each hunk; 3 by default. */
  readonly context?: number;
}

export type Bundle = ReadonlyMap<string, string>;

function targetOf(path: string): string {
  const at = path.indexOf("/");
  return at < 0 ? "" : path.slice(0, at);
}

function countLines(patch: string): { additions: number; deletions: number } {
  let additions = 0;
  let deletions = 0;
  // Skip the two file headers: a removed line reading "-- x" shows as "--- x" in a hunk.
  for (const line of patch.split("\n").slice(2)) {
    if (line.startsWith("+")) additions++;
    else if (line.startsWith("-")) deletions++;
  }
  return { additions, deletions };
}

function diffFile(path: string, before: string | undefined, after: string | undefined, context: number): FileDiff {
  const status: FileStatus = before === undefined ? "added" : after === undefined ? "removed" : "changed";
  const patch = createTwoFilesPatch(
    before === undefined ? "/dev/null" : `a/${path}`, after === undefined ? "/dev/null" : `b/${path}`,
    before ?? "", after ?? "", undefined, undefined,
    { context, headerOptions: { includeIndex: false, includeUnderline: false, includeFileHeaders: true } },
  );
  return { path, target: targetOf(path), status, patch, ...countLines(patch) };
}

/** Files that differ, grouped by target; targets and paths sorted. Identical files are left out. */
export function diffBundles(before: Bundle, after: Bundle, options: BundleDiffOptions = {}): TargetDiff[] {
  const context = options.context ?? 3;
  const paths = [...new Set([...before.keys(), ...after.keys()])].sort();
  const byTarget = new Map<string, FileDiff[]>();
  for (const path of paths) {
    const a = before.get(path);
    const b = after.get(path);
    if (a === b) continue;
    const file = diffFile(path, a, b, context);
    byTarget.set(file.target, [...(byTarget.get(file.target) ?? []), file]);
  }
  return [...byTarget.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([target, files]) => ({
    target,
    added: files.filter((f) => f.status === "added").map((f) => f.path),
    removed: files.filter((f) => f.status === "removed").map((f) => f.path),
    changed: files.filter((f) => f.status === "changed").map((f) => f.path),
    files,
  }));
}

const ANSI = { reset: "\u001b[0m", bold: "\u001b[1m", red: "\u001b[31m", green: "\u001b[32m", cyan: "\u001b[36m" } as const;

function colorLine(line: string): string {
  const paint = (code: string) => `${code}${line}${ANSI.reset}`;
  if (line.startsWith("+++") || line.startsWith("---")) return paint(ANSI.bold);
  if (line.startsWith("+")) return paint(ANSI.green);
  if (line.startsWith("-")) return paint(ANSI.red);
  if (line.startsWith("@@")) return paint(ANSI.cyan);
  return line;
}

function summaryOf(t: TargetDiff): string {
  const parts = [[t.changed.length, "changed"], [t.added.length, "added"], [t.removed.length, "removed"]] as const;
  return parts.filter(([n]) => n > 0).map(([n, what]) => `${n} ${what}`).join(", ");
}

function targetName(t: TargetDiff): string {
  return t.target === "" ? "(bundle root)" : t.target;
}

/** Terminal text: per target a summary line, then each file's unified diff. `color` adds ANSI escapes. */
export function formatBundleDiff(diff: readonly TargetDiff[], options: { readonly color?: boolean } = {}): string {
  if (diff.length === 0) return "No file changes.\n";
  const out: string[] = [];
  for (const t of diff) {
    const heading = `${targetName(t)}: ${summaryOf(t)}`;
    out.push(options.color ? `${ANSI.bold}${heading}${ANSI.reset}` : heading);
    for (const f of t.files) {
      const lines = f.patch.replace(/\n$/, "").split("\n");
      out.push(...(options.color ? lines.map(colorLine) : lines));
    }
  }
  return out.join("\n") + "\n";
}

/** A fence longer than any backtick run in the content, so a diff of markdown cannot close it. */
function fence(content: string): string {
  const longest = Math.max(0, ...[...content.matchAll(/`+/g)].map((m) => m[0].length));
  return "`".repeat(Math.max(3, longest + 1));
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** Markdown for a pull-request comment: one collapsible <details> per target, a ```diff block per file. */
export function formatBundleDiffMarkdown(diff: readonly TargetDiff[]): string {
  if (diff.length === 0) return "_No file changes._\n";
  const out: string[] = [];
  for (const t of diff) {
    out.push("<details>", `<summary><b>${escapeHtml(targetName(t))}</b>: ${summaryOf(t)}</summary>`, "");
    for (const f of t.files) {
      const body = f.patch.replace(/\n$/, "");
      const marks = fence(body);
      out.push(`<code>${escapeHtml(f.path)}</code> (${f.status}, +${f.additions} -${f.deletions})`, "", `${marks}diff`, body, marks, "");
    }
    out.push("</details>", "");
  }
  return out.join("\n");
}
