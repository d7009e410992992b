// `meshc diff`: what a change does, in words from the two IRs, then file diffs per target.
import { formatChanges, diffIR, type Change } from "../review/semantic-diff.ts";
import { diffBundles, formatBundleDiff, formatBundleDiffMarkdown } from "../review/file-diff.ts";
import { hasErrors } from "../compile.ts";
import { findConfig } from "../load/index.ts";
import { printDiagnostics } from "./output.ts";
import { compileAtRevision, resolveSource, type MeshSource } from "./sources.ts";

export interface DiffOptions { base?: string; format: "text" | "json" | "markdown"; exitCode?: boolean; files?: boolean; color?: boolean }

export async function runDiff(oldRef: string | undefined, newRef: string | undefined, opts: DiffOptions): Promise<number> {
  const cwd = process.cwd();
  if (opts.base !== undefined && newRef !== undefined) {
    process.stderr.write(`meshc diff: with --base, give at most one config (the new side), not ${oldRef} and ${newRef}\n`);
    return 2;
  }
  let before: MeshSource;
  let after: MeshSource;
  try {
    if (opts.base) {
      after = await resolveSource(oldRef, cwd);
      before = await compileAtRevision(opts.base, cwd, oldRef);
    } else {
      // `meshc diff main path/to/mesh.config.ts`: the old side is that config as committed at main.
      const newConfig = newRef !== undefined && findConfig(newRef, cwd) !== null ? newRef : undefined;
      before = await resolveSource(oldRef ?? "HEAD", cwd, newConfig);
      after = await resolveSource(newRef, cwd);
    }
  } catch (error) {
    process.stderr.write(`meshc diff: ${error instanceof Error ? error.message : String(error)}\n`);
    return 2;
  }
  for (const side of [before, after]) {
    if (hasErrors(side.diagnostics)) {
      process.stderr.write(`meshc diff: ${side.label} does not compile:\n`);
      printDiagnostics(side.diagnostics, "text", null, false);
      return 1;
    }
  }
  const changes: Change[] = before.ir && after.ir ? diffIR(before.ir, after.ir) : [];
  const fileDiff = diffBundles(before.files, after.files);
  const differs = changes.length > 0 || fileDiff.length > 0;
  if (opts.format === "json") {
    process.stdout.write(JSON.stringify({ before: before.label, after: after.label, changes, files: opts.files === false ? [] : fileDiff }, null, 2) + "\n");
  } else {
    const color = opts.color !== false && opts.format === "text" && process.stdout.isTTY === true;
    const summary = before.ir && after.ir ? formatChanges(changes, opts.format) : "(a bundle has no IR: file differences only)\n";
    const files = opts.files === false ? "" : opts.format === "markdown" ? formatBundleDiffMarkdown(fileDiff) : formatBundleDiff(fileDiff, { color });
    process.stdout.write(differs ? `${summary}${files ? `\n${files}` : ""}` : "no differences\n");
  }
  return opts.exitCode && differs ? 1 : 0;
}
