// `meshc graph`: the mesh as Mermaid or Graphviz DOT, from the normalized config (no target is emitted).
import { compileFile, hasErrors } from "../compile.ts";
import { buildGraph, formatDot, formatMermaid } from "../review/graph.ts";
import { printDiagnostics } from "./output.ts";

export async function runGraph(config: string | undefined, opts: { format: "mermaid" | "dot" }): Promise<number> {
  const r = await compileFile(config, { cwd: process.cwd(), targets: [], verify: "none", typecheck: false });
  if (hasErrors(r.diagnostics) || r.mesh === null) {
    printDiagnostics(r.diagnostics, "text", r.config, false);
    return 1;
  }
  const graph = buildGraph(r.mesh);
  process.stdout.write(opts.format === "dot" ? formatDot(graph) : formatMermaid(graph));
  return 0;
}
