// `meshc diff`: what a change does, grouped by the config edit that caused it, then file
// diffs per target. `--format markdown` is a pull-request comment within a size budget.
import { diffByCause, meshPresenceCause, type Cause } from "../review/causes.ts";
import type { Change } from "../review/semantic-diff.ts";
import { diffBundles, formatBundleDiff, formatBundleDiffMarkdown, type TargetDiff } from "../review/file-diff.ts";
import { DEFAULT_MARKDOWN_BUDGET, formatCausesMarkdown, formatCausesText } from "../review/format-causes.ts";
import { boundGraph, buildGraph, diffGraphs, formatMermaid } from "../review/graph.ts";
import { hasErrors } from "../compile.ts";
import { findConfig } from "../load/index.ts";
import { printDiagnostics } from "./output.ts";
import { compileAtRevision, resolveSource, resolveWorkingTree, type MeshSource } from "./sources.ts";

export interface DiffOptions {
  base?: string; format: "text" | "json" | "markdown"; exitCode?: boolean; files?: boolean; color?: boolean;
  verbose?: boolean; maxChars?: string;
}

/**
 * Edges in the comment's graph before it shows only the changed neighbourhood; smaller
 * versions are tried in turn when the comment's budget is short.
 */
const GRAPH_EDGES = [60, 20, 5];

async function resolveSides(oldRef: string | undefined, newRef: string | undefined, opts: DiffOptions, cwd: string): Promise<[MeshSource, MeshSource]> {
  if (opts.base) {
    const after = await resolveWorkingTree(oldRef, cwd);
    const before = await compileAtRevision(opts.base, cwd, oldRef);
    if (before.absent && after.absent) throw new Error(`no mesh config at ${oldRef ?? "the working directory"}, neither now nor at ${opts.base}`);
    return [before, after];
  }
  // `meshc diff main path/to/mesh.config.ts`: the old side is that config as committed at main.
  const newConfig = newRef !== undefined && findConfig(newRef, cwd) !== null ? newRef : undefined;
  return [await resolveSource(oldRef ?? "HEAD", cwd, newConfig), await resolveSource(newRef, cwd)];
}

function semanticCauses(before: MeshSource, after: MeshSource): { causes: Cause[]; changes: readonly Change[] } | null {
  if (before.absent && after.mesh && after.ir) return { causes: [meshPresenceCause({ mesh: after.mesh, ir: after.ir }, true, after.label)], changes: [] };
  if (after.absent && before.mesh && before.ir) return { causes: [meshPresenceCause({ mesh: before.mesh, ir: before.ir }, false, before.label)], changes: [] };
  if (!before.mesh || !before.ir || !after.mesh || !after.ir) return null;
  const d = diffByCause({ raw: before.raw, mesh: before.mesh, ir: before.ir }, { raw: after.raw, mesh: after.mesh, ir: after.ir });
  return { causes: [...d.causes], changes: d.changes };
}

/** The comment's graph section, one version a limit of edges (largest first). */
function mermaidSections(before: MeshSource, after: MeshSource, causes: readonly Cause[], limits: readonly number[]): string[] {
  const empty = { nodes: [], edges: [] };
  const old = before.mesh ? buildGraph(before.mesh) : empty;
  const now = after.mesh ? buildGraph(after.mesh) : empty;
  const changed = new Set(causes.flatMap((c) => c.effects.flatMap((e) => [e.route, e.rule].filter((n): n is string => n !== undefined))));
  const full = diffGraphs(old, now, changed);
  return limits.map((maxEdges) => {
    const { graph, omitted } = boundGraph(full, maxEdges);
    if (graph.edges.length === 0) return "";
    const note = omitted > 0 ? `\n_${omitted.toLocaleString("en-US")} unchanged or farther edges left out (limit ${maxEdges}); \`meshc graph\` draws them all._\n` : "";
    return `<details><summary>Mesh graph (changed edges coloured)</summary>\n\n\`\`\`mermaid\n${formatMermaid(graph)}\`\`\`\n${note}</details>\n`;
  });
}

function fileBlocks(diff: readonly TargetDiff[]) {
  return diff.map((t) => ({
    target: t.target,
    block: formatBundleDiffMarkdown([t]),
    stub: `- **${t.target || "(bundle root)"}**: ${[[t.changed.length, "changed"], [t.added.length, "added"], [t.removed.length, "removed"]].filter(([n]) => n as number > 0).map(([n, w]) => `${n} ${w}`).join(", ")} (diff left out)\n`,
  }));
}

function positiveInt(value: string | undefined, fallback: number, flag: string): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1000) throw new Error(`${flag} ${JSON.stringify(value)}: give a whole number of at least 1000`);
  return n;
}

export async function runDiff(oldRef: string | undefined, newRef: string | undefined, opts: DiffOptions): Promise<number> {
  const cwd = process.cwd();
  if (opts.base !== undefined && newRef !== undefined) {
    process.stderr.write(`meshc diff: with --base, give at most one config (the new side), not ${oldRef} and ${newRef}\n`);
    return 2;
  }
  let before: MeshSource;
  let after: MeshSource;
  let budget: number;
  try {
    budget = positiveInt(opts.maxChars, DEFAULT_MARKDOWN_BUDGET, "--max-chars");
    [before, after] = await resolveSides(oldRef, newRef, opts, cwd);
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
  const semantic = semanticCauses(before, after);
  const causes = semantic?.causes ?? [];
  const fileDiff = diffBundles(before.files, after.files);
  const differs = causes.length > 0 || fileDiff.length > 0;
  if (opts.format === "json") {
    process.stdout.write(JSON.stringify({
      before: before.label, after: after.label, causes, changes: semantic?.changes ?? [], files: opts.files === false ? [] : fileDiff,
    }, null, 2) + "\n");
  } else if (opts.format === "markdown") {
    const rerun = `meshc diff${opts.base ? ` --base ${opts.base}` : ""}${oldRef ? ` ${oldRef}` : ""}${newRef ? ` ${newRef}` : ""}`.replace(/`/g, "'");
    process.stdout.write(formatCausesMarkdown({
      title: `meshc diff: ${before.label} -> ${after.label}`, causes, rerun, budget, verbose: opts.verbose === true,
      graph: semantic === null ? "" : mermaidSections(before, after, causes, GRAPH_EDGES),
      files: opts.files === false ? [] : fileBlocks(fileDiff),
    }));
  } else {
    const color = opts.color !== false && process.stdout.isTTY === true;
    const summary = semantic !== null ? formatCausesText(causes, opts.verbose === true) : "(a bundle has no IR: file differences only)\n";
    const files = opts.files === false ? "" : formatBundleDiff(fileDiff, { color });
    process.stdout.write(differs ? `${summary}${files ? `\n${files}` : ""}` : "no differences\n");
  }
  return opts.exitCode && differs ? 1 : 0;
}
